// What an upload stores besides its bytes: the standard object headers and x-oss-meta-*,
// shared by PostObject (form fields) and multipart (request headers).

import { ossError } from './errors.mjs';

export const MAX_OBJECT_BYTES = 5 * 1024 ** 3; // oss-spec §1: PostObject ≤ 5 GB (also our per-part cap)
const MAX_USER_META_BYTES = 8 * 1024; // oss-spec §1

/** Standard object headers kept with the object and returned on GET/HEAD. */
export function objectHeadersFrom(read) {
  const headers = {
    cacheControl: read('cache-control'),
    contentDisposition: read('content-disposition'),
    contentEncoding: read('content-encoding'),
    expires: read('expires'),
  };
  for (const value of Object.values(headers)) assertHeaderSafe(value);
  return headers;
}

function assertHeaderSafe(value) {
  // eslint-disable-next-line no-control-regex
  if (value !== undefined && /[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) throw ossError('BadHeaderValue');
}

/** x-oss-meta-* from form fields or request headers (names lowercase), ≤ 8 KB in total. */
export function userMetaFrom(entries) {
  const meta = {};
  let bytes = 0;
  for (const [name, value] of entries) {
    if (!name.startsWith('x-oss-meta-')) continue;
    if (!/^x-oss-meta-[a-z0-9-]+$/.test(name))
      throw ossError('BadUserMetaName', { extra: { Name: name.slice(0, 200) } });
    assertHeaderSafe(value);
    meta[name.slice('x-oss-meta-'.length)] = value;
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  if (bytes > MAX_USER_META_BYTES) throw ossError('UserMetaTooLarge');
  return meta;
}
