import * as esbuild from 'esbuild';
import zlib from 'node:zlib';
const ext = process.argv.slice(2);
const r = await esbuild.build({ stdin: { contents: `export { createUploader, ready } from './pkg/src/entry-miniprogram.js';`, resolveDir: '.', loader: 'js' }, bundle: true, minify: true, format: 'cjs', write: false, external: ext, metafile: true, treeShaking: true });
const code = r.outputFiles[0].contents;
console.log(code.length, zlib.brotliCompressSync(code, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length);
const a = await esbuild.analyzeMetafile(r.metafile); console.log(a.split('\n').slice(0,30).join('\n'));
