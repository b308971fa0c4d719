// Object key rules (oss-spec §6) and the key ↔ URL path mapping of this path-style server.

import { ossError } from './errors.mjs';

const MAX_KEY_BYTES = 1023; // oss-spec §6: 1–1023 bytes of UTF-8

/** Throws the OSS error for a key that breaks oss-spec §6; returns the key otherwise. */
export function validateObjectKey(key) {
  if (typeof key !== 'string' || key.length === 0) throw ossError('KeyEmpty');
  if (!key.isWellFormed()) throw ossError('KeyNotUtf8');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw ossError('KeyTooLong');
  if (key.startsWith('/') || key.startsWith('\\')) throw ossError('KeyLeadingSlash');
  return key;
}

/** Percent-decode to raw bytes (no `+` → space: this is a path or an OSS query, not a form). */
export function percentDecodeBytes(text) {
  // split() with a capture group puts each %XX escape at an odd index.
  const pieces = text.split(/(%[0-9A-Fa-f]{2})/);
  return Buffer.concat(
    pieces.map((piece, i) => (i % 2 === 1 ? Buffer.from([parseInt(piece.slice(1), 16)]) : Buffer.from(piece, 'utf8'))),
  );
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The object key of a request path `/key…` (percent-decoded UTF-8), or throws InvalidObjectName. */
export function keyFromPath(pathname) {
  try {
    return strictUtf8.decode(percentDecodeBytes(pathname.slice(1)));
  } catch {
    throw ossError('KeyNotUtf8');
  }
}

/** The URL path of a key: every segment percent-encoded, `/` kept. */
export function pathFromKey(key) {
  return '/' + key.split('/').map(encodeURIComponent).join('/');
}
