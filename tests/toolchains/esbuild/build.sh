esbuild src/main.js --bundle --format=esm --outdir=dist && cp node_modules/ossup/dist/ossup.wasm dist/
