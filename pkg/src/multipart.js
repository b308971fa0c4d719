// Multipart upload (oss-spec §3 "Multipart calls"): Initiate → UploadPart × N → Complete,
// parts read one at a time (never the whole file), CRC-64 per part checked against OSS and
// combined into the object's CRC, resumable from a checkpoint, pausable, cancelable.
import { OssupError } from './errors.js';
import { notOssResponse, requireOssHeaders, responseError } from './responses.js';
import { crc64, crc64Combine, createMd5, md5Base64 } from './core.js';
import { encode } from './utf8.js';
import { createCheckpointStore, fileSlot, fingerprint, memoryBackend } from './checkpoint.js';

export const MIN_PART_SIZE = 100 * 1024; // every part but the last (oss-spec §3)
export const MAX_PARTS = 10000;
const MD5_CHUNK = 1024 * 1024;

/**
 * Part size: the requested size, else 16 parts per flow (`flows`: the uploader's concurrency),
 * so every flow stays busy and a kill re-sends little (a part in flight starts over), between 256 KiB and `max` (the transport's:
 * 5 MiB in Node and browsers, 1 MiB in mini programs, whose parts are copied into the JS heap),
 * and sent in a quarter of the request time limit (`timeout`, ms) at the measured `flowRate`
 * (bytes/s per flow); always raised so the file fits in 10,000 parts.
 */
export function choosePartSize(size, requested, { flows = 1, max = 1024 * 1024, flowRate = 0, timeout = 0 } = {}) {
  let want = requested || Math.min(max, Math.max(256 * 1024, size / (16 * flows)));
  if (!requested && flowRate && timeout) want = Math.min(want, (flowRate * timeout) / 4000);
  const atLeast = Math.max(MIN_PART_SIZE, Math.ceil(size / MAX_PARTS));
  return Math.ceil(Math.max(want, atLeast) / 1024) * 1024;
}

function tag(xml, name) {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml || '');
  return match ? match[1] : undefined;
}

function listedParts(xml) {
  const parts = new Map();
  const re = /<Part>([\s\S]*?)<\/Part>/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    parts.set(Number(tag(m[1], 'PartNumber')), {
      etag: String(tag(m[1], 'ETag') || '').replace(/&quot;|"/g, ''),
      crc64: tag(m[1], 'HashCrc64ecma'),
    });
  }
  return parts;
}

/**
 * The file name, when it identifies the file: a mini-program temp path (`wxfile://tmp_…`,
 * `https://resource/apml…`) is new at every pick, so it would stop a re-picked file resuming.
 */
function stableName(file) {
  return file.path && /^[a-z]+:\/\//i.test(file.path) && !file.nameGiven ? '' : file.name;
}

function toArrayBuffer(bytes) {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes.buffer
    : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

const aborted = () => new OssupError('ABORTED', 'the upload was canceled');

// NoSuchUpload: aborted, expired, or completed by a CompleteMultipartUpload whose answer was lost.
const isGone = (error) => error.code === 'NoSuchUpload' || error.status === 404;

/** Modification time where the platform gives one (Node: fs.stat; browsers: File.lastModified). */
function modifiedTime(file) {
  if (typeof file.lastModified === 'number') return file.lastModified;
  return file.blob && typeof file.blob.lastModified === 'number' ? file.blob.lastModified : undefined;
}

/** The weakest check that covers every part: 'crc64', 'content-md5' or 'none'. */
function weakestCheck(parts) {
  if (parts.every((p) => p.check === 'crc64')) return 'crc64';
  return parts.every((p) => p.check === 'crc64' || p.check === 'content-md5') ? 'content-md5' : 'none';
}

// Checkpoints being uploaded in this process: never discarded as stale by another upload.
const ACTIVE = new Set();

/**
 * `ctx`: { transport, request(entry, { method, key, query, headers, body }, { ignoreCancel }) →
 * answer, withRetries(entry, fn, recover), halt(entry, error), store, options,
 * progress(entry, loaded), emit(event, ...args), whilePaused(entry) }.
 */
export async function uploadMultipart(ctx, entry) {
  const { transport, options } = ctx;
  const size = entry.size;
  const fileId = fileSlot({ bucket: entry.dest.bucket, name: stableName(entry.file), size });
  // A checkpoint of this file keeps its part size, whatever the link measures now.
  const kept = options.partSize ? null : ctx.store.others(fileId).map((other) => ctx.store.load(other))[0];
  const partSize =
    kept && kept.size === size && kept.partSize >= MIN_PART_SIZE
      ? kept.partSize
      : choosePartSize(size, options.partSize, {
          flows: ctx.budget.flows,
          max: transport.defaultPartSize,
          flowRate: ctx.budget.flowRate(),
          timeout: ctx.timeout,
        });
  const count = Math.ceil(size / partSize);
  const range = (n) => [(n - 1) * partSize, Math.min(size, n * partSize)];
  const read = async (n, into) => {
    const [start, end] = range(n);
    const bytes = await transport.readRange(entry.file, start, end, into);
    if (!bytes || bytes.length !== end - start) {
      throw new OssupError(
        'FILE_READ_FAILED',
        `${entry.file.name}: could not read bytes ${start}-${end} (the file changed or cannot be read)`,
      );
    }
    return bytes;
  };
  const proposedKey = entry.key;

  // Resume: the same file (by fingerprint) continues its upload where it stopped.
  const first = await read(1);
  const firstCrc = crc64(first);
  const lastCrc = count === 1 ? firstCrc : crc64(await read(count));
  const id = fingerprint({
    fileId,
    keyPrefix: options.keyPrefix,
    lastModified: modifiedTime(entry.file),
    partSize,
    firstCrc,
    lastCrc,
  });
  // The same file twice at once in this process: the second copy keeps no checkpoint.
  const store = ACTIVE.has(id) ? createCheckpointStore(memoryBackend()) : ctx.store;
  if (store === ctx.store) {
    ACTIVE.add(id);
    entry.checkpointId = id;
  }
  try {
    return await upload();
  } finally {
    if (store === ctx.store) ACTIVE.delete(id);
  }

  async function upload() {
    // A checkpoint given up is aborted on OSS too, so its parts are not kept (and billed) forever.
    const discard = async (stale, staleId) => {
      if (stale && stale.uploadId && stale.key) await abortUpload(ctx, entry, stale.key, stale.uploadId);
      store.remove(staleId);
    };
    // Older checkpoints of this file (another keyPrefix, part size or content) are stale now.
    for (const other of store.others(fileId, id)) if (!ACTIVE.has(other)) await discard(store.load(other), other);

    // The object on OSS is this file: size and CRC-64 of bytes read now (DESIGN-NOTES "A retry
    // after a lost response").
    const storedIs = async (key, crc) => {
      try {
        const head = await ctx.request(entry, { method: 'HEAD', key, headers: { 'content-type': entry.file.type } });
        return Number(head.headers['content-length']) === size && head.headers['x-oss-hash-crc64ecma'] === crc;
      } catch {
        return false;
      }
    };
    const scratch = count > 1 ? new Uint8Array(partSize) : null;
    const fileCrc = async () => {
      let crc = firstCrc;
      for (let n = 2; n <= count; n++) crc = crc64(await read(n, scratch), crc);
      return crc;
    };

    let checkpoint = store.load(id);
    if (checkpoint && (options.resume === false || checkpoint.size !== size || checkpoint.partSize !== partSize)) {
      await discard(checkpoint, id);
      checkpoint = null;
    }
    const done = new Map(); // partNumber → { number, etag, crc64, size, check }
    entry.resumedParts = 0;
    if (checkpoint) {
      let listing = null;
      try {
        listing = await ctx.withRetries(entry, async () => {
          const answer = await ctx.request(entry, {
            method: 'GET',
            key: checkpoint.key,
            query: { uploadId: checkpoint.uploadId },
          });
          requireOssHeaders('ListParts', answer, ['x-oss-request-id']);
          if (!/<ListPartsResult[\s>]/.test(answer.body || '')) throw notOssResponse('ListParts', answer.status);
          return answer;
        });
      } catch (error) {
        if (!isGone(error)) throw error;
        // Completed by a Complete whose answer was lost: it is this file if size and CRC-64 say so.
        if (checkpoint.completing) {
          const crc = await fileCrc();
          if (await storedIs(checkpoint.key, crc)) {
            store.remove(id);
            entry.key = checkpoint.key;
            return {
              key: checkpoint.key,
              crc64: crc,
              integrity: 'verified',
              check: 'crc64',
              recovered: true,
              multipart: {
                uploadId: checkpoint.uploadId,
                parts: count,
                partSize,
                resumedParts: checkpoint.parts.length,
              },
            };
          }
        }
        store.remove(id);
        checkpoint = null;
      }
      if (listing) {
        // A done part is trusted only once its bytes, read again now, have the CRC-64 it was
        // sent with: a file edited in place (same name, size and ends) starts over.
        const stored = listedParts(listing.body);
        let changed = false;
        for (const part of checkpoint.parts) {
          const listed = stored.get(part.number);
          if (!listed || listed.etag !== part.etag) continue; // not on OSS: sent again
          const bytes = part.number === 1 ? first : await read(part.number, scratch);
          const crc = crc64(bytes);
          if (crc !== part.crc64 || bytes.length !== part.size || (listed.crc64 && listed.crc64 !== crc)) {
            changed = true;
            break;
          }
          const check = listed.crc64 ? 'crc64' : part.check || (part.verified ? 'crc64' : 'none');
          done.set(part.number, { number: part.number, etag: part.etag, crc64: crc, size: part.size, check });
        }
        if (changed) {
          await discard(checkpoint, id);
          checkpoint = null;
          done.clear();
        } else {
          entry.key = checkpoint.key;
          entry.resumedParts = done.size;
        }
      }
    }
    if (!checkpoint) {
      entry.key = proposedKey;
      const answer = await ctx.withRetries(entry, async () => {
        const initiated = await ctx.request(entry, {
          method: 'POST',
          key: entry.key,
          query: { uploads: null },
          headers: { 'content-type': entry.file.type },
        });
        requireOssHeaders('InitiateMultipartUpload', initiated, ['x-oss-request-id']);
        if (!/<InitiateMultipartUploadResult[\s>]/.test(initiated.body || '') || !tag(initiated.body, 'UploadId')) {
          throw notOssResponse('InitiateMultipartUpload', initiated.status);
        }
        return initiated;
      });
      checkpoint = {
        uploadId: tag(answer.body, 'UploadId'),
        key: entry.key,
        size,
        partSize,
        parts: [],
        createdAt: Date.now(),
        bucket: entry.dest.bucket,
        fileId,
      };
      store.save(id, checkpoint);
    }
    entry.uploadId = checkpoint.uploadId;
    ctx.emit('multipart', entry, {
      uploadId: checkpoint.uploadId,
      key: entry.key,
      parts: count,
      partSize,
      resumedParts: done.size,
    });

    const loadedOf = new Map();
    const report = () => {
      let loaded = 0;
      for (const part of done.values()) loaded += part.size;
      for (const bytes of loadedOf.values()) loaded += bytes;
      ctx.progress(entry, loaded);
    };
    report();

    const queue = [];
    for (let n = 1; n <= count; n++) if (!done.has(n)) queue.push(n);
    // One buffer per part in flight, reused: a 300 MiB file then needs a few parts of memory, not
    // a new buffer per part for the garbage collector to find later (transports may ignore it).
    const spare = scratch ? [scratch] : [];
    const putPart = async (n) => {
      const buffer = n === 1 ? null : spare.pop() || new Uint8Array(partSize);
      try {
        await sendPart(n, n === 1 ? first : await read(n, buffer));
      } finally {
        if (buffer) spare.push(buffer);
      }
    };
    // Content-MD5 makes OSS refuse a part damaged on the way (InvalidDigest), where the CRC-64
    // header is hidden (a browser bucket whose CORS does not expose it). Once OSS's CRC-64 has
    // been seen, that check covers the parts and the MD5 is not computed.
    let crcSeen = false;
    const sendPart = async (n, bytes) => {
      const partCrc = crc64(bytes);
      const partMd5 = crcSeen ? undefined : md5Base64(bytes);
      const partHeaders = { 'content-type': 'application/octet-stream' };
      if (partMd5) partHeaders['content-md5'] = partMd5;
      const result = await ctx.withRetries(entry, async () => {
        loadedOf.set(n, 0);
        let answer;
        try {
          answer = await ctx.request(entry, {
            method: 'PUT',
            key: entry.key,
            query: { partNumber: String(n), uploadId: checkpoint.uploadId },
            headers: partHeaders,
            body: toArrayBuffer(bytes),
            // Browsers send a Blob slice many times faster than an ArrayBuffer body.
            bodyBlob: entry.file.blob ? entry.file.blob.slice(...range(n)) : undefined,
            onProgress: (sent) => {
              loadedOf.set(n, Math.min(sent, bytes.length));
              report();
            },
          });
        } catch (error) {
          // The part arrived damaged; it is not part of any object yet, so sending it again is safe.
          if (error.code === 'InvalidDigest') error.retryable = true;
          throw error;
        }
        requireOssHeaders(`UploadPart ${n}`, answer);
        const serverCrc = answer.headers['x-oss-hash-crc64ecma'];
        if (serverCrc && serverCrc !== partCrc) {
          throw new OssupError('CRC64_MISMATCH', `part ${n} arrived with CRC-64 ${serverCrc}, sent ${partCrc}`, {
            retryable: true,
            partNumber: n,
          });
        }
        if (serverCrc) crcSeen = true;
        const etag = answer.headers.etag.replace(/"/g, '');
        const check = serverCrc ? 'crc64' : partMd5 ? 'content-md5' : 'none';
        return { number: n, etag, crc64: partCrc, size: bytes.length, check };
      });
      loadedOf.delete(n);
      done.set(n, result);
      checkpoint.parts = [...done.values()].sort((a, b) => a.number - b.number);
      store.save(id, checkpoint);
      report();
    };
    // The first part that fails for good stops the others (ctx.halt: in-flight requests are
    // aborted, none starts), so nothing of this file runs after it settles. One part goes in the
    // file's own slot of the budget, each other takes a slot of its own while it runs.
    const most = options.partConcurrency || Infinity;
    const running = new Set();
    let ownSlotFree = true;
    const start = (slot) => {
      const n = queue.shift();
      const run = putPart(n)
        .catch((error) => ctx.halt(entry, error))
        .finally(() => {
          running.delete(run);
          if (slot) ctx.budget.release();
          else ownSlotFree = true;
        });
      running.add(run);
    };
    while (queue.length && !entry.halted) {
      await ctx.whilePaused(entry);
      if (entry.canceled) ctx.halt(entry, aborted());
      else if (ownSlotFree) {
        ownSlotFree = false;
        start(false);
      } else if (running.size < most) {
        const slot = ctx.budget.acquire(true);
        if (await Promise.race([slot.then(() => true), Promise.race(running).then(() => false)])) start(true);
        else slot.cancel(); // the file's own slot came free first
      } else await Promise.race(running);
    }
    await Promise.all(running);
    if (entry.halted) throw entry.halted;

    // The object's CRC-64 from bytes read in this run (sent, or read again before resuming).
    const parts = [...done.values()].sort((a, b) => a.number - b.number);
    const objectCrc = parts.reduce((acc, p) => crc64Combine(acc, p.crc64, p.size), '0');
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload>${parts
      .map((p) => `<Part><PartNumber>${p.number}</PartNumber><ETag>"${p.etag}"</ETag></Part>`)
      .join('')}</CompleteMultipartUpload>`;
    const headers = { 'content-type': 'application/xml', 'content-md5': md5Base64(encode(body)) };
    if (options.forbidOverwrite !== false) headers['x-oss-forbid-overwrite'] = 'true';
    // Marked, so that a later run can recognise an upload completed by a Complete whose answer was lost.
    checkpoint.completing = true;
    store.save(id, checkpoint);
    const answer = await ctx.withRetries(
      entry,
      async () => {
        let completed;
        try {
          completed = await ctx.request(entry, {
            method: 'POST',
            key: entry.key,
            query: { uploadId: checkpoint.uploadId },
            headers,
            body,
          });
        } catch (error) {
          if (error.code === 'InvalidDigest') error.retryable = true; // the part list arrived damaged
          throw error;
        }
        requireOssHeaders('CompleteMultipartUpload', completed);
        if (!/<CompleteMultipartUploadResult[\s>]/.test(completed.body || '')) {
          throw notOssResponse('CompleteMultipartUpload', completed.status);
        }
        return completed;
      },
      // A retry after a lost answer finds the upload gone (completed) or, with forbid-overwrite,
      // the object there: success only if the object is this file, never a second upload.
      async (error, attempt) => {
        if (attempt < 2 || !(isGone(error) || error.code === 'FileAlreadyExists')) return undefined;
        if (await storedIs(entry.key, objectCrc)) return { recovered: true, headers: {} };
        throw new OssupError(
          'COMPLETE_UNCONFIRMED',
          `the answer to CompleteMultipartUpload for ${entry.key} was lost and a retry found ${error.code}, but the object there could not be confirmed as this file (size and CRC-64; a browser bucket must expose x-oss-hash-crc64ecma): check ${entry.key} before uploading again`,
          { key: entry.key, cause: error },
        );
      },
    );
    store.remove(id);
    const serverCrc = answer.recovered ? objectCrc : answer.headers['x-oss-hash-crc64ecma'];
    if (serverCrc && serverCrc !== objectCrc) {
      throw new OssupError(
        'CRC64_MISMATCH',
        `the completed object's CRC-64 (${serverCrc}) differs from the parts' (${objectCrc}): upload the file again under a new key`,
        { key: entry.key, serverCrc64: serverCrc, localCrc64: objectCrc },
      );
    }
    const check = serverCrc ? 'crc64' : weakestCheck(parts);
    const result = {
      key: entry.key,
      etag: answer.recovered
        ? undefined
        : (tag(answer.body, 'ETag') || answer.headers.etag || '').replace(/&quot;|"/g, '') || undefined,
      crc64: objectCrc,
      integrity: check === 'none' ? 'unverified' : 'verified',
      check,
      multipart: {
        uploadId: checkpoint.uploadId,
        parts: parts.length,
        partSize,
        resumedParts: entry.resumedParts || 0,
      },
    };
    if (answer.recovered) result.recovered = true;
    return result;
  }
}

/** AbortMultipartUpload, best effort: an unfinished upload also expires by the bucket's lifecycle rules. */
async function abortUpload(ctx, entry, key, uploadId) {
  try {
    await ctx.request(entry, { method: 'DELETE', key, query: { uploadId } }, { ignoreCancel: true });
  } catch {
    // Nothing more to do: see above.
  }
}

/** AbortMultipartUpload for a canceled upload, and its checkpoint forgotten. */
export async function abortMultipart(ctx, entry) {
  if (!entry.uploadId) return;
  await abortUpload(ctx, entry, entry.key, entry.uploadId);
  if (entry.checkpointId) ctx.store.remove(entry.checkpointId);
}

/** Throws the OSS error of a non-2xx answer. */
export function expectOk(answer) {
  if (answer.status < 200 || answer.status >= 300) throw responseError(answer.status, answer.body, answer.headers);
  return answer;
}

/** Lower-case hex MD5 of a whole file, read a part at a time (the PostObject ETag check). */
export async function readMd5Hex(transport, file, size) {
  const md5 = createMd5();
  try {
    for (let start = 0; start < size; start += MD5_CHUNK) {
      const end = Math.min(size, start + MD5_CHUNK);
      const bytes = await transport.readRange(file, start, end);
      if (!bytes || bytes.length !== end - start) return null;
      md5.update(bytes);
    }
  } catch (error) {
    md5.digest('hex'); // frees its wasm memory
    throw error;
  }
  return md5.digest('hex');
}
