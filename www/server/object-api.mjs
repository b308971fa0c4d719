// The simple object calls: PutObject (header-signed or presigned), GetObject with Range,
// HeadObject and DeleteObject, each authenticated like OSS (./request-auth.mjs).

import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { drainBody, receiveToFile } from './body.mjs';
import { checkContentMd5, parseContentMd5 } from './content-md5.mjs';
import { crc64Header } from './crc64.mjs';
import { ossError } from './errors.mjs';
import { applyLateFault, corruptCrc, takeFault } from './faults.mjs';
import { headerValue, sendEmpty } from './http-context.mjs';
import { MAX_OBJECT_BYTES, objectHeadersFrom, userMetaFrom } from './object-meta.mjs';
import { validateObjectKey } from './object-key.mjs';
import { assertAnonymousAllowed, authenticate, OBJECT_ACLS } from './request-auth.mjs';

// ---------------------------------------------------------------- PutObject

export async function handlePutObject(ctx, key) {
  const { app, req, headers } = ctx;
  ctx.entry.op = 'PutObject';
  let info;
  try {
    // Everything that can be judged from the headers is judged before a body byte is stored.
    const who = authenticate(ctx, key, { anonymous: true });
    if (who.anonymous) assertAnonymousAllowed(app, { write: true });
    validateObjectKey(key);
    info = objectInfoFromHeaders(headers);
    parseContentMd5(headers['content-md5']);
    if (Number(headers['content-length']) > MAX_OBJECT_BYTES) throw ossError('EntityTooLarge');
  } catch (error) {
    await drainBody(req); // discarded, not stored: the client still gets to read the answer
    throw error;
  }

  const tmpFile = app.storage.tmpPath();
  try {
    const sha256 = headers['x-oss-content-sha256'];
    const body = await receiveToFile(req, tmpFile, {
      maxBytes: MAX_OBJECT_BYTES,
      sha256: sha256 !== undefined && sha256 !== 'UNSIGNED-PAYLOAD',
    });
    if (!body) {
      ctx.aborted = true;
      return;
    }
    ctx.entry.bytes = body.size;
    if (body.overLimit) throw ossError('EntityTooLarge');
    checkContentMd5(headers['content-md5'], body.md5);
    if (body.sha256 !== undefined && sha256.trim().toLowerCase() !== body.sha256) {
      throw ossError('ContentSha256Mismatch');
    }
    const etag = body.md5.toString('hex').toUpperCase();
    const meta = {
      key,
      size: body.size,
      etag,
      crc64: crc64Header(body.crc64),
      ...info.meta,
      objectType: 'Normal',
      lastModified: app.now(),
    };
    const fault = takeFault(ctx, { key });
    await app.storage.commitObject(key, tmpFile, meta, { forbidOverwrite: info.forbidOverwrite });
    await applyLateFault(ctx, fault);
    sendEmpty(ctx, 200, {
      ETag: `"${etag}"`,
      'Content-MD5': body.md5.toString('base64'),
      'x-oss-hash-crc64ecma': fault?.action === 'corrupt' ? crc64Header(corruptCrc(meta.crc64)) : meta.crc64,
    });
  } finally {
    await rm(tmpFile, { force: true }); // already renamed away when the object was stored
  }
}

/** Object headers, x-oss-meta-*, x-oss-object-acl and x-oss-forbid-overwrite of a PUT. */
function objectInfoFromHeaders(headers) {
  const read = (name) => headers[name];
  const acl = read('x-oss-object-acl');
  if (acl !== undefined && !OBJECT_ACLS.has(acl)) throw ossError('BadObjectAcl');
  return {
    meta: {
      contentType: read('content-type') || 'application/octet-stream',
      ...objectHeadersFrom(read),
      userMeta: userMetaFrom(Object.entries(headers)),
      acl: acl ?? 'default',
    },
    forbidOverwrite: read('x-oss-forbid-overwrite')?.toLowerCase() === 'true',
  };
}

// ---------------------------------------------------------------- GetObject / HeadObject

/** GET, HEAD, and HEAD ?objectMeta (GetObjectMeta: only ETag, size, dates and CRC-64). */
export async function handleGetObject(ctx, key, { metaOnly = false } = {}) {
  const { app, req, res } = ctx;
  ctx.entry.op = metaOnly ? 'GetObjectMeta' : req.method === 'HEAD' ? 'HeadObject' : 'GetObject';
  await drainBody(req);
  const who = authenticate(ctx, key, { anonymous: true });
  validateObjectKey(key);
  const opened = await app.storage.openObject(key);
  if (!opened) {
    if (who.anonymous) assertAnonymousAllowed(app, { write: false });
    throw ossError('NoSuchKey', { extra: { Key: key } });
  }
  const { meta, handle } = opened;
  let streaming = false;
  try {
    if (who.anonymous) assertAnonymousAllowed(app, { write: false, objectAcl: meta.acl });
    const range =
      req.method === 'GET'
        ? parseRange(ctx.headers.range, meta.size, ctx.headers['x-oss-range-behavior']?.toLowerCase() === 'standard')
        : null;
    const fault = takeFault(ctx, { key });
    await applyLateFault(ctx, fault);
    setObjectHeaders(res, meta, fault, metaOnly);
    res.setHeader('Accept-Ranges', 'bytes');
    if (range) {
      res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${meta.size}`);
      res.setHeader('Content-Length', range.end - range.start + 1);
    }
    res.statusCode = range ? 206 : 200;
    if (req.method === 'HEAD') return res.end();
    streaming = true;
    // The read stream closes the handle when it ends or is destroyed with the response.
    pipeline(handle.createReadStream(range ?? {}), res).catch(() => {});
  } finally {
    if (!streaming) await handle.close();
  }
}

function setObjectHeaders(res, meta, fault, metaOnly) {
  res.setHeader('Content-Length', meta.size);
  res.setHeader('ETag', `"${meta.etag}"`);
  // oss-spec §5: a ranged GET still answers the whole object's CRC.
  res.setHeader('x-oss-hash-crc64ecma', fault?.action === 'corrupt' ? crc64Header(corruptCrc(meta.crc64)) : meta.crc64);
  res.setHeader('Last-Modified', new Date(meta.lastModified).toUTCString());
  if (metaOnly) return;
  res.setHeader('Content-Type', headerValue(meta.contentType));
  res.setHeader('x-oss-object-type', meta.objectType);
  res.setHeader('x-oss-storage-class', meta.storageClass ?? 'Standard');
  const optional = {
    'Cache-Control': meta.cacheControl,
    'Content-Disposition': meta.contentDisposition,
    'Content-Encoding': meta.contentEncoding,
    Expires: meta.expires,
    'x-oss-tagging-count': meta.tagCount ? String(meta.tagCount) : undefined,
    'x-oss-server-side-encryption': meta.encryption,
    'x-oss-server-side-encryption-key-id': meta.encryptionKeyId,
  };
  for (const [name, value] of Object.entries(optional))
    if (value !== undefined) res.setHeader(name, headerValue(value));
  for (const [name, value] of Object.entries(meta.userMeta ?? {}))
    res.setHeader(`x-oss-meta-${name}`, headerValue(value));
}

/**
 * `Range: bytes=a-b | a- | -n` → { start, end } (inclusive) or null for the whole object.
 * OSS by default ignores a range it cannot serve (bad syntax, outside the object) and answers
 * 200 with everything, and of several ranges serves the first. With `x-oss-range-behavior:
 * standard` an end past the object is clipped, a start past it (or several ranges, or bad
 * syntax) is 416 InvalidRange.
 */
export function parseRange(header, size, standard) {
  if (header === undefined) return null;
  const refuse = () => {
    if (standard) throw ossError('InvalidRange', { extra: { RangeRequested: header, ActualObjectSize: String(size) } });
    return null;
  };
  const spec = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!spec) return refuse();
  const ranges = spec[1].split(',').map((text) => text.trim());
  if (ranges.length > 1 && standard) return refuse();
  const match = /^(\d*)-(\d*)$/.exec(ranges[0]);
  if (!match || (match[1] === '' && match[2] === '')) return refuse();
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return refuse();
    if (suffix > size) return standard ? { start: 0, end: size - 1 } : null;
    return { start: size - suffix, end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Number(match[2]);
  if (end < start || start >= size) return refuse();
  if (end >= size) return standard ? { start, end: size - 1 } : null;
  return { start, end };
}

// ---------------------------------------------------------------- DeleteObject

export async function handleDeleteObject(ctx, key) {
  const { app } = ctx;
  ctx.entry.op = 'DeleteObject';
  await drainBody(ctx.req);
  const who = authenticate(ctx, key, { anonymous: true });
  if (who.anonymous) assertAnonymousAllowed(app, { write: true });
  validateObjectKey(key);
  const fault = takeFault(ctx, { key });
  await app.storage.deleteObject(key); // 204 also when there was nothing to delete, as OSS does
  await applyLateFault(ctx, fault);
  sendEmpty(ctx, 204);
}
