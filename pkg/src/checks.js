// Checks of values on their way into a core (both cores: core.js and post/core.js), with the
// codes and messages the Rust core uses for the same mistakes.
import { OssupError } from './errors.js';
import { encode } from './utf8.js';

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
export function checkValues(what, option, value, depth = 0) {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new OssupError('INVALID_OPTION', `${what}: \`${option}\` has ${value}; pass a finite number`);
  }
  if (typeof value === 'bigint') {
    throw new OssupError('INVALID_OPTION', `${what}: \`${option}\` is a BigInt; pass a number or a string`);
  }
  if (typeof value === 'string') checkOptionText(what, option, value);
  if (value && typeof value === 'object' && depth < 8) {
    for (const key of Object.keys(value)) checkValues(what, option, value[key], depth + 1);
  }
}

export function checkOptionsObject(what, options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new OssupError('INVALID_OPTION', `${what} expects an options object`);
  }
}

// What JSON.stringify writes for the values checkValues refuses: `null` for NaN and Infinity,
// a `\uXXXX` escape for a lone surrogate (it escapes nothing else above U+001F). Text without
// either has none of them, and the walk is skipped (the V4 header signature's options: 0.3 µs
// of 11 in Node 20, 2026-12-06). A false alarm, e.g. a real null, only costs the walk.
const MAYBE_REFUSED = /null|\\u[dD]/;

export function toJson(what, options) {
  checkOptionsObject(what, options);
  // NaN and Infinity would become null (an absent option) in JSON, and a lone surrogate U+FFFD:
  // refuse them instead, naming the option.
  const checkAll = () => {
    for (const key of Object.keys(options)) checkValues(what, key, options[key]);
  };
  let json;
  try {
    json = JSON.stringify(options);
  } catch (error) {
    checkAll(); // a BigInt: say which option
    throw new OssupError('INVALID_OPTION', `${what}: options cannot be written as JSON (${error.message})`);
  }
  if (MAYBE_REFUSED.test(json)) checkAll();
  return json;
}

export function toBytes(what, data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
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
