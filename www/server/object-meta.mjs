// What an upload stores besides its bytes: the standard object headers and x-oss-meta-*,
// shared by PostObject (form fields) and multipart (request headers).

import { ossError } from './errors.mjs';

export const MAX_OBJECT_BYTES = 5 * 1024 ** 3; // oss-spec §1: PostObject ≤ 5 GB (also our per-part cap)
const MAX_USER_META_BYTES = 8 * 1024; // oss-spec §1

const OBJECT_ACLS = new Set(['default', 'private', 'public-read', 'public-read-write']);
const STORAGE_CLASSES = new Set(['Standard', 'IA', 'Archive', 'ColdArchive', 'DeepColdArchive']);
const ENCRYPTIONS = new Set(['AES256', 'KMS', 'SM4']);
const MAX_TAGS = 10;

/**
 * An empty value is "not set": how we read OSS for the fields a form pins to an empty value
 * (src/form.rs PINNED_HEADERS); not checked against a live bucket.
 */
export const valueOf = (value) => (value === '' ? undefined : value);

/** Standard object headers kept with the object and returned on GET/HEAD. */
export function objectHeadersFrom(read) {
  const headers = {
    cacheControl: valueOf(read('cache-control')),
    contentDisposition: valueOf(read('content-disposition')),
    contentEncoding: valueOf(read('content-encoding')),
    expires: valueOf(read('expires')),
  };
  for (const value of Object.values(headers)) assertHeaderSafe(value);
  return headers;
}

/**
 * The object state OSS takes from x-oss-* fields of a form (oss-spec §1 table): ACL, storage
 * class, tags, server-side encryption; each checked as OSS checks it.
 */
export function objectStateFrom(read) {
  const acl = valueOf(read('x-oss-object-acl')) ?? 'default';
  if (!OBJECT_ACLS.has(acl)) throw ossError('BadObjectAcl');
  const storageClass = valueOf(read('x-oss-storage-class')) ?? 'Standard';
  if (!STORAGE_CLASSES.has(storageClass)) throw ossError('BadStorageClass');
  const tagging = valueOf(read('x-oss-tagging'));
  const tags = tagging === undefined ? [] : tagging.split('&');
  if (tags.length > MAX_TAGS || tags.some((tag) => tag.split('=')[0] === '')) throw ossError('BadTagging');
  const encryption = valueOf(read('x-oss-server-side-encryption'));
  if (encryption !== undefined && !ENCRYPTIONS.has(encryption)) throw ossError('BadEncryption');
  const encryptionKeyId = encryption === 'KMS' ? valueOf(read('x-oss-server-side-encryption-key-id')) : undefined;
  assertHeaderSafe(encryptionKeyId);
  return { acl, storageClass, tagCount: tags.length, encryption, encryptionKeyId };
}

/** The SSE header OSS answers a write with (oss-spec §1d), when the object is encrypted. */
export const encryptionHeader = (meta) => (meta.encryption ? { 'x-oss-server-side-encryption': meta.encryption } : {});

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
