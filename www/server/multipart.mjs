// Header-signed multipart upload (oss-spec §2, §3 "Multipart calls"): Initiate, UploadPart,
// Complete, Abort, ListParts. Every call verifies its Authorization header first.

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { drainBody, readBodyText, receiveToFile } from './body.mjs';
import { crc64Combine, crc64Header } from './crc64.mjs';
import { ossError } from './errors.mjs';
import { applyLateFault, corruptCrc, takeFault } from './faults.mjs';
import { sendEmpty, sendXml } from './http-context.mjs';
import {
  encryptionHeader,
  MAX_OBJECT_BYTES,
  objectHeadersFrom,
  objectStateFrom,
  userMetaFrom,
} from './object-meta.mjs';
import { pathFromKey, validateObjectKey } from './object-key.mjs';
import { authenticate } from './request-auth.mjs';
import { parseCompleteMultipartUpload, xmlDate } from './xml.mjs';

const MIN_PART_BYTES = 100 * 1024; // oss-spec §3: every part but the last ≥ 100 KB
const MAX_PART_NUMBER = 10000; // oss-spec §3
const MAX_XML_BODY_BYTES = 2 * 1024 * 1024;

/** Verify the signature of a multipart call (oss-spec §2, §3; header or presigned URL). */
function authenticateHeaders(ctx, key) {
  return authenticate(ctx, key);
}

function objectInfoFromHeaders(ctx) {
  const read = (name) => ctx.headers[name];
  return {
    contentType: read('content-type') ?? 'application/octet-stream',
    ...objectHeadersFrom(read),
    userMeta: userMetaFrom(Object.entries(ctx.headers)),
    ...objectStateFrom(read), // ACL, storage class, tags, SSE: given at Initiate, applied at Complete
    forbidOverwrite: read('x-oss-forbid-overwrite')?.toLowerCase() === 'true',
  };
}

async function findUpload(ctx, key) {
  const uploadId = ctx.query.get('uploadId');
  ctx.entry.uploadId = uploadId;
  const upload = await ctx.app.storage.readUpload(uploadId);
  if (!upload || upload.key !== key) throw ossError('NoSuchUpload', { extra: { UploadId: uploadId } });
  return upload;
}

export async function handleInitiate(ctx, key) {
  const { app } = ctx;
  ctx.entry.op = 'InitiateMultipartUpload';
  await drainBody(ctx.req);
  authenticateHeaders(ctx, key);
  validateObjectKey(key);
  const info = { key, initiated: app.now(), ...objectInfoFromHeaders(ctx) };
  const fault = takeFault(ctx, { key });
  const uploadId = await app.storage.createUpload(info);
  ctx.entry.uploadId = uploadId;
  await applyLateFault(ctx, fault);
  sendXml(
    ctx,
    200,
    'InitiateMultipartUploadResult',
    [
      ['Bucket', app.config.bucket],
      ['Key', key],
      ['UploadId', uploadId],
    ],
    encryptionHeader(info),
  );
}

function parsePartNumber(text) {
  const number = /^\d{1,5}$/.test(text ?? '') ? Number(text) : NaN;
  if (!(number >= 1 && number <= MAX_PART_NUMBER))
    throw ossError('InvalidPartNumber', { extra: { PartNumber: text ?? '' } });
  return number;
}

export async function handleUploadPart(ctx, key) {
  const { app, headers } = ctx;
  ctx.entry.op = 'UploadPart';
  ctx.entry.uploadId = ctx.query.get('uploadId') ?? null;
  const partText = ctx.query.get('partNumber');
  if (/^\d+$/.test(partText ?? '')) ctx.entry.partNumber = Number(partText);
  // The signature covers the headers only (the body through Content-MD5 / x-oss-content-sha256,
  // checked after it arrives): judge it before a byte is stored. Node discards the unread body.
  authenticateHeaders(ctx, key);
  const partNumber = parsePartNumber(partText);
  const tmpFile = app.storage.tmpPath();
  try {
    const sha256Wanted =
      headers['x-oss-content-sha256'] !== undefined && headers['x-oss-content-sha256'] !== 'UNSIGNED-PAYLOAD';
    const body = await receiveToFile(ctx.req, tmpFile, { maxBytes: MAX_OBJECT_BYTES, sha256: sha256Wanted });
    if (!body) {
      ctx.aborted = true;
      return;
    }
    ctx.entry.bytes = body.size;
    if (body.overLimit) throw ossError('EntityTooLarge');
    checkBodyDigests(headers, body);
    const etag = body.md5.toString('hex').toUpperCase();
    const crc = crc64Header(body.crc64);
    const fault = await app.storage.withUpload(ctx.query.get('uploadId'), async () => {
      await findUpload(ctx, key);
      const taken = takeFault(ctx, { key, partNumber });
      await app.storage.commitPart(ctx.query.get('uploadId'), partNumber, tmpFile, {
        partNumber,
        etag,
        size: body.size,
        crc64: crc,
        lastModified: app.now(),
      });
      return taken;
    });
    await applyLateFault(ctx, fault);
    sendEmpty(ctx, 200, {
      ETag: `"${etag}"`,
      'x-oss-hash-crc64ecma': fault?.action === 'corrupt' ? crc64Header(corruptCrc(crc)) : crc,
    });
  } finally {
    await rm(tmpFile, { force: true });
  }
}

/** Content-MD5 (base64) and a signed x-oss-content-sha256, when the client sent them. */
function checkBodyDigests(headers, body) {
  const md5 = headers['content-md5']?.trim();
  if (md5 !== undefined && md5 !== body.md5.toString('base64')) throw ossError('InvalidDigest');
  if (body.sha256 !== undefined && headers['x-oss-content-sha256'].trim().toLowerCase() !== body.sha256) {
    throw ossError('ContentSha256Mismatch');
  }
}

function normalizeEtag(etag) {
  return String(etag).trim().replace(/^"|"$/g, '').toUpperCase();
}

export async function handleComplete(ctx, key) {
  const { app, headers } = ctx;
  ctx.entry.op = 'CompleteMultipartUpload';
  const uploadId = ctx.query.get('uploadId');
  ctx.entry.uploadId = uploadId;
  authenticateHeaders(ctx, key);
  const text = await readBodyText(ctx.req, MAX_XML_BODY_BYTES);
  if (text === null) throw ossError('MalformedXML');
  const md5 = headers['content-md5']?.trim(); // like UploadPart: a damaged part list is refused
  if (md5 !== undefined && md5 !== createHash('md5').update(text, 'utf8').digest('base64')) {
    throw ossError('InvalidDigest');
  }
  const completeAll = headers['x-oss-complete-all']?.toLowerCase() === 'yes'; // §3: no body
  const listed = completeAll ? null : parseCompleteMultipartUpload(text);
  listed?.forEach(({ partNumber }, i) => {
    if (partNumber < 1 || partNumber > MAX_PART_NUMBER)
      throw ossError('InvalidPartNumber', { extra: { PartNumber: String(partNumber) } });
    if (i > 0 && partNumber <= listed[i - 1].partNumber) throw ossError('InvalidPartOrder'); // §3: parts ascend
  });
  const tmpFile = app.storage.tmpPath();
  try {
    const { meta, fault } = await app.storage.withUpload(uploadId, async () => {
      const upload = await findUpload(ctx, key);
      const parts = choosePartsToComplete(await app.storage.listParts(uploadId), listed);
      const taken = takeFault(ctx, { key });
      const { size, crc64 } = await concatenateParts(app.storage, uploadId, parts, tmpFile);
      // OSS-style multipart ETag: MD5 of the concatenated binary part MD5s, then "-<count>".
      const md5s = Buffer.concat(parts.map((part) => Buffer.from(part.etag, 'hex')));
      const objectMeta = {
        key,
        size,
        etag: `${createHash('md5').update(md5s).digest('hex').toUpperCase()}-${parts.length}`,
        crc64: crc64Header(crc64),
        contentType: upload.contentType,
        cacheControl: upload.cacheControl,
        contentDisposition: upload.contentDisposition,
        contentEncoding: upload.contentEncoding,
        expires: upload.expires,
        userMeta: upload.userMeta,
        acl: upload.acl ?? 'default',
        storageClass: upload.storageClass,
        tagCount: upload.tagCount,
        encryption: upload.encryption,
        encryptionKeyId: upload.encryptionKeyId,
        objectType: 'Multipart',
        lastModified: app.now(),
      };
      const forbidOverwrite = upload.forbidOverwrite || headers['x-oss-forbid-overwrite']?.toLowerCase() === 'true';
      await app.storage.commitObject(key, tmpFile, objectMeta, { forbidOverwrite }); // a 409 keeps the upload
      await app.storage.removeUpload(uploadId);
      return { meta: objectMeta, fault: taken };
    });
    await applyLateFault(ctx, fault);
    const crc = fault?.action === 'corrupt' ? crc64Header(corruptCrc(meta.crc64)) : meta.crc64;
    sendXml(
      ctx,
      200,
      'CompleteMultipartUploadResult',
      [
        ['Location', `${app.url}${pathFromKey(key)}`],
        ['Bucket', app.config.bucket],
        ['Key', key],
        ['ETag', `"${meta.etag}"`],
      ],
      { ETag: `"${meta.etag}"`, 'x-oss-hash-crc64ecma': crc, ...encryptionHeader(meta) },
    );
  } finally {
    await rm(tmpFile, { force: true });
  }
}

/** The stored parts named by Complete (ETags must match), each but the last ≥ 100 KB (§3). */
function choosePartsToComplete(stored, listed) {
  const byNumber = new Map(stored.map((part) => [part.partNumber, part]));
  const parts = listed
    ? listed.map(({ partNumber, etag }) => {
        const part = byNumber.get(partNumber);
        if (!part || normalizeEtag(part.etag) !== normalizeEtag(etag)) {
          throw ossError('InvalidPart', { extra: { PartNumber: String(partNumber), ETag: etag } });
        }
        return part;
      })
    : stored;
  if (parts.length === 0) throw ossError('InvalidPart', { message: 'The upload has no parts to complete.' });
  parts.slice(0, -1).forEach((part) => {
    if (part.size < MIN_PART_BYTES) {
      throw ossError('EntityTooSmall', {
        extra: {
          PartNumber: String(part.partNumber),
          ProposedSize: String(part.size),
          MinSizeAllowed: String(MIN_PART_BYTES),
        },
      });
    }
  });
  return parts;
}

/**
 * Writes the parts one after another into `target`. The object's CRC-64 is joined from the
 * parts' CRCs, each computed from the bytes as the part arrived (crc64Combine), rather than
 * by reading the object again; the byte count is of what was written.
 */
async function concatenateParts(storage, uploadId, parts, target) {
  let crc = 0n;
  let size = 0;
  async function* bytes() {
    for (const part of parts) {
      let partSize = 0;
      for await (const chunk of createReadStream(storage.partPath(uploadId, part))) {
        partSize += chunk.length;
        yield chunk;
      }
      if (partSize !== part.size)
        throw new Error(`part ${part.partNumber} on disk is ${partSize} bytes, not ${part.size}`);
      crc = crc64Combine(crc, BigInt(part.crc64), partSize);
      size += partSize;
    }
  }
  // pipeline: a write error (a full disk) ends it with that error instead of a stalled 'drain'.
  await pipeline(bytes, createWriteStream(target));
  return { size, crc64: crc };
}

export async function handleAbort(ctx, key) {
  const { app } = ctx;
  ctx.entry.op = 'AbortMultipartUpload';
  await drainBody(ctx.req);
  authenticateHeaders(ctx, key);
  const uploadId = ctx.query.get('uploadId');
  const fault = await app.storage.withUpload(uploadId, async () => {
    await findUpload(ctx, key);
    const taken = takeFault(ctx, { key });
    await app.storage.removeUpload(uploadId);
    return taken;
  });
  await applyLateFault(ctx, fault);
  sendEmpty(ctx, 204);
}

export async function handleListParts(ctx, key) {
  const { app, query } = ctx;
  ctx.entry.op = 'ListParts';
  await drainBody(ctx.req);
  authenticateHeaders(ctx, key);
  const uploadId = query.get('uploadId');
  const parts = await app.storage.withUpload(uploadId, async () => {
    await findUpload(ctx, key);
    return app.storage.listParts(uploadId);
  });
  const fault = takeFault(ctx, { key });
  await applyLateFault(ctx, fault);
  const marker = Number(query.get('part-number-marker') ?? 0) || 0;
  const maxParts = Math.min(Math.max(Number(query.get('max-parts') ?? 1000) || 1000, 1), 1000);
  const after = parts.filter((part) => part.partNumber > marker);
  const page = after.slice(0, maxParts);
  sendXml(ctx, 200, 'ListPartsResult', [
    ['Bucket', app.config.bucket],
    ['Key', key],
    ['UploadId', uploadId],
    ['PartNumberMarker', String(marker)],
    ['NextPartNumberMarker', String(page.at(-1)?.partNumber ?? marker)],
    ['MaxParts', String(maxParts)],
    ['IsTruncated', String(after.length > page.length)],
    ...page.map((part) => [
      'Part',
      [
        ['PartNumber', String(part.partNumber)],
        ['LastModified', xmlDate(part.lastModified)],
        ['ETag', `"${part.etag}"`],
        ['HashCrc64ecma', part.crc64],
        ['Size', String(part.size)],
      ],
    ]),
  ]);
}
