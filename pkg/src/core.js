// The core: loads the WebAssembly (or wasm2js) module once per process and wraps its exports
// in plain functions that take and return plain JS values. Options cross into wasm as one
// JSON string (see src/api.rs for why), every call through wasm-bindgen; 64-bit values cross
// as decimal strings.
import * as glue from '../dist/glue.js';
import { OssupError, fromCore, callerError } from './errors.js';
import {
  checkText,
  checkOptionText,
  checkOptionsObject,
  toJson,
  toBytes,
  crcText,
  crcStream,
  missingOption,
  unknownOption,
  MAX_INPUT_UNITS,
  tooLarge,
} from './checks.js';
import { createLoading } from './load.js';
import { now } from './clock.js';

let raw = null; // the instance's exports, for recover
let stackBase = null; // the shadow stack pointer between calls (see recover)

/** The import object the module needs (for platform loaders). */
export function wasmImports() {
  return glue.__wbg_get_imports();
}

const loading = createLoading((instance) => {
  glue.__ossup_instantiated(instance);
  raw = instance.exports;
  stackBase = raw.__wbindgen_add_to_stack_pointer ? raw.__wbindgen_add_to_stack_pointer(0) : null;
}, wasmImports);

/**
 * After a call that did not return (a trap): a trap unwinds nothing in wasm, so the frames
 * Rust had taken on its shadow stack stay taken and each trap would leave less stack for every
 * later call. Between calls the pointer is always at its base: put it back there.
 */
function recover() {
  if (stackBase === null || !raw) return;
  const at = raw.__wbindgen_add_to_stack_pointer(0);
  if (at !== stackBase) raw.__wbindgen_add_to_stack_pointer(stackBase - at);
}

/** Called by each platform entry: `loader(imports, options)` resolves to `{ instance, engine }`. */
export const setLoader = loading.setLoader;

/** Attaches an instantiated module (anything with `exports`). */
export const attachInstance = loading.attachInstance;

/**
 * Loads the core for this platform, once; resolves to `{ engine }` (`'WebAssembly'`,
 * `'WXWebAssembly'`, `'TTWebAssembly'` or `'wasm2js'`). Also fills the random pool where the
 * platform's random source is asynchronous. Safe to call many times.
 */
export const ready = loading.ready;

/** Whether the core is loaded (synchronous functions can be called). */
export const isReady = loading.isReady;

/** Which engine runs the core, once loaded: 'WebAssembly', 'WXWebAssembly', 'TTWebAssembly' or 'wasm2js'. */
export const engine = loading.engine;

function checkReady() {
  if (!isReady()) {
    throw new OssupError(
      'NOT_READY',
      'the ossup core is not loaded yet: `await ready()` first (Node loads it on import)',
    );
  }
}

// The glue's functions are only ever named statically (`glue.x`), never passed around as a
// namespace: so a bundle keeps the wrappers of the exports its entry uses and no others.
function call(fn) {
  try {
    checkReady();
    return fn();
  } catch (error) {
    if (!(error instanceof OssupError)) recover();
    throw fromCore(error);
  }
}

export { now, setClockOffset } from './clock.js';

// ---- policies and PostObject forms (oss-spec §1) ----

/** base64 `policy` field of a policy JSON text, checked, byte for byte. */
export function encodePolicy(policyJson) {
  checkText('INVALID_OPTION', 'encodePolicy: the policy JSON text', policyJson);
  return call(() => glue.encodePolicy(policyJson));
}

/** Policy JSON text from `{ conditions, expiration | expiresIn, now }`. */
export function buildPolicy(options) {
  return call(() => glue.buildPolicy(toJson('buildPolicy', options), now()));
}

// What JSON.stringify drops from an object: absent, as it is for the JSON-taking calls.
const droppedByJson = (value) => value === undefined || typeof value === 'function' || typeof value === 'symbol';

/**
 * The named string options of `options`, in order, checked as src/api.rs checks an options
 * object (same codes and messages): for the calls whose strings cross into wasm as arguments.
 * Lone surrogates and the size limit are checked by signingStrings.
 */
function stringOptions(what, options, names) {
  checkOptionsObject(what, options);
  try {
    return readStringOptions(what, options, names);
  } catch (error) {
    throw callerError(`${what}: the options`, error); // a getter or a Proxy trap threw
  }
}

function readStringOptions(what, options, names) {
  for (const key of Object.keys(options)) {
    if (droppedByJson(options[key])) continue;
    if (!names.includes(key)) throw unknownOption(what, key, names);
  }
  const values = new Array(names.length);
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const value = options[name];
    const present = value !== null && !droppedByJson(value);
    if (present && typeof value !== 'string') throw new OssupError('INVALID_OPTION', `\`${name}\` must be a string`);
    if (!present || value === '') throw missingOption(name);
    values[i] = value;
  }
  return values;
}

const V1_OPTIONS = ['accessKeySecret', 'policy'];
const V4_OPTIONS = ['accessKeySecret', 'region', 'date', 'policy'];

// Inputs up to this many UTF-16 units go in without asking the core for room first.
const ROOM_CHECKED_UNITS = 64 * 1024;

/**
 * Makes sure the core can take `units` UTF-16 units of input (3 bytes each at most in UTF-8),
 * which wasm-bindgen copies in: memory that cannot grow that far is OUT_OF_MEMORY here rather
 * than a trap inside its allocator.
 */
function checkRoom(what, units) {
  checkReady();
  if (units > ROOM_CHECKED_UNITS && !glue.canAllocate(3 * units)) {
    throw new OssupError('OUT_OF_MEMORY', `${what}: the ossup core could not grow its memory`);
  }
}

/**
 * The strings of a policy signature, checked as a JSON-taking call checks them (toJson): at
 * most 8 Mi characters together, no lone surrogate (wasm-bindgen would write it as U+FFFD),
 * room for them in the core.
 */
function signingStrings(what, names, values) {
  checkReady();
  let units = 0;
  let largest = 0;
  for (let i = 0; i < values.length; i++) {
    units += values[i].length;
    if (values[i].length > values[largest].length) largest = i;
  }
  if (units > MAX_INPUT_UNITS) throw tooLarge(`${what}: \`${names[largest]}\``, values[largest].length, units);
  for (let i = 0; i < values.length; i++) checkOptionText(what, names[i], values[i]);
  checkRoom(what, units);
  return values;
}

/** V1 `Signature` for a base64 policy: `{ accessKeySecret, policy }`. */
export function signPostPolicyV1(options) {
  const [secret, policy] = signingStrings(
    'signPostPolicyV1',
    V1_OPTIONS,
    stringOptions('signPostPolicyV1', options, V1_OPTIONS),
  );
  return call(() => glue.signPostPolicyV1(secret, policy));
}

/** V4 `x-oss-signature` (hex): `{ accessKeySecret, region, date (yyyymmdd), policy }`. */
export function signPostPolicyV4(options) {
  const [secret, region, date, policy] = signingStrings(
    'signPostPolicyV4',
    V4_OPTIONS,
    stringOptions('signPostPolicyV4', options, V4_OPTIONS),
  );
  return call(() => glue.signPostPolicyV4(secret, region, date, policy));
}

/** A signed PostObject form: `{ fields, policy, expiration }`; post the fields in order, then `file`. */
export function buildPostForm(options) {
  return JSON.parse(call(() => glue.buildPostForm(toJson('buildPostForm', options), now())));
}

// ---- header signatures (oss-spec §2, §3) ----

// toJson has checked every string; JSON.stringify escapes lone surrogates anyway.
function signRequest(version, what, options, explain) {
  const json = toJson(what, options);
  checkRoom(what, json.length);
  return call(() => glue.signRequest(version, explain, json));
}

/** V1 `Authorization` value: `{ accessKeyId, accessKeySecret, method, bucket, key, headers, query }`. */
export function signRequestV1(options) {
  return signRequest(1, 'signRequestV1', options, false);
}

/** V4 `Authorization` value: as V1 plus `region` and `additionalHeaders`. */
export function signRequestV4(options) {
  return signRequest(4, 'signRequestV4', options, false);
}

/** `{ authorization, stringToSign, canonicalRequest? }`, to compare with a SignatureDoesNotMatch answer. */
export function explainRequestSignature(version, options) {
  if (version !== 'v1' && version !== 'v4') {
    throw new OssupError('INVALID_OPTION', 'explainRequestSignature: `version` must be "v1" or "v4"');
  }
  return JSON.parse(signRequest(version === 'v1' ? 1 : 4, `signRequest${version.toUpperCase()}`, options, true));
}

/** `{ iso, date, dateTime, http }` for `at` (ms) or the signing clock. */
export function formatDates(at) {
  if (at !== undefined && typeof at !== 'number') {
    throw new OssupError(
      'INVALID_OPTION',
      'formatDates: `now` must be milliseconds since 1970 (a number), e.g. Date.now()',
    );
  }
  return JSON.parse(call(() => glue.formatDates(at === undefined ? now() : at)));
}

// ---- callbacks (oss-spec §4) ----

/** base64 `callback` from a JSON string (as is) or `{ callbackUrl, callbackBody, … }`. */
export function encodeCallback(callback) {
  let array;
  try {
    array = Array.isArray(callback); // (throws for a revoked Proxy)
  } catch (error) {
    throw callerError('encodeCallback: `callback`', error);
  }
  if (typeof callback !== 'string' && (callback === null || typeof callback !== 'object' || array)) {
    throw new OssupError('INVALID_OPTION', 'encodeCallback: `callback` must be a JSON string or an object');
  }
  const json =
    typeof callback === 'string'
      ? JSON.stringify(checkText('INVALID_OPTION', 'encodeCallback: `callback`', callback))
      : toJson('encodeCallback', callback);
  return call(() => glue.encodeCallback(json));
}

/** base64 `x-oss-callback-var` from `{ 'x:name': 'value' }`. */
export function encodeCallbackVar(vars) {
  return call(() => glue.encodeCallbackVar(toJson('encodeCallbackVar', vars)));
}

// ---- object keys (oss-spec §6) ----

/** A new, unguessable object key: `{ prefix, name, now, dateFolders }`. */
export function objectKey(options = {}) {
  const json = toJson('objectKey', options);
  return call(() => glue.objectKey(json, now()));
}

/** Returns `key`, or throws INVALID_OBJECT_KEY saying what OSS would reject. */
export function validateKey(key) {
  checkText('INVALID_OBJECT_KEY', 'an object key', key);
  return call(() => glue.validateKey(key));
}

/** A key prefix as a folder (`/a/b` → `a/b/`). */
export function normalizePrefix(prefix) {
  if (typeof prefix !== 'string') throw new OssupError('INVALID_OPTION', 'normalizePrefix: `prefix` must be a string');
  checkText('INVALID_OBJECT_KEY', 'normalizePrefix: `prefix`', prefix);
  return call(() => glue.normalizePrefix(prefix));
}

// ---- checksums (oss-spec §5) ----

// Bytes cross into wasm as a copy: longer inputs go in pieces of this size, so the module's
// memory (which never shrinks) stays small however large a file is hashed in one call.
const BYTES_CHUNK = 1024 * 1024;

/** CRC-64/XZ (`x-oss-hash-crc64ecma`) as a decimal string, continuing from `previous`. */
export function crc64(data, previous) {
  const bytes = toBytes('crc64', data);
  let value = crcText('previous', previous);
  if (bytes.length <= BYTES_CHUNK) return call(() => glue.crc64(bytes, value));
  for (let at = 0; at < bytes.length; at += BYTES_CHUNK) {
    const piece = bytes.subarray(at, at + BYTES_CHUNK);
    value = call(() => glue.crc64(piece, value));
  }
  return value;
}

/** `crc(A‖B)` from `crc(A)`, `crc(B)` and the byte length of B. */
export function crc64Combine(crcA, crcB, lengthB) {
  const a = crcText('crcA', crcA);
  const b = crcText('crcB', crcB);
  if (a === undefined || b === undefined)
    throw new OssupError('INVALID_CRC64', 'crc64Combine needs two CRCs as decimal strings');
  if (typeof lengthB !== 'number')
    throw new OssupError('INVALID_OPTION', 'crc64Combine: lengthB must be a number of bytes');
  return call(() => glue.crc64Combine(a, b, lengthB));
}

/** A streaming CRC-64 `{ update(bytes), digest() }`; holds only the running value, no wasm memory. */
export function createCrc64(previous) {
  return crcStream(crc64, previous);
}

/** base64 MD5 of bytes (`Content-MD5`). */
export function md5Base64(data) {
  const bytes = toBytes('md5Base64', data);
  if (bytes.length > BYTES_CHUNK) return createMd5().update(bytes).digest('base64');
  return call(() => glue.md5Base64(bytes));
}

/** Lowercase hex MD5 of bytes. */
export function md5Hex(data) {
  const bytes = toBytes('md5Hex', data);
  if (bytes.length > BYTES_CHUNK) return createMd5().update(bytes).digest('hex');
  return call(() => glue.md5Hex(bytes));
}

/** A streaming MD5 `{ update(bytes), digest('base64' | 'hex') }`; digest frees its wasm memory. */
export function createMd5() {
  const state = call(() => new glue.Md5());
  let done = false;
  const stream = {
    update(data) {
      if (done) throw new OssupError('INVALID_STATE', 'this MD5 was already digested');
      const bytes = toBytes('md5.update', data);
      for (let at = 0; at < bytes.length; at += BYTES_CHUNK) {
        const piece = at === 0 && bytes.length <= BYTES_CHUNK ? bytes : bytes.subarray(at, at + BYTES_CHUNK);
        call(() => state.update(piece));
      }
      return stream;
    },
    digest(encoding = 'base64') {
      if (done) throw new OssupError('INVALID_STATE', 'this MD5 was already digested');
      done = true;
      const out = call(() => (encoding === 'hex' ? state.digestHex() : state.digestBase64()));
      state.free();
      return out;
    },
  };
  return stream;
}

/** The core's version. */
export function coreVersion() {
  return call(() => glue.coreVersion());
}
