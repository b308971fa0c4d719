// How each platform instantiates a core module, shared by the entries of both cores.
import { configureRandom } from './random.js';

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

/** Standard WebAssembly from a URL, a Response (or its promise), bytes or a WebAssembly.Module. */
export async function instantiateWeb(given, imports, what) {
  configureRandom(null);
  let source = given;
  if (typeof source === 'string' || source instanceof URL) source = fetch(source);
  source = await source;
  if (typeof Response === 'function' && source instanceof Response) {
    if (!source.ok) throw new Error(`fetching ${what} answered HTTP ${source.status}: check the wasm URL`);
    source = await source.arrayBuffer();
  }
  // A small module from bytes compiles faster synchronously than through the async API's
  // round trips (measured in Chromium for ossup-post.wasm, 21 KB: 1.4 vs 2.6 ms to ready());
  // a big one compiles off the main thread. Engines that refuse it fall back to async.
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
