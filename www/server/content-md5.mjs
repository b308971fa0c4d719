// Content-MD5 (RFC 1864: base64 of the body's 16-byte MD5) as OSS checks it on PutObject and
// UploadPart: a value that is not a base64 MD5 and a value that does not match the body are
// both InvalidDigest, told apart by their EC.

import { ossError } from './errors.mjs';

/** The 16 bytes a Content-MD5 header names, or undefined when absent; throws if malformed. */
export function parseContentMd5(value) {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const bytes = Buffer.from(text, 'base64');
  if (!/^[A-Za-z0-9+/]{22}==$/.test(text) || bytes.length !== 16) {
    throw ossError('ContentMd5Malformed', { extra: { 'Content-MD5': text.slice(0, 64) } });
  }
  return bytes;
}

/** Throws InvalidDigest unless `md5` (the received body's digest) matches the header. */
export function checkContentMd5(value, md5) {
  const wanted = parseContentMd5(value);
  if (wanted !== undefined && !wanted.equals(md5)) {
    throw ossError('ContentMd5Mismatch', {
      extra: { 'Content-MD5': String(value).trim(), CalculatedMd5: md5.toString('base64') },
    });
  }
}
