// Request bodies: stream to a file while hashing, read small text bodies, or drain.

import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createCrc64 } from './crc64.mjs';
import { diskError } from './storage.mjs';

/**
 * A pass-through that computes size, MD5, CRC-64 (and SHA-256 on request) of what flows by.
 * Past `maxBytes` it keeps counting but stops passing bytes on: the upload will be refused,
 * and there is no point filling the disk with it.
 */
export function digestTransform({ maxBytes = Infinity, sha256 = false } = {}) {
  const md5 = createHash('md5');
  const crc = createCrc64();
  const sha = sha256 ? createHash('sha256') : null;
  let size = 0;
  const transform = new Transform({
    transform(chunk, _encoding, callback) {
      size += chunk.length;
      if (size > maxBytes) return callback();
      md5.update(chunk);
      crc.update(chunk);
      sha?.update(chunk);
      callback(null, chunk);
    },
  });
  transform.result = () => ({
    size,
    overLimit: size > maxBytes,
    md5: md5.digest(),
    crc64: crc.digest(),
    sha256: sha?.digest('hex'),
  });
  return transform;
}

/**
 * Stream `source` into `file`; resolves with the digests, or null if the client went away.
 * If the file cannot be written (a full disk), the rest of the body is read and discarded, so
 * the answer still reaches a client that is sending, and the error is thrown (DiskFull for
 * ENOSPC/EDQUOT).
 */
export async function receiveToFile(source, file, options) {
  acceptBody(source);
  const digest = digestTransform(options);
  let gone = false;
  // `pipe` passes the end on, not a broken connection: that has to stop the pipeline by hand.
  const onGone = () => {
    if (source.complete) return;
    gone = true;
    digest.destroy(new Error('the client closed the connection'));
  };
  source.on('error', onGone);
  source.on('close', onGone);
  source.pipe(digest);
  try {
    // `source` stays out of the pipeline, which would destroy it (and the answer) on a write error.
    await pipeline(digest, createWriteStream(file));
  } catch (error) {
    source.unpipe(digest);
    if (gone || source.destroyed) return null;
    source.resume();
    throw diskError(error);
  } finally {
    source.off('close', onGone);
  }
  return digest.result();
}

/** A small body as UTF-8 text; `null` if it is larger than `maxBytes` (the rest is drained). */
export async function readBodyText(req, maxBytes) {
  acceptBody(req);
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size <= maxBytes) chunks.push(chunk);
  }
  return size > maxBytes ? null : Buffer.concat(chunks).toString('utf8');
}

/** Read and discard a body, so the answer never races the client's upload. */
export async function drainBody(req) {
  if (req.ossupContinue) return; // still waiting for a 100 Continue: no body is coming
  for await (const _chunk of req); // eslint-disable-line no-unused-vars
}

/**
 * Answers a pending `Expect: 100-continue` (bucket.mjs): called when a handler starts reading the
 * body, that is after the headers authenticated, so a refused client is never invited to send.
 */
export function acceptBody(req) {
  const send = req.ossupContinue;
  req.ossupContinue = undefined;
  send?.();
}
