// The sandbox's local files: platform-style temporary paths (what chooseImage & co. return)
// mapped to real files in a temp dir, and each platform's FileSystemManager over them.

import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const MIME_TYPES = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  bmp: 'image/bmp',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  m4v: 'video/x-m4v',
  webm: 'video/webm',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  wav: 'audio/wav',
  txt: 'text/plain',
  json: 'application/json',
  pdf: 'application/pdf',
  zip: 'application/zip',
};
const VIDEO_EXTENSIONS = new Set(['mp4', 'mov', 'm4v', 'webm', '3gp', 'avi']);

export function extensionOf(name) {
  const match = /\.([A-Za-z0-9]+)$/.exec(name);
  return match ? match[1].toLowerCase() : '';
}

/** The Content-Type a platform's uploadFile gives the file part, guessed from the extension. */
export function guessContentType(name) {
  return MIME_TYPES[extensionOf(name)] || 'application/octet-stream';
}

/** Deterministic, non-repeating filler bytes (xorshift32 seeded by the name). */
export function fillerBytes(size, seedText = 'ossup') {
  const out = Buffer.allocUnsafe(size);
  let seed = 2166136261;
  for (const char of seedText) seed = Math.imul(seed ^ char.charCodeAt(0), 16777619) >>> 0;
  seed = seed || 1;
  for (let i = 0; i < size; i++) {
    seed ^= seed << 13;
    seed >>>= 0;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    seed >>>= 0;
    out[i] = seed & 0xff;
  }
  return out;
}

function toBuffer(bytes, name) {
  if (typeof bytes === 'number') return fillerBytes(bytes, name);
  if (typeof bytes === 'string') return Buffer.from(bytes, 'utf8');
  if (Buffer.isBuffer(bytes)) return bytes;
  if (Object.prototype.toString.call(bytes) === '[object ArrayBuffer]') return Buffer.from(bytes.slice(0));
  if (ArrayBuffer.isView(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new TypeError(
    'addFile(name, bytes): bytes must be a size, a string, a Buffer, a typed array or an ArrayBuffer',
  );
}

/**
 * Temporary paths as each platform hands them out:
 * WeChat (and uni-app on mp-weixin) `wxfile://tmp_…`, Douyin `ttfile://temp/…`,
 * Alipay `https://resource/apml<32 hex>.<ext>`.
 */
function makeTempPath(platform, name, taken) {
  if (platform === 'alipay') {
    const ext = extensionOf(name) || 'image';
    return `https://resource/apml${randomBytes(16).toString('hex')}.${ext}`;
  }
  const base = path.posix.basename(name);
  const prefix = platform === 'douyin' ? 'ttfile://temp/' : 'wxfile://tmp_';
  let candidate = `${prefix}${base}`;
  for (let n = 2; taken.has(candidate); n++) candidate = `${prefix}${n}_${base}`;
  return candidate;
}

export function createFileStore(platform, directory) {
  const files = new Map(); // platform path → { hostPath, size, name }
  let counter = 0;
  return {
    files,
    add(name, bytes) {
      if (typeof name !== 'string' || !name) throw new TypeError('addFile(name, bytes): name must be a file name');
      const buffer = toBuffer(bytes, name);
      const platformPath = makeTempPath(platform, name, files);
      const hostPath = path.join(directory, `${++counter}-${path.basename(name).replace(/[^\w.-]/g, '_')}`);
      writeFileSync(hostPath, buffer);
      files.set(platformPath, { hostPath, size: buffer.length, name });
      return platformPath;
    },
    /** The real file behind a platform path, or null (unknown paths do not exist). */
    resolve(platformPath) {
      if (typeof platformPath !== 'string') return null;
      const entry = files.get(platformPath);
      if (!entry) return null;
      try {
        entry.size = statSync(entry.hostPath).size;
      } catch {
        return null;
      }
      return entry;
    },
    remove(platformPath) {
      files.delete(platformPath);
    },
  };
}

/** Reads `length` bytes at `position` from a real file. */
export function readRange(hostPath, position, length) {
  const buffer = Buffer.alloc(length);
  const fd = openSync(hostPath, 'r');
  try {
    let done = 0;
    while (done < length) {
      const n = readSync(fd, buffer, done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return buffer.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

const ENCODINGS = {
  utf8: 'utf8',
  'utf-8': 'utf8',
  ascii: 'ascii',
  base64: 'base64',
  binary: 'latin1',
  latin1: 'latin1',
  hex: 'hex',
  ucs2: 'utf16le',
  'ucs-2': 'utf16le',
  utf16le: 'utf16le',
  'utf-16le': 'utf16le',
};

/**
 * The FileSystemManager for a platform. `dialect` shapes success and failure objects;
 * `adopt` moves results into the sandbox realm; `invoke` runs callbacks safely.
 *
 * WeChat: readFile({ filePath, encoding, position, length }) → { data } (ArrayBuffer without
 * encoding; position/length since base library 2.10.0), readFileSync(filePath, encoding,
 * position, length), getFileInfo({ filePath, digestAlgorithm }) → { size, digest },
 * stat({ path }) → { stats }, statSync(path), access({ path }), accessSync(path).
 */
export function createFileSystemManager({ store, dialect, adopt, invoke, record, realmError, prefix }) {
  const lookup = (api, filePath) => {
    const entry = store.resolve(filePath);
    if (!entry) return { failure: dialect.fileNotFound(api, filePath) };
    return { entry };
  };
  const slice = (api, entry, position, length) => {
    const start = position === undefined ? 0 : position;
    if (!Number.isInteger(start) || start < 0 || start > entry.size) {
      return { failure: dialect.failure(api, 'invalidParam', `the value of "position" is out of range: ${position}`) };
    }
    const count = length === undefined ? entry.size - start : length;
    if (!Number.isInteger(count) || count < 0 || start + count > entry.size) {
      return { failure: dialect.failure(api, 'invalidParam', `the value of "length" is out of range: ${length}`) };
    }
    return { bytes: readRange(entry.hostPath, start, count) };
  };
  const decode = (api, bytes, encoding) => {
    if (encoding === undefined || encoding === null || encoding === '') {
      return { data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) };
    }
    const nodeEncoding = ENCODINGS[String(encoding).toLowerCase()];
    if (!nodeEncoding) return { failure: dialect.failure(api, 'invalidParam', `invalid encoding: ${encoding}`) };
    return { data: bytes.toString(nodeEncoding) };
  };
  const makeStats = (entry) => {
    const stat = statSync(entry.hostPath);
    return {
      mode: stat.mode,
      size: stat.size,
      lastAccessedTime: Math.floor(stat.atimeMs / 1000),
      lastModifiedTime: Math.floor(stat.mtimeMs / 1000),
      isDirectory: () => false,
      isFile: () => true,
    };
  };
  const async = (api, options, work) => {
    record(`${prefix}.${api}`, options);
    const opts = options || {};
    const result = work(opts);
    // Platform callbacks always come later than the call.
    setTimeout(() => {
      if (result.failure) {
        invoke(opts.fail, adopt(result.failure));
        invoke(opts.complete, adopt(result.failure));
      } else {
        const res = adopt({ ...result.success, ...dialect.ok(api) });
        invoke(opts.success, res);
        invoke(opts.complete, res);
      }
    }, 0);
  };
  const sync = (api, args, work) => {
    record(`${prefix}.${api}`, args);
    const result = work();
    if (result.failure) throw realmError(dialect.syncErrorMessage(api, result.failure));
    return result.value;
  };
  const read = (api, filePath, encoding, position, length) => {
    const found = lookup(api, filePath);
    if (found.failure) return found;
    const part = slice(api, found.entry, position, length);
    if (part.failure) return part;
    return decode(api, part.bytes, encoding);
  };

  return {
    readFile: (options) =>
      async('readFile', options, (o) => {
        const r = read('readFile', o.filePath, o.encoding, o.position, o.length);
        return r.failure ? r : { success: { data: r.data } };
      }),
    readFileSync: (filePath, encoding, position, length) =>
      sync('readFileSync', { filePath, encoding, position, length }, () => {
        const r = read('readFileSync', filePath, encoding, position, length);
        return r.failure ? r : { value: adopt(r.data) };
      }),
    getFileInfo: (options) =>
      async('getFileInfo', options, (o) => {
        const found = lookup('getFileInfo', o.filePath);
        if (found.failure) return found;
        const algorithm = o.digestAlgorithm === 'sha1' ? 'sha1' : 'md5';
        const digest = createHash(algorithm)
          .update(readRange(found.entry.hostPath, 0, found.entry.size))
          .digest('hex');
        return { success: { size: found.entry.size, digest } };
      }),
    stat: (options) =>
      async('stat', options, (o) => {
        const found = lookup('stat', o.path);
        return found.failure ? found : { success: { stats: makeStats(found.entry) } };
      }),
    statSync: (filePath) =>
      sync('statSync', { path: filePath }, () => {
        const found = lookup('statSync', filePath);
        return found.failure ? found : { value: adopt(makeStats(found.entry)) };
      }),
    access: (options) =>
      async('access', options, (o) => {
        const found = lookup('access', o.path);
        return found.failure ? found : { success: {} };
      }),
    accessSync: (filePath) =>
      sync('accessSync', { path: filePath }, () => {
        const found = lookup('accessSync', filePath);
        return found.failure ? found : { value: undefined };
      }),
  };
}

/**
 * What the platform's media picker gives for these paths.
 * - wx.chooseMedia / tt.chooseMedia: { tempFiles: [{ tempFilePath, size, fileType, … }], type }
 * - wx.chooseImage / tt.chooseImage / uni.chooseImage: { tempFilePaths, tempFiles: [{ path, size }] }
 * - wx.chooseVideo / tt.chooseVideo: { tempFilePath, size, duration, width, height } (one file)
 * - my.chooseImage: { apFilePaths, tempFilePaths } (Alipay gives paths only; `apFilePaths` is
 *   the older name, still filled)
 * - my.chooseVideo: { tempFilePath, size, duration, width, height } (Alipay also: filePath)
 */
export function chooseResult(platform, store, paths, api, ok) {
  const list = Array.isArray(paths) ? paths : [paths];
  const entries = list.map((p) => {
    const entry = store.resolve(p);
    if (!entry) throw new Error(`chooseResult: ${p} is not a file of this sandbox (use addFile first)`);
    const kind = VIDEO_EXTENSIONS.has(extensionOf(entry.name)) ? 'video' : 'image';
    return { path: p, size: entry.size, kind };
  });
  if (api === 'chooseVideo') {
    const [first] = entries;
    const video = { tempFilePath: first.path, size: first.size, duration: 1, width: 1280, height: 720 };
    if (platform === 'alipay') return { ...video, filePath: first.path };
    return { ...video, ...ok };
  }
  if (platform === 'alipay') return { apFilePaths: list.slice(), tempFilePaths: list.slice() };
  if (api === 'chooseMedia') {
    const kinds = new Set(entries.map((e) => e.kind));
    return {
      tempFiles: entries.map((e) => ({
        tempFilePath: e.path,
        size: e.size,
        fileType: e.kind,
        ...(e.kind === 'video' ? { duration: 1, width: 1280, height: 720, thumbTempFilePath: e.path } : {}),
      })),
      type: kinds.size > 1 ? 'mix' : [...kinds][0] || 'image',
      ...ok,
    };
  }
  return { tempFilePaths: list.slice(), tempFiles: entries.map((e) => ({ path: e.path, size: e.size })), ...ok };
}
