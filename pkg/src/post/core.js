// ossup/post's core, in place of ../core.js (the build aliases it for the post bundles): what
// a page that uploads with PostObject needs. The cryptography is in src/post's module
// (ossup-post.wasm: policy base64 + V1/V4 signature, base64, CRC-64; no allocator, 7.5 KB
// brotli); the form, policy and key rules are here, with the full core's options, codes
// and messages (src/form.rs, src/key.rs), and tests/node/post-entry.test.mjs checks that both
// build the same fields, byte for byte, on generated inputs.
import { OssupError } from '../errors.js';
import { randomBytes } from '../random.js';
import { createLoading } from '../load.js';
import { now } from '../clock.js';
import {
  checkText,
  crcText,
  crcStream,
  hasLoneSurrogate,
  missingOption,
  toBytes,
  toJson,
  unknownOption,
} from '../checks.js';

export { now, setClockOffset } from '../clock.js';

let raw = null;
const loading = createLoading(
  (instance) => {
    raw = instance.exports;
  },
  () => ({}),
);
export const { setLoader, attachInstance, ready, isReady, engine } = loading;

function exportsOf() {
  if (!raw) {
    throw new OssupError('NOT_READY', 'the ossup/post core is not loaded yet: `await ready()` first');
  }
  return raw;
}

function failed(code, what) {
  if (code === -1) {
    return new OssupError(
      'INVALID_OPTION',
      `${what} has a lone UTF-16 surrogate (broken Unicode, e.g. half an emoji): fix the string`,
    );
  }
  if (code === -2) return new OssupError('OUT_OF_MEMORY', `${what}: the ossup/post core ran out of memory`);
  if (code === -3) return new OssupError('INVALID_CRC64', `${what}: not a CRC-64 decimal string`);
  return new OssupError('CORE_FAILURE', `the ossup/post core failed (${code}) on ${what}; please report it`);
}

/** The ASCII result of the last call. */
function result(r, length) {
  const bytes = new Uint8Array(r.memory.buffer, r.ossup_post_result(), length);
  let text = '';
  for (let i = 0; i < length; i += 8192) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
  return text;
}

/** Writes `values` into the I/O area as UTF-16 code units, back to back. */
function put(r, values) {
  let total = 0;
  for (const value of values) total += value.length;
  const start = r.ossup_post_io(r.ossup_post_area(total));
  if (!start) throw failed(-2, 'a call');
  const view = new Uint16Array(r.memory.buffer, start, total);
  let at = 0;
  for (const value of values) for (let i = 0; i < value.length; i++) view[at++] = value.charCodeAt(i);
}

/** `{ policy, signature }`: the base64 policy field of `policyJson` and its V1 or V4 signature. */
function signPolicy(version, secret, region, date, policyJson) {
  const r = exportsOf();
  put(r, [secret, region, date, policyJson]);
  const n = r.ossup_post_sign(version, secret.length, region.length, date.length, policyJson.length);
  if (n < 0) throw failed(n, 'buildPostForm');
  const text = result(r, n);
  const cut = n - (version === 1 ? 28 : 64);
  return { policy: text.slice(0, cut), signature: text.slice(cut) };
}

function base64(what, text) {
  const r = exportsOf();
  put(r, [text]);
  const n = r.ossup_post_base64(text.length);
  if (n < 0) throw failed(n, what);
  return result(r, n);
}

// ---- checksums (oss-spec §5) ----

const BYTES_CHUNK = 1024 * 1024;

/** CRC-64/XZ (`x-oss-hash-crc64ecma`) of bytes (a string: its UTF-8) as a decimal string, continuing from `previous`. */
export function crc64(data, previous) {
  const bytes = toBytes('crc64', data);
  // Longer inputs go in pieces: the I/O area (and so the memory, which never shrinks) stays small.
  if (bytes.length > BYTES_CHUNK) {
    let value = crcText('previous', previous);
    for (let at = 0; at < bytes.length; at += BYTES_CHUNK) value = crc64(bytes.subarray(at, at + BYTES_CHUNK), value);
    return value;
  }
  const digits = crcText('previous', previous) || '';
  const r = exportsOf();
  const start = r.ossup_post_io(bytes.length + digits.length);
  if (!start) throw failed(-2, 'crc64');
  const view = new Uint8Array(r.memory.buffer, start, bytes.length + digits.length);
  view.set(bytes);
  for (let i = 0; i < digits.length; i++) view[bytes.length + i] = digits.charCodeAt(i);
  const n = r.ossup_post_crc64(bytes.length, digits.length);
  if (n < 0) throw failed(n, 'crc64');
  return result(r, n);
}

/** A streaming CRC-64 `{ update(bytes), digest() }`, as ../core.js's. */
export function createCrc64(previous) {
  return crcStream(crc64, previous);
}

// ---- object keys (oss-spec §6; src/key.rs) ----

const MAX_KEY_BYTES = 1023;

function utf8Length(text) {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

const KEY_PROBLEMS = {
  empty: 'object key is empty: OSS needs 1 to 1023 bytes',
  tooLong: 'object key is longer than 1023 bytes of UTF-8: use a shorter prefix or file name',
  leadingSlash: 'object key starts with `/` or `\\`: OSS rejects that; drop the leading slash',
  dotSegment: 'object key has a `.` or `..` segment: remove it (it cannot be addressed by URL)',
  control: 'object key has a control character (U+0000-U+001F or U+007F): remove it',
};
const keyError = (problem) => new OssupError('INVALID_OBJECT_KEY', KEY_PROBLEMS[problem]);

function checkKeyText(text) {
  if (text[0] === '/' || text[0] === '\\') throw keyError('leadingSlash');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) throw keyError('control');
  if (text.split(/[/\\]/).some((segment) => segment === '.' || segment === '..')) throw keyError('dotSegment');
}

/** Returns `key`, or throws INVALID_OBJECT_KEY saying what OSS would reject. */
export function validateKey(key) {
  checkText('INVALID_OBJECT_KEY', 'an object key', key);
  if (!key) throw keyError('empty');
  if (utf8Length(key) > MAX_KEY_BYTES) throw keyError('tooLong');
  checkKeyText(key);
  return key;
}

/** A key prefix as a folder (`/a/b` → `a/b/`). */
export function normalizePrefix(prefix) {
  if (typeof prefix !== 'string') throw new OssupError('INVALID_OPTION', 'normalizePrefix: `prefix` must be a string');
  checkText('INVALID_OBJECT_KEY', 'normalizePrefix: `prefix`', prefix);
  const trimmed = prefix.replace(/^[/\\]+/, '');
  if (!trimmed) return '';
  checkKeyText(trimmed);
  const folder = trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
  if (utf8Length(folder) > MAX_KEY_BYTES - 1) throw keyError('tooLong');
  return folder;
}

function extension(name) {
  const file = name.split(/[/\\]/).pop();
  const dot = file.lastIndexOf('.');
  if (dot <= 0) return null;
  const ext = file.slice(dot + 1);
  return /^[A-Za-z0-9]{1,10}$/.test(ext) ? ext.toLowerCase() : null;
}

// Extensions and their content types, as src/key.rs MIME_TYPES: the first row of a type names
// the extension objectKey gives it.
const MIME_TYPES = [
  ['jpg', 'image/jpeg'],
  ['jpeg', 'image/jpeg'],
  ['png', 'image/png'],
  ['gif', 'image/gif'],
  ['webp', 'image/webp'],
  ['avif', 'image/avif'],
  ['heic', 'image/heic'],
  ['heif', 'image/heif'],
  ['bmp', 'image/bmp'],
  ['ico', 'image/x-icon'],
  ['tif', 'image/tiff'],
  ['tiff', 'image/tiff'],
  ['mp4', 'video/mp4'],
  ['m4v', 'video/x-m4v'],
  ['m4v', 'video/mp4'],
  ['mov', 'video/quicktime'],
  ['webm', 'video/webm'],
  ['3gp', 'video/3gpp'],
  ['avi', 'video/x-msvideo'],
  ['avi', 'video/avi'],
  ['mkv', 'video/x-matroska'],
  ['mp3', 'audio/mpeg'],
  ['mp3', 'audio/mp3'],
  ['m4a', 'audio/mp4'],
  ['m4a', 'audio/x-m4a'],
  ['aac', 'audio/aac'],
  ['aac', 'audio/x-aac'],
  ['wav', 'audio/wav'],
  ['wav', 'audio/x-wav'],
  ['wav', 'audio/wave'],
  ['ogg', 'audio/ogg'],
  ['flac', 'audio/flac'],
  ['amr', 'audio/amr'],
  ['silk', 'audio/silk'],
  ['pdf', 'application/pdf'],
  ['doc', 'application/msword'],
  ['docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  ['xls', 'application/vnd.ms-excel'],
  ['xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  ['ppt', 'application/vnd.ms-powerpoint'],
  ['pptx', 'application/vnd.openxmlformats-officedocument.presentationml.presentation'],
  ['txt', 'text/plain'],
  ['csv', 'text/csv'],
  ['md', 'text/markdown'],
  ['json', 'application/json'],
  ['zip', 'application/zip'],
  ['zip', 'application/x-zip-compressed'],
  ['gz', 'application/gzip'],
  ['gz', 'application/x-gzip'],
  ['tar', 'application/x-tar'],
  ['7z', 'application/x-7z-compressed'],
  ['rar', 'application/vnd.rar'],
  ['html', 'text/html'],
  ['htm', 'text/html'],
  ['xhtml', 'application/xhtml+xml'],
  ['svg', 'image/svg+xml'],
  ['xml', 'application/xml'],
  ['xml', 'text/xml'],
  ['js', 'text/javascript'],
  ['js', 'application/javascript'],
  ['mjs', 'text/javascript'],
  ['php', 'application/x-httpd-php'],
  ['jsp', 'application/x-jsp'],
  ['asp', 'application/x-asp'],
  ['aspx', 'application/x-aspx'],
];
// Content that runs when served: never stored under a type that is not its own.
const ACTIVE_EXTENSIONS = ['html', 'htm', 'xhtml', 'svg', 'xml', 'js', 'mjs', 'php', 'jsp', 'asp', 'aspx'];

/** `Text/HTML; charset=utf-8` → `text/html`: ASCII rules only, as src/key.rs type_essence (trim_ascii). */
function typeEssence(contentType) {
  return asciiLower(contentType.split(';')[0].replace(/^[ \t\n\f\r]+|[ \t\n\f\r]+$/g, ''));
}

function typeOfExtension(ext) {
  const row = MIME_TYPES.find((r) => r[0] === ext);
  return row && row[1];
}

function extensionOfType(contentType) {
  const essence = typeEssence(contentType);
  const row = MIME_TYPES.find((r) => r[1] === essence);
  return row && row[0];
}

function extensionFits(ext, contentType) {
  const essence = typeEssence(contentType);
  let known = false;
  for (const [e, t] of MIME_TYPES) {
    if (e !== ext) continue;
    known = true;
    if (t === essence) return true;
  }
  return !known && !ACTIVE_EXTENSIONS.includes(ext);
}

const asciiLower = (text) => text.replace(/[A-Z]+/g, (m) => m.toLowerCase());

function mismatch(ext, contentType) {
  return new OssupError(
    'KEY_TYPE_MISMATCH',
    `the key ends in ".${ext}" but the form pins the content type "${contentType}": name the key with objectKey({ name, contentType }) so its extension comes from the type (or pin the content type of a ".${ext}" file)`,
  );
}

function hex(bytes) {
  let out = '';
  for (const b of bytes) out += (b < 16 ? '0' : '') + b.toString(16);
  return out;
}

// ---- options, read as src/api.rs reads them ----

const MAX_MS = 253402300799999; // 9999-12-31T23:59:59.999Z
const invalid = (option, reason) => new OssupError('INVALID_OPTION', `\`${option}\` ${reason}`);

/**
 * The options as the full core receives them: through ../checks.js's toJson, as ../core.js
 * sends them (finite numbers, no BigInt, no lone surrogate; JSON drops `undefined`, functions
 * and symbols and calls `toJSON`), and back — so both entries read the same values. `extra` names options the
 * full entry takes and this one does not.
 */
function optionsOf(what, options, names, extra = []) {
  const o = JSON.parse(toJson(what, options));
  for (const key of Object.keys(o)) {
    if (extra.includes(key)) {
      throw invalid(key, `(custom policies) is not in ossup/post: build the form with the full ossup entry`);
    }
    if (!names.includes(key)) throw unknownOption(what, key, names);
  }
  return reader(o);
}

/** Typed reads of a JSON object's members; null is absent, as in src/api.rs. */
function reader(o) {
  const get = (name) => (o[name] === null ? undefined : o[name]);
  const text = (name) => {
    const value = get(name);
    if (value !== undefined && typeof value !== 'string') throw invalid(name, 'must be a string');
    return value;
  };
  const number = (name, value = get(name)) => {
    if (value === undefined) return undefined;
    if (typeof value !== 'number') throw invalid(name, 'must be a number');
    if (!Number.isSafeInteger(value) || value < 0) {
      throw invalid(name, `must be a whole, non-negative number, got ${JSON.stringify(value)}`);
    }
    return value;
  };
  return {
    get,
    text,
    number,
    required(name) {
      const value = text(name);
      if (!value) throw missingOption(name);
      return value;
    },
    boolean(name) {
      const value = get(name);
      if (value !== undefined && typeof value !== 'boolean') throw invalid(name, 'must be true or false');
      return value;
    },
    strings(name) {
      const value = get(name);
      if (value === undefined) return [];
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
        throw invalid(name, 'must be an array of strings');
      }
      return value;
    },
    /** `{ name: value }` → [[name, text]]: numbers and booleans as JSON writes them. */
    pairs(name) {
      const value = get(name);
      if (value === undefined) return [];
      if (typeof value !== 'object' || Array.isArray(value))
        throw invalid(name, 'must be an object of names to values');
      return Object.keys(value).map((k) => {
        const v = value[k];
        if (v === null) throw invalid(name, `has no value for "${k}"`);
        if (typeof v === 'object') throw invalid(name, `has a value for "${k}" that is not a string`);
        return [k, String(v)];
      });
    },
    now() {
      const value = number('now');
      if (value === undefined) {
        // The clock, checked as the full core checks it (src/time.rs checked_ms): an offset
        // from setClockOffset can take it out of range.
        const clock = now();
        if (!Number.isSafeInteger(clock) || clock < 0 || clock > MAX_MS) {
          throw invalid(
            'now',
            `(the clock: Date.now() + setClockOffset) must be a whole number of milliseconds since 1970-01-01 UTC up to the year 9999, got ${clock}`,
          );
        }
        return clock;
      }
      if (value > MAX_MS) throw invalid('now', 'is after the year 9999');
      return value;
    },
  };
}

/** A new, unguessable object key: `{ prefix, name, contentType, now, dateFolders }` (src/key.rs). */
export function objectKey(options = {}) {
  const o = optionsOf('objectKey', options, ['prefix', 'name', 'contentType', 'now', 'dateFolders']);
  const prefix = o.text('prefix') || '';
  const name = o.text('name') || '';
  const contentType = o.text('contentType') || undefined;
  const dateFolders = o.boolean('dateFolders') !== false;
  const at = o.now();
  const random = randomBytes(8);
  if (!random || random.length < 8) {
    throw new OssupError(
      'NOT_ENOUGH_ENTROPY',
      `object names need 8 random bytes from a secure source, got ${random ? random.length : 0}`,
    );
  }
  let key = normalizePrefix(prefix);
  if (dateFolders) key += `${isoString(at).slice(0, 10).replace(/-/g, '/')}/`;
  key += `${at}-${hex(random.subarray(0, 8))}`;
  let ext = extension(name);
  if (contentType !== undefined) {
    // The type chooses (a name whose known extension fits it keeps it); a type the table does
    // not know keeps only an extension it does not know.
    const own = ext && typeOfExtension(ext) && extensionFits(ext, contentType) ? ext : extensionOfType(contentType);
    if (own) ext = own;
    else if (ext && (typeOfExtension(ext) || ACTIVE_EXTENSIONS.includes(ext))) ext = null;
  }
  if (ext) key += `.${ext}`;
  return validateKey(key);
}

// ---- PostObject forms (oss-spec §1; src/form.rs) ----

const FORM_OPTIONS = [
  'version',
  'accessKeyId',
  'accessKeySecret',
  'securityToken',
  'region',
  'bucket',
  'key',
  'keyPrefix',
  'now',
  'expiresIn',
  'contentLengthRange',
  'contentType',
  'contentTypes',
  'successActionStatus',
  'forbidOverwrite',
  'headers',
  'meta',
  'callback',
  'callbackVar',
];
const RESERVED = new Set([
  'key',
  'policy',
  'signature',
  'ossaccesskeyid',
  'file',
  'success_action_status',
  'success_action_redirect',
  'x-oss-forbid-overwrite',
  'content-type',
  'x-oss-content-type',
  'x-oss-security-token',
  'callback',
  'x-oss-signature-version',
  'x-oss-credential',
  'x-oss-date',
  'x-oss-signature',
  'bucket',
]);
// Object headers every form pins: the caller's value (through `headers`) or this default; an
// empty value is "not set" (src/form.rs PINNED_HEADERS).
const PINNED_HEADERS = [
  ['Content-Disposition', 'inline'],
  ['Cache-Control', ''],
  ['Content-Encoding', ''],
  ['Expires', ''],
];
const MAX_V4_VALIDITY_MS = 7 * 24 * 3600 * 1000;
const V4_ALGORITHM = 'OSS4-HMAC-SHA256';
const CALLBACK_BODY_TYPES = ['application/x-www-form-urlencoded', 'application/json'];
const MAX_CALLBACK_BYTES = 5 * 1024;

function checkFieldValue(option, value) {
  if (utf8Length(value) > 2 * 1024 * 1024) throw invalid(option, 'has a value larger than 2 MB');
  if (/[\r\n]/.test(value)) throw invalid(option, 'has a line break in a value');
}

// What Rust's char::is_whitespace and char::is_control match (JS's \s also has U+FEFF).
const WHITE_OR_CONTROL = /[\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

function checkTokenText(option, value) {
  if (WHITE_OR_CONTROL.test(value)) {
    throw invalid(option, 'has white space or a control character: copy the value again without line breaks');
  }
}

/** What src/json.rs refuses in a document JSON.parse accepts: nesting over 32, lone surrogates. */
function checkDocument(value, depth = 0) {
  if (typeof value === 'string') {
    // (a lone surrogate an escape in the JSON text can still hold after JSON.parse)
    if (hasLoneSurrogate(value)) throw invalid('callback', 'has a lone surrogate escape in a string');
  } else if (value && typeof value === 'object') {
    if (depth >= 32) throw invalid('callback', 'is nested too deeply');
    for (const key of Object.keys(value)) {
      checkDocument(key, depth + 1);
      checkDocument(value[key], depth + 1);
    }
  }
}

/** The callback JSON text: given as text, or written from an object as src/callback.rs does. */
function callbackJson(value) {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalid('callback', 'must be a JSON string or an object');
  const c = reader(value);
  const known = ['callbackUrl', 'callbackBody', 'callbackHost', 'callbackBodyType', 'callbackSNI'];
  for (const key of Object.keys(value)) if (!known.includes(key)) throw unknownOption('callback', key, known);
  const ordered = { callbackUrl: c.required('callbackUrl'), callbackBody: c.required('callbackBody') };
  const host = c.text('callbackHost');
  const bodyType = c.text('callbackBodyType');
  const sni = c.boolean('callbackSNI');
  if (host !== undefined) ordered.callbackHost = host;
  if (bodyType !== undefined) ordered.callbackBodyType = bodyType;
  if (sni !== undefined) ordered.callbackSNI = sni;
  return JSON.stringify(ordered);
}

/** The `callback` field: base64 of the callback JSON, checked as src/callback.rs checks it. */
function encodeCallback(text) {
  if (!text.trim()) throw missingOption('callback');
  let document;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw invalid('callback', `is not JSON (${error.message})`);
  }
  checkDocument(document);
  const has = (name) =>
    document && typeof document === 'object' && !Array.isArray(document) && typeof document[name] === 'string';
  for (const required of ['callbackUrl', 'callbackBody']) {
    if (!has(required) || !document[required]) throw invalid('callback', `needs \`${required}\` as a non-empty string`);
  }
  if ('callbackBodyType' in document && !CALLBACK_BODY_TYPES.includes(document.callbackBodyType)) {
    throw invalid('callback', `\`callbackBodyType\` must be ${CALLBACK_BODY_TYPES[0]} or ${CALLBACK_BODY_TYPES[1]}`);
  }
  const encoded = base64('callback', text);
  if (encoded.length > MAX_CALLBACK_BYTES) {
    throw invalid('callback', `is ${encoded.length} bytes once encoded; OSS accepts at most ${MAX_CALLBACK_BYTES}`);
  }
  return encoded;
}

/**
 * The object headers (src/form.rs): `headers` checked, then PINNED_HEADERS (the caller's value
 * or the default), then the other headers, each pinned.
 */
function pinHeaders(pin, headers) {
  const given = [];
  for (const [name, value] of headers) {
    if (!name || /^\d+$/.test(name) || !/^[!#-9;-~]+$/.test(name)) {
      throw invalid('headers', `has an invalid field name "${name}"`);
    }
    checkFieldValue('headers', value);
    const lower = name.toLowerCase();
    if (RESERVED.has(lower) || lower.startsWith('x-oss-meta-') || lower.startsWith('x:')) {
      throw invalid('headers', `cannot set "${name}": it has its own option (key, contentType, meta, callback, ...)`);
    }
    if (given.some(([n]) => n.toLowerCase() === lower)) {
      throw invalid('headers', `names "${name}" twice (field names are case-insensitive)`);
    }
    given.push([name, value]);
  }
  for (const [name, fallback] of PINNED_HEADERS) {
    const lower = name.toLowerCase();
    const i = given.findIndex(([n]) => n.toLowerCase() === lower);
    pin(name, i < 0 ? fallback : given.splice(i, 1)[0][1]);
  }
  for (const [name, value] of given) pin(name, value);
}

/**
 * The fields of `meta`, `callback` and `callbackVar`, in that order (src/form.rs):
 * a function of its own, as most forms have none of them and V8 compiles a function on its
 * first call, so the first form does not compile this code.
 */
function pinOptionalFields(pin, fields, meta, callback, callbackVars) {
  for (const [name, value] of meta) {
    const lower = name.toLowerCase();
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw invalid('meta', `name "${name}" must be letters, digits, \`-\` or \`_\``);
    checkFieldValue('meta', value);
    pin(`x-oss-meta-${lower}`, value);
  }
  if (callback !== undefined) pin('callback', encodeCallback(callback));
  for (const [name, value] of callbackVars) {
    if (!/^x:[a-z0-9_-]+$/.test(name)) {
      throw invalid(
        'callbackVar',
        `name "${name}" must start with \`x:\` followed by lower-case letters, digits, \`_\` or \`-\``,
      );
    }
    checkFieldValue('callbackVar', value);
    fields.push([name, value]);
  }
}

/**
 * `new Date(ms).toISOString()` for 0 ≤ ms ≤ MAX_MS (the times a form and a key hold), by
 * arithmetic (days to a civil date as in H. Hinnant's `civil_from_days`) in one function: in a
 * cold Chromium page (2026-12-07, medians of 15) the first form's three dates took 0.39 ms
 * through Date, toISOString and the regular expressions that compacted them, 0.34 ms with
 * helpers per part, and 0.22 ms like this.
 */
function isoString(ms) {
  const days = Math.floor(ms / 86400000);
  const z = days + 719468; // days since 0000-03-01
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shifted = Math.floor((5 * dayOfYear + 2) / 153); // months from March
  const month = shifted < 10 ? shifted + 3 : shifted - 9;
  const year = era * 400 + yearOfEra + (month <= 2 ? 1 : 0); // 1970-9999: four digits
  const day = dayOfYear - Math.floor((153 * shifted + 2) / 5) + 1;
  const time = ms - days * 86400000;
  const two = (n) => (n < 10 ? '0' : '') + n;
  const clock = `${two(Math.floor(time / 3600000))}:${two(Math.floor(time / 60000) % 60)}:${two(Math.floor(time / 1000) % 60)}`;
  return `${year}-${two(month)}-${two(day)}T${clock}.${String((time % 1000) + 1000).slice(1)}Z`;
}

/** `yyyymmddThhmmssZ` of an ISO time: the V4 `x-oss-date` (its first 8 characters: the date). */
const compactDateTime = (iso) =>
  `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;

/**
 * A signed PostObject form: `{ fields, policy, expiration }`; post the fields in order, then
 * `file`. The options of the full entry's `buildPostForm`, but `conditions` and `expiration`
 * (custom policies: use the full entry).
 */
export function buildPostForm(options) {
  // Read as src/api.rs reads them (every option's type first), then the rules of src/form.rs.
  const o = optionsOf('buildPostForm', options, FORM_OPTIONS, ['conditions', 'expiration']);
  const at = o.now();
  const accessKeyId = o.required('accessKeyId');
  const secret = o.required('accessKeySecret');
  const token = o.text('securityToken') || undefined;
  const givenRegion = o.text('region') || '';
  const version = o.text('version');
  if (version !== undefined && version !== 'v4' && version !== 'v1') {
    throw invalid('version', 'must be "v4" (default) or "v1"');
  }
  const v4 = version !== 'v1';
  const bucket = o.text('bucket');
  const key = o.text('key');
  const givenPrefix = o.text('keyPrefix');
  const seconds = o.number('expiresIn');
  let range = o.get('contentLengthRange');
  if (range !== undefined) {
    if (!Array.isArray(range) || range.length !== 2) throw invalid('contentLengthRange', 'must be [min, max] in bytes');
    range = range.map((n) => o.number('contentLengthRange', n));
  }
  const contentType = o.text('contentType') || undefined;
  const contentTypes = o.strings('contentTypes');
  const status = o.number('successActionStatus');
  const forbidOverwrite = o.boolean('forbidOverwrite') !== false;
  const headers = o.pairs('headers');
  const meta = o.pairs('meta');
  const callback = o.get('callback') === undefined ? undefined : callbackJson(o.get('callback'));
  const callbackVars = o.pairs('callbackVar');

  checkTokenText('accessKeyId', accessKeyId);
  if (token) checkTokenText('securityToken', token);
  const fields = [];
  const conditions = [];
  const pin = (name, value) => {
    fields.push([name, value]);
    conditions.push({ [name]: value });
  };
  const prefix = givenPrefix === undefined ? undefined : normalizePrefix(givenPrefix);
  if (key === undefined && prefix === undefined) {
    throw missingOption('key');
  }
  if (key !== undefined) {
    validateKey(key);
    if (prefix !== undefined) {
      if (!key.startsWith(prefix)) throw invalid('key', `"${key}" is not under keyPrefix "${prefix}"`);
      fields.push(['key', key]);
    } else pin('key', key);
  }
  if (status !== undefined && status !== 200 && status !== 201 && status !== 204) {
    throw invalid('successActionStatus', `is ${status}; OSS accepts 200, 201 or 204`);
  }
  pin('success_action_status', String(status === undefined ? 200 : status));
  pin('x-oss-forbid-overwrite', forbidOverwrite ? 'true' : 'false');
  const keyExtension = key === undefined ? null : extension(key);
  if (contentType !== undefined) {
    checkFieldValue('contentType', contentType);
    if (contentTypes.length && !contentTypes.includes(contentType)) {
      throw invalid('contentType', `"${contentType}" is not one of contentTypes`);
    }
  }
  if (!contentTypes.length) {
    let type = contentType;
    if (type === undefined) type = (keyExtension && typeOfExtension(keyExtension)) || 'application/octet-stream';
    else if (keyExtension && !extensionFits(keyExtension, type)) throw mismatch(keyExtension, type);
    pin('Content-Type', type);
    pin('x-oss-content-type', type);
  } else {
    if (keyExtension && ACTIVE_EXTENSIONS.includes(keyExtension)) {
      const other = contentTypes.find((t) => !extensionFits(keyExtension, t));
      if (other !== undefined) throw mismatch(keyExtension, other);
    }
    if (contentType !== undefined) fields.push(['Content-Type', contentType], ['x-oss-content-type', contentType]);
  }
  pinHeaders(pin, headers);
  if (meta.length || callback !== undefined || callbackVars.length) {
    pinOptionalFields(pin, fields, meta, callback, callbackVars);
  }
  if (token) pin('x-oss-security-token', token);

  const policyConditions = [];
  if (bucket !== undefined) {
    if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw invalid('bucket', `"${bucket}" is not a bucket name: 3-63 characters of a-z, 0-9 and '-'`);
    }
    policyConditions.push({ bucket });
  }
  policyConditions.push(...conditions);
  if (prefix !== undefined) policyConditions.push(['starts-with', '$key', prefix]);
  if (range !== undefined) {
    if (range[0] > range[1]) {
      throw invalid('contentLengthRange', `is [${range[0]}, ${range[1]}]: the minimum must not exceed the maximum`);
    }
    policyConditions.push(['content-length-range', range[0], range[1]]);
  }
  if (contentTypes.length) {
    policyConditions.push(['in', '$content-type', contentTypes], ['in', '$x-oss-content-type', contentTypes]);
  }

  if (seconds === 0) throw invalid('expiresIn', 'must be at least 1 second');
  const expiration = at + (seconds === undefined ? 900 : seconds) * 1000;
  if (expiration > MAX_MS) throw invalid('expiration', 'is after the year 9999');
  let xOssDate;
  let date = '';
  let credential;
  let region;
  if (v4) {
    if (expiration - at > MAX_V4_VALIDITY_MS) {
      throw invalid('expiration', 'is more than 7 days after now; V4 forms are valid for at most 7 days');
    }
    region = givenRegion.trim().replace(/^oss-/, '');
    if (!region) throw missingOption('region');
    if (!/^[a-z0-9-]+$/.test(region)) throw invalid('region', `"${region}" is not a Region ID such as cn-hangzhou`);
    xOssDate = compactDateTime(isoString(at));
    date = xOssDate.slice(0, 8);
    credential = `${accessKeyId}/${date}/${region}/oss/aliyun_v4_request`;
    policyConditions.push(
      { 'x-oss-signature-version': V4_ALGORITHM },
      { 'x-oss-credential': credential },
      { 'x-oss-date': xOssDate },
    );
  }
  const expirationIso = isoString(expiration);
  const policyJson = JSON.stringify({ expiration: expirationIso, conditions: policyConditions });
  const signed = signPolicy(v4 ? 4 : 1, secret, region || '', date, policyJson);
  if (v4) {
    fields.push(
      ['policy', signed.policy],
      ['x-oss-signature-version', V4_ALGORITHM],
      ['x-oss-credential', credential],
      ['x-oss-date', xOssDate],
      ['x-oss-signature', signed.signature],
    );
  } else {
    fields.push(['OSSAccessKeyId', accessKeyId], ['policy', signed.policy], ['Signature', signed.signature]);
  }
  // Own properties even for a name like "__proto__" (as JSON.parse makes them in the full entry).
  const out = {};
  for (const [name, value] of fields) {
    Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return { fields: out, policy: policyJson, expiration: expirationIso };
}
