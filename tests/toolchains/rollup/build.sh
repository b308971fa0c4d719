rollup -c && cp node_modules/ossup/dist/ossup.wasm dist/
