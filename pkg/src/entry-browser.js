// Browsers and WebViews (H5): `await ready()` fetches and instantiates ossup.wasm from beside
// this file, or from `ready({ wasm })`: a URL, a Response, bytes or a WebAssembly.Module.
import { setLoader } from './core.js';
import { configureRandom } from './random.js';
import { registerTransport } from './platform.js';
import { webTransport } from './transports/web.js';

registerTransport(webTransport);

setLoader(async (imports, options) => {
  configureRandom(null);
  let source = options.wasm || new URL('./ossup.wasm', import.meta.url);
  if (typeof source === 'string' || source instanceof URL) source = fetch(source);
  source = await source;
  if (typeof Response === 'function' && source instanceof Response) {
    if (!source.ok) throw new Error(`fetching ossup.wasm answered HTTP ${source.status}: check the wasm URL`);
    source = await source.arrayBuffer();
  }
  const result = await WebAssembly.instantiate(source, imports);
  return { instance: result.instance || result, engine: 'WebAssembly' };
});
export * from './index.js';
