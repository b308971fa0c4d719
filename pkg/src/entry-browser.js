// Browsers and WebViews (H5): `await ready()` fetches and instantiates ossup.wasm from beside
// this file, or from `ready({ wasm })`: a URL, a Response, bytes or a WebAssembly.Module.
import { setLoader } from './core.js';
import { registerTransport } from './platform.js';
import { webTransport } from './transports/web.js';
import { instantiateWeb } from './loaders.js';
import { OssupError } from './errors.js';

registerTransport(webTransport);

// What to change when ossup.wasm is not where this file says (README "Bundlers").
const BUNDLER_HINT =
  'ossup.wasm must sit beside the bundle that holds ossup — Vite dev server 5-7: add optimizeDeps: { exclude: [\'ossup\'] } to vite.config; Rollup, esbuild: copy node_modules/ossup/dist/ossup.wasm into the output folder; or pass ready({ wasm: url }) (README "Bundlers")';

function bundledWasmUrl() {
  try {
    // Literally this expression: Vite and webpack find it and emit the file.
    return new URL('./ossup.wasm', import.meta.url);
  } catch (error) {
    throw new OssupError(
      'WASM_LOAD_FAILED',
      `this bundle has no import.meta.url to find ossup.wasm by (an iife or CommonJS bundle?): bundle as ES modules (esbuild --format=esm) or pass ready({ wasm: url }) (README "Bundlers")`,
      { cause: error },
    );
  }
}

setLoader((imports, options) =>
  options.wasm
    ? instantiateWeb(options.wasm, imports, 'ossup.wasm')
    : instantiateWeb(bundledWasmUrl(), imports, 'ossup.wasm', BUNDLER_HINT),
);
export * from './index.js';
