// Checks of values on their way into the core (core.js), with the codes and messages the Rust
// core uses for the same mistakes.
import { OssupError, callerError } from './errors.js';
import { encode } from './utf8.js';

/**
 * The most UTF-16 code units one call passes into a core (its strings together, or its
 * options as JSON): OSS takes at most 8 MB of form fields before `file` (EC 0006-00000112), so
 * no policy, form or request it accepts is longer, and the core's input buffer stays ≤ 24 MiB.
 */
export const MAX_INPUT_UNITS = 8 * 1024 * 1024;

/** INPUT_TOO_LARGE for `what` (e.g. "signPostPolicyV4: `policy`") of `length` UTF-16 units. */
export const tooLarge = (what, length, total = length) =>
  new OssupError(
    'INPUT_TOO_LARGE',
    `${what} is ${length} characters long${total > length ? ` (${total} with the call's other strings)` : ''}; ossup takes at most ${MAX_INPUT_UNITS} (8 Mi) per call, as OSS accepts at most 8 MB of form fields`,
  );

// A lone UTF-16 surrogate cannot be UTF-8: it would silently become U+FFFD on the way in.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;

/** Whether `text` holds a lone UTF-16 surrogate (no UTF-8 for it). */
export const hasLoneSurrogate = (text) => LONE_SURROGATE.test(text);

/** MISSING_OPTION for a required string option, as src/error.rs writes it. */
export const missingOption = (name) =>
  new OssupError('MISSING_OPTION', `\`${name}\` is required and must be a non-empty string`);

/** INVALID_OPTION for a name `what` does not take, as src/api.rs writes it. */
export function unknownOption(what, name, known) {
  return new OssupError(
    'INVALID_OPTION',
    `\`${what}\` has an unknown option "${name}"; known options: ${known.join(', ')}`,
  );
}

export function checkText(code, what, text) {
  if (typeof text !== 'string') throw new OssupError(code, `${what} must be a string`);
  if (text.length > MAX_INPUT_UNITS) throw tooLarge(what, text.length);
  if (LONE_SURROGATE.test(text)) {
    throw new OssupError(
      code,
      `${what} has a lone UTF-16 surrogate (broken Unicode, e.g. half an emoji): fix the string`,
    );
  }
  return text;
}

/**
 * `checkText` for a string option, the message (`what: \`option\``) built only for a bad
 * string: this runs on every string of every call.
 */
export function checkOptionText(what, option, value) {
  return LONE_SURROGATE.test(value) ? checkText('INVALID_OPTION', `${what}: \`${option}\``, value) : value;
}

/** Checks every value under a top-level option; errors name that option. */
export function checkValues(what, option, value, depth = 0, seen = new Set()) {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new OssupError('INVALID_OPTION', `${what}: \`${option}\` has ${value}; pass a finite number`);
  }
  if (typeof value === 'bigint') {
    throw new OssupError('INVALID_OPTION', `${what}: \`${option}\` is a BigInt; pass a number or a string`);
  }
  if (typeof value === 'string') checkOptionText(what, option, value);
  // (each object once: a cycle or a shared object is not walked again)
  if (value && typeof value === 'object' && depth < 8 && !seen.has(value)) {
    seen.add(value);
    for (const key of Object.keys(value)) checkValues(what, option, value[key], depth + 1, seen);
  }
}

export function checkOptionsObject(what, options) {
  let array;
  try {
    array = Array.isArray(options); // (throws for a revoked Proxy)
  } catch (error) {
    throw callerError(what, error);
  }
  if (options === null || typeof options !== 'object' || array) {
    throw new OssupError('INVALID_OPTION', `${what} expects an options object`);
  }
}

// What JSON.stringify writes for the values checkValues refuses: `null` for NaN and Infinity,
// a `\uXXXX` escape for a lone surrogate (it escapes nothing else above U+001F). Text without
// either has none of them, and the walk is skipped. A false alarm, e.g. a real null, only
// costs the walk.
const MAYBE_REFUSED = /null|\\u[dD]/;

/** Why `JSON.stringify(options)` threw, as an OssupError naming the option where it can. */
function unwritable(what, options, error) {
  if (error instanceof OssupError) return error;
  // A BigInt, NaN or a lone surrogate: say which option (reading it may throw again).
  try {
    for (const key of Object.keys(options)) checkValues(what, key, options[key]);
  } catch (checked) {
    if (checked instanceof OssupError) return checked;
  }
  const message = error && error.message;
  if (error instanceof RangeError && /string length/i.test(message)) {
    return new OssupError('INPUT_TOO_LARGE', `${what}: the options are too large to write as JSON`, { cause: error });
  }
  if (error instanceof RangeError && /call stack/i.test(message)) {
    return new OssupError('INVALID_OPTION', `${what}: the options are nested too deeply to write as JSON`, {
      cause: error,
    });
  }
  if (error instanceof TypeError && /circular|cyclic/i.test(message)) {
    return new OssupError('INVALID_OPTION', `${what}: the options refer to themselves (a cycle); pass plain data`, {
      cause: error,
    });
  }
  if (error instanceof TypeError && /BigInt/.test(message)) {
    return new OssupError('INVALID_OPTION', `${what}: options cannot be written as JSON (${message})`, {
      cause: error,
    });
  }
  // Anything else came from the caller's own code: a getter, a Proxy trap or a toJSON.
  return callerError(`${what}: the options`, error);
}

export function toJson(what, options) {
  checkOptionsObject(what, options);
  // NaN and Infinity would become null (an absent option) in JSON, and a lone surrogate U+FFFD:
  // refuse them instead, naming the option.
  let json;
  try {
    json = JSON.stringify(options);
  } catch (error) {
    throw unwritable(what, options, error);
  }
  // A toJSON() can make the options anything, or nothing (undefined).
  if (typeof json !== 'string' || json[0] !== '{') {
    throw new OssupError(
      'INVALID_OPTION',
      `${what} expects an options object; its toJSON() gave ${json === undefined ? 'undefined' : 'something else'}`,
    );
  }
  if (json.length > MAX_INPUT_UNITS) throw tooLarge(`${what}: the options (as JSON)`, json.length);
  if (MAYBE_REFUSED.test(json)) {
    try {
      for (const key of Object.keys(options)) checkValues(what, key, options[key]);
    } catch (error) {
      throw callerError(`${what}: the options`, error);
    }
  }
  return json;
}

export function toBytes(what, data) {
  try {
    return bytesOf(what, data);
  } catch (error) {
    throw callerError(what, error); // a Proxy whose traps throw
  }
}

function bytesOf(what, data) {
  // isView first: it is false for a Proxy, which `instanceof Uint8Array` can pass.
  if (ArrayBuffer.isView(data)) {
    return data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (typeof data === 'string') return encode(data);
  throw new OssupError('INVALID_OPTION', `${what} expects bytes (Uint8Array, ArrayBuffer) or a string`);
}

export function crcText(what, value) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !/^\d{1,20}$/.test(value)) {
    throw new OssupError(
      'INVALID_CRC64',
      `\`${what}\` must be a CRC-64 as a decimal string of digits, as in x-oss-hash-crc64ecma (a JS number cannot hold 64 bits exactly)`,
    );
  }
  return value;
}

/** A streaming CRC-64 over `crc64(bytes, previous)`: `{ update(bytes), digest() }`, holding only the running value. */
export function crcStream(crc64, previous) {
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
