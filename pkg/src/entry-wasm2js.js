// Pure JavaScript build: the same core compiled by wasm2js, for runtimes without WebAssembly
// (Alipay mini programs, old WebViews). Loaded synchronously; no BigInt anywhere.
import { instantiate } from '../dist/ossup.wasm2js.js';
import { attachInstance, wasmImports } from './core.js';
import { configureRandom } from './random.js';

attachInstance(instantiate(wasmImports()), 'wasm2js');
configureRandom(null);
export * from './index.js';
