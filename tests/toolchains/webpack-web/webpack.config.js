// webpack 5 needs nothing for ossup: it emits ossup.wasm from `new URL('./ossup.wasm', import.meta.url)`.
export default {
  mode: 'production',
  entry: './src/main.js',
  output: { path: new URL('./dist/', import.meta.url).pathname, filename: 'main.js' },
};
