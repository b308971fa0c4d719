// Browsers and WebViews (H5): `await ready()` fetches and instantiates ossup.wasm from beside
// this file, or from `ready({ wasm })`: a URL, a Response, bytes or a WebAssembly.Module.
import { setLoader } from './core.js';
import { registerTransport } from './platform.js';
import { webTransport } from './transports/web.js';
import { instantiateWeb } from './loaders.js';

registerTransport(webTransport);

setLoader((imports, options) =>
  instantiateWeb(options.wasm || new URL('./ossup.wasm', import.meta.url), imports, 'ossup.wasm'),
);
export * from './index.js';
