// Node: the module is read and instantiated synchronously on import, so
// `require('ossup').signPostPolicyV4(...)` works on the next line.
import { readFileSync } from 'node:fs';
import { attachInstance, wasmImports } from './core.js';
import { configureRandom } from './random.js';
import { registerTransport } from './platform.js';
import { nodeTransport } from './transports/node.js';

export function loadNodeSync(wasmFile) {
  const module = new WebAssembly.Module(readFileSync(wasmFile));
  attachInstance(new WebAssembly.Instance(module, wasmImports()), 'WebAssembly');
  configureRandom(null);
  registerTransport(nodeTransport);
}
