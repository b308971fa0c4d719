// Multipart upload (oss-spec §3 "Multipart calls"): Initiate → UploadPart × N → Complete,
// parts read one at a time (never the whole file), CRC-64 per part checked against OSS and
// combined into the object's CRC, resumable from a checkpoint, pausable, cancelable.
import { OssupError } from './errors.js';
import { responseError } from './responses.js';
import { crc64, crc64Combine } from './core.js';
import { fingerprint } from './checkpoint.js';

export const MIN_PART_SIZE = 100 * 1024; // every part but the last (oss-spec §3)
export const MAX_PARTS = 10000;

/**
 * Part size: the requested size (the transport's default: 5 MiB in Node and browsers, 1 MiB in
 * mini programs, whose parts are copied into the JS heap and cross slow mobile links), raised
 * so the file fits in 10,000 parts.
 */
export function choosePartSize(size, requested = 1024 * 1024) {
  const atLeast = Math.max(MIN_PART_SIZE, Math.ceil(size / MAX_PARTS));
  return Math.ceil(Math.max(requested, atLeast) / 1024) * 1024;
}

function tag(xml, name) {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml || '');
  return match ? match[1] : undefined;
}

function listedParts(xml) {
  const parts = new Map();
  const re = /<Part>([\s\S]*?)<\/Part>/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    parts.set(Number(tag(m[1], 'PartNumber')), String(tag(m[1], 'ETag') || '').replace(/&quot;|"/g, ''));
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

/**
 * `ctx`: { transport, request(entry, { method, key, query, headers, body }) → answer,
 * withRetries(entry, fn), store, options, progress(entry, loaded), emit(event, ...args) }.
 */
export async function uploadMultipart(ctx, entry) {
  const { transport, store, options } = ctx;
  const size = entry.size;
  const partSize = choosePartSize(size, options.partSize || transport.defaultPartSize);
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

  // Resume: the same file (by fingerprint) continues its upload where it stopped.
  const first = await read(1);
  const lastCrc = count === 1 ? crc64(first) : crc64(await read(count));
  const id = fingerprint({
    name: stableName(entry.file),
    size,
    lastModified: entry.file.blob && entry.file.blob.lastModified,
    partSize,
    firstCrc: crc64(first),
    lastCrc,
    bucket: entry.dest.bucket,
    keyPrefix: options.keyPrefix,
  });
  let checkpoint = options.resume === false ? null : store.load(id);
  const done = new Map(); // partNumber → { etag, crc64, size }
  if (checkpoint && checkpoint.size === size && checkpoint.partSize === partSize) {
    try {
      const listing = await ctx.withRetries(entry, () =>
        ctx.request(entry, { method: 'GET', key: checkpoint.key, query: { uploadId: checkpoint.uploadId } }),
      );
      const stored = listedParts(listing.body);
      for (const part of checkpoint.parts) {
        if (stored.get(part.number) === part.etag) done.set(part.number, part);
      }
      entry.key = checkpoint.key;
      entry.resumedParts = done.size;
    } catch (error) {
      // NoSuchUpload (aborted or expired on the server) or an unreadable listing: start over.
      if (error.code !== 'NoSuchUpload' && error.status !== 404) throw error;
      store.remove(id);
      checkpoint = null;
      done.clear();
    }
  } else {
    checkpoint = null;
  }
  if (!checkpoint) {
    const answer = await ctx.withRetries(entry, () =>
      ctx.request(entry, {
        method: 'POST',
        key: entry.key,
        query: { uploads: null },
        headers: { 'content-type': entry.file.type },
      }),
    );
    const uploadId = tag(answer.body, 'UploadId');
    if (!uploadId) throw new OssupError('MALFORMED_RESPONSE', 'InitiateMultipartUpload answered without an UploadId');
    checkpoint = {
      uploadId,
      key: entry.key,
      size,
      partSize,
      parts: [],
      createdAt: Date.now(),
      bucket: entry.dest.bucket,
    };
    store.save(id, checkpoint);
  }
  entry.uploadId = checkpoint.uploadId;
  entry.checkpointId = id;
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
  const spare = [];
  const putPart = async (n) => {
    const buffer = n === 1 ? null : spare.pop() || new Uint8Array(partSize);
    try {
      await sendPart(n, n === 1 ? first : await read(n, buffer));
    } finally {
      if (buffer) spare.push(buffer);
    }
  };
  const sendPart = async (n, bytes) => {
    const partCrc = crc64(bytes);
    const result = await ctx.withRetries(entry, async () => {
      loadedOf.set(n, 0);
      const answer = await ctx.request(entry, {
        method: 'PUT',
        key: entry.key,
        query: { partNumber: String(n), uploadId: checkpoint.uploadId },
        headers: { 'content-type': 'application/octet-stream' },
        body: toArrayBuffer(bytes),
        // Browsers send a Blob slice many times faster than an ArrayBuffer body.
        bodyBlob: entry.file.blob ? entry.file.blob.slice(...range(n)) : undefined,
        onProgress: (sent) => {
          loadedOf.set(n, Math.min(sent, bytes.length));
          report();
        },
      });
      const serverCrc = answer.headers['x-oss-hash-crc64ecma'];
      if (serverCrc && serverCrc !== partCrc) {
        // The part arrived damaged; it is not part of any object yet, so sending it again is safe.
        throw new OssupError('CRC64_MISMATCH', `part ${n} arrived with CRC-64 ${serverCrc}, sent ${partCrc}`, {
          retryable: true,
          partNumber: n,
        });
      }
      const etag = String(answer.headers.etag || '').replace(/"/g, '');
      if (!etag)
        throw new OssupError(
          'MALFORMED_RESPONSE',
          `UploadPart ${n} answered without an ETag (a browser bucket must expose ETag in CORS)`,
        );
      return { number: n, etag, crc64: partCrc, size: bytes.length, verified: Boolean(serverCrc) };
    });
    loadedOf.delete(n);
    done.set(n, result);
    checkpoint.parts = [...done.values()].sort((a, b) => a.number - b.number);
    store.save(id, checkpoint);
    report();
  };
  const workers = Math.min(options.partConcurrency || 3, queue.length);
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
        await ctx.whilePaused(entry);
        if (entry.canceled) throw new OssupError('ABORTED', 'the upload was canceled');
        await putPart(n);
      }
    }),
  );

  const parts = [...done.values()].sort((a, b) => a.number - b.number);
  const objectCrc = parts.reduce((acc, p) => crc64Combine(acc, p.crc64, p.size), '0');
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload>${parts
    .map((p) => `<Part><PartNumber>${p.number}</PartNumber><ETag>"${p.etag}"</ETag></Part>`)
    .join('')}</CompleteMultipartUpload>`;
  const headers = { 'content-type': 'application/xml' };
  if (options.forbidOverwrite !== false) headers['x-oss-forbid-overwrite'] = 'true';
  const answer = await ctx.withRetries(entry, () =>
    ctx.request(entry, { method: 'POST', key: entry.key, query: { uploadId: checkpoint.uploadId }, headers, body }),
  );
  store.remove(id);
  const serverCrc = answer.headers['x-oss-hash-crc64ecma'];
  if (serverCrc && serverCrc !== objectCrc) {
    throw new OssupError(
      'CRC64_MISMATCH',
      `the completed object's CRC-64 (${serverCrc}) differs from the parts' (${objectCrc}): upload the file again under a new key`,
      { key: entry.key, serverCrc64: serverCrc, localCrc64: objectCrc },
    );
  }
  return {
    key: entry.key,
    etag: (tag(answer.body, 'ETag') || answer.headers.etag || '').replace(/&quot;|"/g, '') || undefined,
    crc64: objectCrc,
    integrity: serverCrc && parts.every((p) => p.verified) ? 'verified' : 'unverified',
    multipart: { uploadId: checkpoint.uploadId, parts: parts.length, partSize, resumedParts: entry.resumedParts || 0 },
  };
}

/** AbortMultipartUpload for a canceled upload, and its checkpoint forgotten. */
export async function abortMultipart(ctx, entry) {
  if (!entry.uploadId) return;
  try {
    await ctx.request(
      entry,
      { method: 'DELETE', key: entry.key, query: { uploadId: entry.uploadId } },
      { ignoreCancel: true },
    );
  } catch {
    // Best effort: an unfinished upload also expires by the bucket's lifecycle rules.
  }
  if (entry.checkpointId) ctx.store.remove(entry.checkpointId);
}

/** Throws the OSS error of a non-2xx answer. */
export function expectOk(answer) {
  if (answer.status < 200 || answer.status >= 300) throw responseError(answer.status, answer.body, answer.headers);
  return answer;
}
