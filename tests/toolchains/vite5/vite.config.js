// README "Bundlers": Vite 5-7's dev server pre-bundles dependencies into node_modules/.vite,
// away from ossup.wasm; this line keeps ossup where it is. (vite8/ has no config at all.)
export default { optimizeDeps: { exclude: ['ossup'] } };
