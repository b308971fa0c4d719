import { loadNodeSync } from './node-loader.js';

loadNodeSync(new URL('./ossup.wasm', import.meta.url));
export * from './index.js';
