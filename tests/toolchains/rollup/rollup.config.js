// README "Bundlers": Rollup resolves ossup's browser build; `cp` puts ossup.wasm beside it.
import { nodeResolve } from '@rollup/plugin-node-resolve';

export default {
  input: 'src/main.js',
  output: { dir: 'dist', format: 'es' },
  plugins: [nodeResolve({ browser: true })],
};
