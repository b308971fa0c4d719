// Describing files and addresses: what each platform's file looks like, content types, and
// the URL an upload goes to.
import { OssupError, callerError } from './errors.js';

const TYPES = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
  bmp: 'image/bmp',
  svg: 'image/svg+xml',
  avif: 'image/avif',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  '3gp': 'video/3gpp',
  avi: 'video/x-msvideo',
  mkv: 'video/x-matroska',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  wav: 'audio/wav',
  ogg: 'audio/ogg',
  amr: 'audio/amr',
  silk: 'audio/silk',
  pdf: 'application/pdf',
  txt: 'text/plain',
  json: 'application/json',
  zip: 'application/zip',
};

/** The last path segment of a path or URL (`wxfile://tmp/a.jpg` → `a.jpg`). */
export function baseName(path) {
  const clean = String(path).split(/[?#]/)[0];
  const parts = clean.split(/[\\/]/);
  return parts[parts.length - 1] || clean;
}

/** A content type from a file name's extension; `application/octet-stream` when unknown. */
export function contentTypeOf(name) {
  const match = /\.([a-z0-9]{1,8})$/i.exec(baseName(name || ''));
  return (match && TYPES[match[1].toLowerCase()]) || 'application/octet-stream';
}

/** `image` / `video` / `audio` (Alipay's `fileType`), or undefined. */
export function mediaKind(contentType) {
  const kind = String(contentType).split('/')[0];
  return kind === 'image' || kind === 'video' || kind === 'audio' ? kind : undefined;
}

/**
 * Normalises one input file to `{ name, size, type, path?, blob?, bytes? }`:
 * a path string; `{ path, size }` (chooseImage); `{ tempFilePath, size }` (chooseMedia);
 * `{ apFilePath }` (Alipay); a `File`/`Blob`; a `Uint8Array`/`ArrayBuffer` with a name.
 */
export function describeFile(input, index) {
  const fail = (what) => new OssupError('INVALID_FILE', `file #${index + 1}: ${what}`, { fileIndex: index });
  if (input === null || input === undefined) throw fail('is empty (null or undefined)');
  if (typeof input === 'string') {
    if (!input) throw fail('is an empty path');
    return { name: baseName(input), path: input, size: undefined, type: contentTypeOf(input) };
  }
  if (typeof Blob !== 'undefined' && input instanceof Blob) {
    const name = input.name || `blob-${index + 1}`;
    return { name, blob: input, size: input.size, type: input.type || contentTypeOf(name) };
  }
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    const bytes =
      input instanceof ArrayBuffer
        ? new Uint8Array(input)
        : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    const name = `bytes-${index + 1}`;
    return { name, bytes, size: bytes.length, type: 'application/octet-stream' };
  }
  if (typeof input === 'object') {
    // `url` is the VOD mini-program SDK's file shape: { url: tempFilePath, coverUrl }.
    const path = input.tempFilePath || input.path || input.filePath || input.apFilePath || input.url;
    const data = input.data || input.bytes || input.buffer;
    const nameGiven = Boolean(input.name);
    const name = input.name || (path ? baseName(path) : `file-${index + 1}`);
    const type = input.type || input.contentType || contentTypeOf(name);
    const size = typeof input.size === 'number' ? input.size : undefined;
    if (path) return { name, path, size, type, nameGiven };
    if (typeof Blob !== 'undefined' && input.file instanceof Blob) {
      return {
        name: input.name || input.file.name || name,
        blob: input.file,
        size: input.file.size,
        type: input.type || input.file.type || type,
      };
    }
    if (data && (data instanceof ArrayBuffer || ArrayBuffer.isView(data))) {
      const bytes =
        data instanceof ArrayBuffer
          ? new Uint8Array(data)
          : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      return { name, bytes, size: bytes.length, type };
    }
  }
  throw fail('is not a path, a chooseImage/chooseMedia file, a File/Blob or bytes');
}

const IS_LOCAL = /^(localhost|\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])(:\d+)?$/i;

/**
 * The base URL uploads go to. OSS is virtual-hosted (`https://{bucket}.{endpoint}`); an
 * endpoint whose host is an IP address or localhost, or one marked `cname`, is used exactly
 * as given (DESIGN-NOTES "Endpoints and local servers").
 */
export function bucketUrl(options) {
  if (options === null || typeof options !== 'object') {
    throw new OssupError(
      'INVALID_OPTION',
      'bucketUrl expects an options object { bucket, region | endpoint, cname?, secure? }',
    );
  }
  let bucket, region, endpoint, cname, secure;
  try {
    ({ bucket, region, endpoint, cname = false, secure = true } = options);
  } catch (error) {
    throw callerError('bucketUrl: the options', error);
  }
  for (const [name, value] of [
    ['bucket', bucket],
    ['region', region],
    ['endpoint', endpoint],
  ]) {
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw new OssupError('INVALID_OPTION', `bucketUrl: \`${name}\` must be a string`);
    }
  }
  let base = endpoint;
  if (!base) {
    if (!region) throw new OssupError('MISSING_OPTION', '`region` (e.g. cn-hangzhou) or `endpoint` is required');
    base = `oss-${String(region).replace(/^oss-/, '')}.aliyuncs.com`;
  }
  base = String(base).trim().replace(/\/+$/, '');
  let scheme = secure ? 'https' : 'http';
  const match = /^(https?):\/\/(.*)$/i.exec(base);
  if (match) {
    scheme = match[1].toLowerCase();
    base = match[2];
  }
  if (!base || /[/?#@\s]/.test(base)) {
    throw new OssupError(
      'INVALID_OPTION',
      `\`endpoint\` ${JSON.stringify(endpoint)} is not a host such as oss-cn-hangzhou.aliyuncs.com`,
    );
  }
  if (cname || IS_LOCAL.test(base)) return `${scheme}://${base}`;
  if (!bucket) throw new OssupError('MISSING_OPTION', '`bucket` is required');
  if (base.startsWith(`${bucket}.`)) return `${scheme}://${base}`;
  return `${scheme}://${bucket}.${base}`;
}

/** The object URL: each key segment percent-encoded, `/` kept. */
export function objectUrl(base, key) {
  let baseText, keyText;
  try {
    baseText = String(base);
    keyText = String(key);
  } catch (error) {
    throw callerError('objectUrl: the base URL or key', error);
  }
  let path;
  try {
    path = keyText.split('/').map(encodeURIComponent).join('/');
  } catch (error) {
    throw new OssupError('INVALID_OBJECT_KEY', 'objectUrl: the key has a lone UTF-16 surrogate', { cause: error });
  }
  return `${baseText}/${path}`;
}
