// Node: the module is read and instantiated synchronously on import, so
// `require('ossup').signPostPolicyV4(...)` works on the next line.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { attachInstance, wasmImports } from './core.js';
import { configureRandom } from './random.js';
import { registerTransport } from './platform.js';
import { nodeTransport } from './transports/node.js';
import { OssupError } from './errors.js';

function readWasm(wasmFile) {
  try {
    return readFileSync(wasmFile);
  } catch (error) {
    const path = typeof wasmFile === 'string' ? wasmFile : fileURLToPath(wasmFile);
    // A bundler that moved this file without ossup.wasm: webpack (Next.js) follows only the ES
    // module build's `new URL(…, import.meta.url)`, which the "webpack" export condition selects.
    throw new OssupError(
      'WASM_LOAD_FAILED',
      `cannot read ossup.wasm at ${path} (${error.code || error.message}): ossup was bundled without its wasm file — keep it out of the server bundle (webpack: externals: { ossup: 'commonjs ossup' }; Next.js: serverExternalPackages: ['ossup']) or copy node_modules/ossup/dist/ossup.wasm to that path (README "Bundlers")`,
      { cause: error },
    );
  }
}

export function loadNodeSync(wasmFile) {
  const module = new WebAssembly.Module(readWasm(wasmFile));
  attachInstance(new WebAssembly.Instance(module, wasmImports()), 'WebAssembly');
  configureRandom(null);
  registerTransport(nodeTransport);
}
