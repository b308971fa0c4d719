// ossup/post's core, in place of ../core.js (the build aliases it for the post bundles): what
// a page that uploads with PostObject needs. The cryptography is in crates/post's module
// (ossup-post.wasm: policy base64 + V1/V4 signature, base64, CRC-64; no allocator, about
// 10 KB brotli); the form, policy and key rules are here, with the full core's options, codes
// and messages (src/form.rs, src/key.rs), and tests/node/post-entry.test.mjs checks that both
// build the same fields, byte for byte, on generated inputs.
import { OssupError } from '../errors.js';
import { randomBytes } from '../random.js';
import { createLoading } from '../load.js';
import { now } from '../clock.js';
import { checkText, checkOptionsObject, checkValues, crcText } from '../checks.js';

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

/** CRC-64/XZ (`x-oss-hash-crc64ecma`) of bytes as a decimal string, continuing from `previous`. */
export function crc64(data, previous) {
  let bytes = data;
  if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
  else if (ArrayBuffer.isView(data) && !(data instanceof Uint8Array))
    bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (!(bytes instanceof Uint8Array))
    throw new OssupError('INVALID_OPTION', 'crc64 expects bytes (Uint8Array, ArrayBuffer)');
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
  let value = crcText('previous', previous) || '0';
  const stream = {
    update(data) {
      value = crc64(data, value);
      return stream;
    },
    digest() {
      return value;
    },
  };
  return stream;
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

function hex(bytes) {
  let out = '';
  for (const b of bytes) out += (b < 16 ? '0' : '') + b.toString(16);
  return out;
}

function optionsOf(what, options, names) {
  checkOptionsObject(what, options);
  for (const key of Object.keys(options)) {
    if (options[key] === undefined) continue;
    if (!names.includes(key)) {
      throw new OssupError(
        'INVALID_OPTION',
        `${what}: unknown option \`${key}\` (ossup/post takes ${names.join(', ')}; the full ossup entry takes more)`,
      );
    }
    checkValues(what, key, options[key]);
  }
  return options;
}

function stringOption(o, name, required) {
  const value = o[name];
  if (value === undefined || value === null || (required && value === '')) {
    if (required) {
      throw new OssupError('MISSING_OPTION', `\`${name}\` is required and must be a non-empty string`);
    }
    return undefined;
  }
  if (typeof value !== 'string') throw new OssupError('INVALID_OPTION', `\`${name}\` must be a string`);
  return value;
}

function numberOption(o, name) {
  const value = o[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new OssupError('INVALID_OPTION', `\`${name}\` must be a whole number >= 0`);
  }
  return value;
}

function nowOption(o) {
  const value = numberOption(o, 'now');
  return value === undefined ? now() : value;
}

/** A new, unguessable object key: `{ prefix, name, now, dateFolders }` (src/key.rs). */
export function objectKey(options = {}) {
  const o = optionsOf('objectKey', options, ['prefix', 'name', 'now', 'dateFolders']);
  const at = nowOption(o);
  let key = normalizePrefix(stringOption(o, 'prefix') || '');
  if (o.dateFolders !== false) key += new Date(at).toISOString().slice(0, 10).replace(/-/g, '/') + '/';
  key += `${at}-${hex(randomBytes(8))}`;
  const ext = extension(stringOption(o, 'name') || '');
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
  'x-oss-security-token',
  'callback',
  'x-oss-signature-version',
  'x-oss-credential',
  'x-oss-date',
  'x-oss-signature',
  'bucket',
]);
const MAX_V4_VALIDITY_MS = 7 * 24 * 3600 * 1000;
const V4_ALGORITHM = 'OSS4-HMAC-SHA256';
const CALLBACK_BODY_TYPES = ['application/x-www-form-urlencoded', 'application/json'];
const MAX_CALLBACK_BYTES = 5 * 1024;

const invalid = (option, reason) => new OssupError('INVALID_OPTION', `\`${option}\` ${reason}`);

function checkFieldValue(option, value) {
  if (typeof value !== 'string') throw invalid(option, 'must have string values');
  if (utf8Length(value) > 2 * 1024 * 1024) throw invalid(option, 'has a value larger than 2 MB');
  if (/[\r\n]/.test(value)) throw invalid(option, 'has a line break in a value');
}

function pairs(o, name) {
  const value = o[name];
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(name, 'must be an object of names to strings');
  return Object.keys(value)
    .filter((k) => value[k] !== undefined)
    .map((k) => [k, value[k]]);
}

function checkTokenText(option, value) {
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(value)) {
    throw invalid(option, 'has white space or a control character: copy the value again without line breaks');
  }
}

function callbackText(value) {
  let text = value;
  if (value && typeof value === 'object') text = JSON.stringify(value);
  if (typeof text !== 'string') throw invalid('callback', 'must be a callback object or its JSON text');
  if (!text.trim()) throw new OssupError('MISSING_OPTION', '`callback` is required and must be a non-empty string');
  let document;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw invalid('callback', `is not JSON (${error.message})`);
  }
  if (!document || typeof document !== 'object' || Array.isArray(document))
    throw invalid('callback', 'must be a JSON object');
  for (const required of ['callbackUrl', 'callbackBody']) {
    if (typeof document[required] !== 'string' || !document[required]) {
      throw invalid('callback', `needs \`${required}\` as a non-empty string`);
    }
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

const compactDate = (ms) => new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');
const compactDateTime = (ms) =>
  new Date(ms)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');

/**
 * A signed PostObject form: `{ fields, policy, expiration }`; post the fields in order, then
 * `file`. The options of the full entry's `buildPostForm`, but `conditions` and `expiration`
 * (custom policies: use the full entry).
 */
export function buildPostForm(options) {
  const o = optionsOf('buildPostForm', options, FORM_OPTIONS);
  const at = nowOption(o);
  const version = stringOption(o, 'version');
  if (version !== undefined && version !== 'v4' && version !== 'v1') {
    throw invalid('version', 'must be "v4" (default) or "v1"');
  }
  const v4 = version !== 'v1';
  const accessKeyId = stringOption(o, 'accessKeyId', true);
  const secret = stringOption(o, 'accessKeySecret', true);
  const token = stringOption(o, 'securityToken') || undefined;
  checkTokenText('accessKeyId', accessKeyId);
  if (token) checkTokenText('securityToken', token);

  const fields = [];
  const conditions = [];
  const pin = (name, value) => {
    fields.push([name, value]);
    conditions.push({ [name]: value });
  };
  const given = stringOption(o, 'keyPrefix');
  const prefix = given === undefined ? undefined : normalizePrefix(given);
  const key = stringOption(o, 'key');
  if (key === undefined && prefix === undefined) {
    throw new OssupError('MISSING_OPTION', '`key` is required and must be a non-empty string');
  }
  if (key !== undefined) {
    validateKey(key);
    if (prefix !== undefined) {
      if (!key.startsWith(prefix)) throw invalid('key', `"${key}" is not under keyPrefix "${prefix}"`);
      fields.push(['key', key]);
    } else pin('key', key);
  }
  const status = numberOption(o, 'successActionStatus');
  if (status !== undefined && status !== 200 && status !== 201 && status !== 204) {
    throw invalid('successActionStatus', `is ${status}; OSS accepts 200, 201 or 204`);
  }
  pin('success_action_status', String(status === undefined ? 200 : status));
  if (o.forbidOverwrite !== undefined && typeof o.forbidOverwrite !== 'boolean') {
    throw invalid('forbidOverwrite', 'must be true or false');
  }
  if (o.forbidOverwrite !== false) pin('x-oss-forbid-overwrite', 'true');
  const contentType = stringOption(o, 'contentType');
  let contentTypes = [];
  if (o.contentTypes !== undefined && o.contentTypes !== null) {
    if (!Array.isArray(o.contentTypes) || o.contentTypes.some((t) => typeof t !== 'string')) {
      throw invalid('contentTypes', 'must be an array of strings');
    }
    contentTypes = o.contentTypes;
  }
  if (contentType !== undefined) {
    checkFieldValue('contentType', contentType);
    if (!contentTypes.length) pin('Content-Type', contentType);
    else if (contentTypes.includes(contentType)) fields.push(['Content-Type', contentType]);
    else throw invalid('contentType', `"${contentType}" is not one of contentTypes`);
  }
  for (const [name, value] of pairs(o, 'headers')) {
    if (!name || /^\d+$/.test(name) || !/^[!#-9;-~]+$/.test(name)) {
      throw invalid('headers', `has an invalid field name "${name}"`);
    }
    checkFieldValue('headers', value);
    const lower = name.toLowerCase();
    if (RESERVED.has(lower) || lower.startsWith('x-oss-meta-') || lower.startsWith('x:')) {
      throw invalid('headers', `cannot set "${name}": it has its own option (key, contentType, meta, callback, ...)`);
    }
    pin(name, value);
  }
  for (const [name, value] of pairs(o, 'meta')) {
    const lower = name.toLowerCase();
    if (!/^[a-z0-9_-]+$/.test(lower)) throw invalid('meta', `name "${name}" must be letters, digits, \`-\` or \`_\``);
    checkFieldValue('meta', value);
    pin(`x-oss-meta-${lower}`, value);
  }
  if (o.callback !== undefined && o.callback !== null) pin('callback', callbackText(o.callback));
  for (const [name, value] of pairs(o, 'callbackVar')) {
    if (!/^x:[a-z0-9_-]+$/.test(name)) {
      throw invalid(
        'callbackVar',
        `name "${name}" must start with \`x:\` followed by lower-case letters, digits, \`_\` or \`-\``,
      );
    }
    checkFieldValue('callbackVar', value);
    fields.push([name, value]);
  }
  if (token) pin('x-oss-security-token', token);

  const policyConditions = [];
  const bucket = stringOption(o, 'bucket');
  if (bucket !== undefined) {
    if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw invalid('bucket', `"${bucket}" is not a bucket name: 3-63 characters of a-z, 0-9 and '-'`);
    }
    policyConditions.push({ bucket });
  }
  policyConditions.push(...conditions);
  if (prefix !== undefined) policyConditions.push(['starts-with', '$key', prefix]);
  const range = o.contentLengthRange;
  if (range !== undefined && range !== null) {
    const whole = (n) => typeof n === 'number' && Number.isInteger(n) && n >= 0;
    if (!Array.isArray(range) || range.length !== 2 || !range.every(whole)) {
      throw invalid('contentLengthRange', 'must be [min, max] in bytes');
    }
    if (range[0] > range[1]) {
      throw invalid('contentLengthRange', `is [${range[0]}, ${range[1]}]: the minimum must not exceed the maximum`);
    }
    policyConditions.push(['content-length-range', range[0], range[1]]);
  }
  if (contentTypes.length) policyConditions.push(['in', '$content-type', contentTypes]);

  const seconds = numberOption(o, 'expiresIn');
  if (seconds === 0) throw invalid('expiresIn', 'must be at least 1 second');
  const expiration = at + (seconds === undefined ? 900 : seconds) * 1000;
  if (expiration > 253402300799999) throw invalid('expiration', 'is after the year 9999');
  const xOssDate = compactDateTime(at);
  let credential;
  let region;
  if (v4) {
    if (expiration - at > MAX_V4_VALIDITY_MS) {
      throw invalid('expiration', 'is more than 7 days after now; V4 forms are valid for at most 7 days');
    }
    region = (stringOption(o, 'region') || '').trim().replace(/^oss-/, '');
    if (!region) throw new OssupError('MISSING_OPTION', '`region` is required and must be a non-empty string');
    if (!/^[a-z0-9-]+$/.test(region)) throw invalid('region', `"${region}" is not a Region ID such as cn-hangzhou`);
    credential = `${accessKeyId}/${compactDate(at)}/${region}/oss/aliyun_v4_request`;
    policyConditions.push(
      { 'x-oss-signature-version': V4_ALGORITHM },
      { 'x-oss-credential': credential },
      { 'x-oss-date': xOssDate },
    );
  }
  const expirationIso = new Date(expiration).toISOString();
  const policyJson = JSON.stringify({ expiration: expirationIso, conditions: policyConditions });
  const signed = signPolicy(v4 ? 4 : 1, secret, region || '', v4 ? compactDate(at) : '', policyJson);
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
  const out = {};
  for (const [name, value] of fields) out[name] = value;
  return { fields: out, policy: policyJson, expiration: expirationIso };
}
