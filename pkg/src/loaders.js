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
  const result = await WebAssembly.instantiate(source, imports);
  return { instance: result.instance || result, engine: 'WebAssembly' };
}
