// How each platform instantiates a core module, shared by the entries of both cores.
import { configureRandom } from './random.js';
import { OssupError } from './errors.js';

/**
 * WeChat, Douyin (and uni-app compiled to them): WXWebAssembly / TTWebAssembly load only from
 * a path inside the code package (DESIGN-NOTES). `null` where neither exists.
 */
export async function instantiateInPackage(path, imports) {
  if (typeof WXWebAssembly !== 'undefined') {
    configureRandom(typeof wx !== 'undefined' ? wx : null, 'wx');
    const result = await WXWebAssembly.instantiate(path, imports);
    return { instance: result.instance || result, engine: 'WXWebAssembly' };
  }
  if (typeof TTWebAssembly !== 'undefined') {
    configureRandom(typeof tt !== 'undefined' ? tt : null, 'tt');
    const result = await TTWebAssembly.instantiate(path, imports);
    return { instance: result.instance || result, engine: 'TTWebAssembly' };
  }
  return null;
}

const SYNC_COMPILE_BYTES = 64 * 1024;

/** What came instead of a wasm module, in words: "got HTML (<!doctype html>…)", or its first bytes. */
function describeBytes(bytes) {
  if (bytes.length === 0) return 'got an empty body';
  const head = String.fromCharCode(...bytes.subarray(0, 40));
  const shown = head.replace(/\s+/g, ' ').replace(/[^\x20-\x7e]/g, '.');
  if (/^\s*<(!doctype|html|head|body|script|\?xml|!--)/i.test(head)) return `got HTML ("${shown}…")`;
  if (/^[\x09\x0a\x0d\x20-\x7e]+$/.test(head)) return `got text ("${shown}…")`;
  const hex = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `got bytes ${hex} instead of 00 61 73 6d`;
}

/**
 * Standard WebAssembly from a URL, a Response (or its promise), bytes or a WebAssembly.Module.
 * A failed load says what happened, where, and `hint` (what to change).
 */
export async function instantiateWeb(given, imports, what, hint = '') {
  configureRandom(null);
  const advice = hint ? `: ${hint}` : '';
  const details = hint ? { hint } : undefined;
  let source = given;
  let url; // where the bytes came from, for the message
  if (typeof source === 'string' || (typeof URL === 'function' && source instanceof URL)) {
    url = String(source);
    try {
      source = await fetch(source);
    } catch (error) {
      throw new OssupError(
        'WASM_LOAD_FAILED',
        `fetching ${what} from ${url} failed (${error && error.message})${advice}`,
        {
          ...details,
          cause: error,
        },
      );
    }
  }
  source = await source;
  if (typeof Response === 'function' && source instanceof Response) {
    url = source.url || url || 'the given Response';
    if (!source.ok) {
      throw new OssupError(
        'WASM_LOAD_FAILED',
        `fetching ${what} from ${url} answered HTTP ${source.status}${advice}`,
        details,
      );
    }
    source = await source.arrayBuffer();
  }
  if (ArrayBuffer.isView(source) || source instanceof ArrayBuffer) {
    const bytes = ArrayBuffer.isView(source)
      ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
      : new Uint8Array(source);
    if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
      const origin = url ? `${what} from ${url}` : `the ${what} bytes given`;
      throw new OssupError(
        'WASM_LOAD_FAILED',
        `${origin} is not WebAssembly: ${describeBytes(bytes)}${advice}`,
        details,
      );
    }
  }
  // A small module from bytes compiles faster synchronously than through the async API's
  // round trips; a big one compiles off the main thread. Engines that refuse it fall back to async.
  if (ArrayBuffer.isView(source) || source instanceof ArrayBuffer) {
    if (source.byteLength <= SYNC_COMPILE_BYTES) {
      try {
        return { instance: new WebAssembly.Instance(new WebAssembly.Module(source), imports), engine: 'WebAssembly' };
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
      }
    }
  }
  const result = await WebAssembly.instantiate(source, imports);
  return { instance: result.instance || result, engine: 'WebAssembly' };
}
