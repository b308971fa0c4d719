import { join } from 'node:path';
import { loadNodeSync } from './node-loader.js';

// eslint-disable-next-line no-undef
loadNodeSync(join(__dirname, 'ossup.wasm'));
export * from './index.js';
