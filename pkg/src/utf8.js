// UTF-8 without TextEncoder/TextDecoder: mini-program runtimes (WeChat, Alipay, Douyin) have
// neither, and wasm-bindgen's glue would call them at load time (DESIGN-NOTES). The native
// codec is used where it exists; this one everywhere else. Lone surrogates become U+FFFD,
// as TextEncoder does, and malformed input decodes to U+FFFD, as TextDecoder does.

const NativeEncoder = typeof TextEncoder === 'function' ? TextEncoder : null;
const NativeDecoder = typeof TextDecoder === 'function' ? TextDecoder : null;
const nativeEncoder = NativeEncoder ? new NativeEncoder() : null;
const nativeDecoder = NativeDecoder ? new NativeDecoder('utf-8', { ignoreBOM: true }) : null;

/** Writes `text` as UTF-8 into `view`; returns `{ read, written }` like `TextEncoder.encodeInto`. */
export function encodeIntoPortable(text, view) {
  let read = 0;
  let written = 0;
  const length = text.length;
  const capacity = view.length;
  while (read < length) {
    let code = text.charCodeAt(read);
    let units = 1;
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = read + 1 < length ? text.charCodeAt(read + 1) : 0;
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        units = 2;
      } else {
        code = 0xfffd;
      }
    }
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (written + size > capacity) break;
    if (size === 1) {
      view[written++] = code;
    } else if (size === 2) {
      view[written++] = 0xc0 | (code >> 6);
      view[written++] = 0x80 | (code & 0x3f);
    } else if (size === 3) {
      view[written++] = 0xe0 | (code >> 12);
      view[written++] = 0x80 | ((code >> 6) & 0x3f);
      view[written++] = 0x80 | (code & 0x3f);
    } else {
      view[written++] = 0xf0 | (code >> 18);
      view[written++] = 0x80 | ((code >> 12) & 0x3f);
      view[written++] = 0x80 | ((code >> 6) & 0x3f);
      view[written++] = 0x80 | (code & 0x3f);
    }
    read += units;
  }
  return { read, written };
}

/** UTF-8 bytes of `text`. */
export function encodePortable(text) {
  const out = new Uint8Array(text.length * 3);
  const { written } = encodeIntoPortable(text, out);
  return out.slice(0, written);
}

/** Decodes UTF-8 bytes; invalid sequences become U+FFFD. */
export function decodePortable(bytes) {
  let out = '';
  let chunk = [];
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i];
    let code = 0xfffd;
    let size = 1;
    if (b < 0x80) {
      code = b;
    } else if (b >= 0xc2 && b <= 0xf4) {
      const need = b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
      const lo = (b === 0xe0 && 0xa0) || (b === 0xf0 && 0x90) || 0x80;
      const hi = (b === 0xed && 0x9f) || (b === 0xf4 && 0x8f) || 0xbf;
      let value = b & (need === 2 ? 0x1f : need === 3 ? 0x0f : 0x07);
      let k = 1;
      for (; k < need && i + k < n; k++) {
        const c = bytes[i + k];
        if (c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) break;
        value = (value << 6) | (c & 0x3f);
      }
      if (k === need) code = value;
      size = k;
    }
    if (code > 0xffff) {
      code -= 0x10000;
      chunk.push(0xd800 + (code >> 10), 0xdc00 + (code & 0x3ff));
    } else {
      chunk.push(code);
    }
    i += size;
    if (chunk.length >= 4096) {
      out += String.fromCharCode.apply(null, chunk);
      chunk = [];
    }
  }
  return out + String.fromCharCode.apply(null, chunk);
}

export const encodeInto =
  nativeEncoder && nativeEncoder.encodeInto ? (text, view) => nativeEncoder.encodeInto(text, view) : encodeIntoPortable;
export const encode = nativeEncoder ? (text) => nativeEncoder.encode(text) : encodePortable;

// What comes back from the core is mostly short ASCII (signatures, keys, dates): copying the
// bytes beats a TextDecoder call only for the shortest. (Mini programs have no TextDecoder:
// decodePortable.) The codes go through a plain array: `fromCharCode.apply` with a typed
// array takes a slow path.
const SHORT = 32;
function shortAscii(bytes, start, n) {
  if (n > SHORT) return null;
  const codes = new Array(n);
  for (let i = 0; i < n; i++) {
    const b = bytes[start + i];
    if (b > 0x7f) return null;
    codes[i] = b;
  }
  return String.fromCharCode.apply(null, codes);
}
const decodeLong = nativeDecoder ? (bytes) => nativeDecoder.decode(bytes) : decodePortable;
/** Decodes UTF-8: all of `bytes`, or the `length` bytes from `start`. */
export const decode = (bytes, start = 0, length = bytes.length - start) => {
  const ascii = shortAscii(bytes, start, length);
  return ascii === null ? decodeLong(bytes.subarray(start, start + length)) : ascii;
};
