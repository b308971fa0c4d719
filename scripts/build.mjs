#!/usr/bin/env node
// Builds pkg/dist from the Rust core: cargo (wasm32, MVP) → wasm-bindgen (web target) →
// strip exported Globals → wasm-opt -Oz → .wasm.br; wasm2js fallback; post-processed glue;
// esbuild bundles per platform. Prints the sizes. Run through `make build` (it sets PATH).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import * as esbuild from 'esbuild';
import { stripGlobalExports, exportedSignatures, customSections } from './wasm-tools.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'pkg', 'dist');
const work = join(root, 'target', 'ossup-build');
const run = (cmd, args, env = {}) =>
  execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });

// 1. Rust → wasm32 (MVP features: WeChat iOS and wasm2js need them; see TOOLCHAIN.md).
// Its own target dir: on the offline route this is Debian's rustc, whose host artifacts
// (proc macros) must not mix with the rustup toolchain's in target/debug.
const wasmTarget = join(root, 'target', 'wasm');
// Where the standard library's source is at hand (the offline route always has it), std is
// rebuilt with panics as an immediate trap: no panic messages, formatting machinery or source
// paths of panic locations (`-Zlocation-detail=none`) in the module. A panic in wasm is an opaque trap either way, and the core's
// inputs never panic (fuzzed). Otherwise the ordinary prebuilt std is used.
const wasmPath = process.env.OSSUP_WASM_PATH || process.env.PATH;
const sysroot = execFileSync('rustc', ['--print', 'sysroot'], { env: { ...process.env, PATH: wasmPath } })
  .toString()
  .trim();
const stdSource = existsSync(join(sysroot, 'lib/rustlib/src/rust/library/std'));
const cargoArgs = ['build', '--release', '--target', 'wasm32-unknown-unknown', '--quiet'];
const cargoEnv = { PATH: wasmPath, CARGO_TARGET_DIR: wasmTarget };
if (stdSource && process.env.OSSUP_PLAIN_STD !== '1') {
  cargoArgs.push('-Zbuild-std=std,panic_abort');
  cargoEnv.RUSTC_BOOTSTRAP = '1';
  cargoEnv.CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS =
    '-Ctarget-cpu=mvp -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none';
}
// `small` (SHA-256 as a loop) in every build: 1 KB brotli for no measurable signing time.
run('cargo', [...cargoArgs, '--features', 'small'], cargoEnv);
// ossup/post's core: the same crate without its `full` feature, in its own invocation and
// profile (Cargo.toml says why).
run(
  'cargo',
  [
    ...cargoArgs.filter((a) => a !== '--release'),
    '--profile',
    'release-post',
    '--no-default-features',
    '--features',
    'small',
  ],
  cargoEnv,
);
// The wasm2js build's: the full core again, at opt-level "z" (Cargo.toml says why).
run(
  'cargo',
  [...cargoArgs.filter((a) => a !== '--release'), '--profile', 'release-small', '--features', 'small'],
  cargoEnv,
);
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

// 2. wasm-bindgen: the `web` target's glue is the easiest to re-home on every platform. Every
//    module gets it; their imports are checked to be the full one's, so one glue (the full
//    module's) serves them all.
const bindgen = (input, dir) =>
  run('wasm-bindgen', ['--target', 'web', '--out-dir', dir, '--out-name', 'ossup', '--no-typescript', input]);
bindgen(join(wasmTarget, 'wasm32-unknown-unknown/release/ossup.wasm'), work);
bindgen(join(wasmTarget, 'wasm32-unknown-unknown/release-post/ossup.wasm'), join(work, 'post'));
bindgen(join(wasmTarget, 'wasm32-unknown-unknown/release-small/ossup.wasm'), join(work, 'small'));
// 3. iOS WeChat rejects modules that export a Global (DESIGN-NOTES); then optimise for size,
//    check what ships, and write its .br. The same for both cores.
const brotli = (bytes) => brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
function shipWasm(input, name, dir = dist) {
  const stripped = join(work, `${name}.stripped.wasm`);
  writeFileSync(stripped, stripGlobalExports(readFileSync(input)));
  const file = join(dir, name);
  // --converge: passes again until the module stops shrinking (0.1-0.2 KB brotli here).
  run('wasm-opt', ['-Oz', '--converge', '--strip-debug', '--strip-producers', stripped, '-o', file]);
  const wasm = readFileSync(file);
  // cargo keeps symbol names (Cargo.toml: bench/ reads them); what ships has none.
  const custom = customSections(wasm);
  if (custom.length) throw new Error(`${name} still has custom sections: ${custom.join(', ')}`);
  const signatures = exportedSignatures(wasm);
  const globals = signatures.filter((e) => e.kind !== 'function' && e.kind !== 'memory');
  if (globals.length) throw new Error(`${name} still exports ${globals.map((g) => g.name)}`);
  const bigints = signatures.filter((e) => e.kind === 'function' && /i64/.test(e.type));
  if (bigints.length) {
    throw new Error(
      `${name}: exports with 64-bit integers (BigInt in JS, impossible in wasm2js/Alipay): ${bigints.map((e) => e.name)}`,
    );
  }
  writeFileSync(`${file}.br`, brotli(wasm));
  return file;
}
const wasmFile = shipWasm(join(work, 'ossup_bg.wasm'), 'ossup.wasm');
const postWasmFile = shipWasm(join(work, 'post', 'ossup_bg.wasm'), 'ossup-post.wasm');
const smallWasmFile = shipWasm(join(work, 'small', 'ossup_bg.wasm'), 'ossup-small.wasm', work);
{
  const names = (list) => new Set(list.map((i) => `${i.module || ''}.${i.name}`));
  const module = (file) => new WebAssembly.Module(readFileSync(file));
  const fullImports = names(WebAssembly.Module.imports(module(wasmFile)));
  const fullExports = names(WebAssembly.Module.exports(module(wasmFile)));
  for (const file of [postWasmFile, smallWasmFile]) {
    const missing = [...names(WebAssembly.Module.imports(module(file)))].filter((n) => !fullImports.has(n));
    if (missing.length) throw new Error(`${file} imports what the full glue lacks: ${missing.join(', ')}`);
  }
  const exports = names(WebAssembly.Module.exports(module(smallWasmFile)));
  if (exports.size !== fullExports.size || [...exports].some((n) => !fullExports.has(n)))
    throw new Error('the wasm2js build exports other names than ossup.wasm');
}

// 4. The glue: our UTF-8 codec instead of TextEncoder/TextDecoder (absent in mini programs),
//    and instantiation left to the platform entries. Every edit must match exactly once, so a
//    wasm-bindgen upgrade that changes the glue fails the build here instead of at run time.
let glue = readFileSync(join(work, 'ossup.js'), 'utf8');
const edit = (pattern, replacement, what) => {
  const matches = glue.match(
    new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`),
  );
  if (!matches || matches.length !== 1)
    throw new Error(`glue edit "${what}" matched ${matches ? matches.length : 0} times`);
  glue = glue.replace(pattern, replacement);
};
edit(
  /let cachedTextDecoder = new TextDecoder[\s\S]*?\nfunction decodeText\(bytes\) \{[\s\S]*?\n\}\n/,
  'function decodeText(bytes) {\n    return utf8Decode(bytes);\n}\n',
  'decoder',
);
edit(
  /const cachedTextEncoder = new TextEncoder\(\);\n\nif \(!\('encodeInto' in cachedTextEncoder\)\) \{[\s\S]*?\n\}\n/,
  'const cachedTextEncoder = { encode: utf8Encode, encodeInto: utf8EncodeInto };\n',
  'encoder',
);
// wasm2js grows memory by swapping in a new ArrayBuffer without detaching the old one, so a
// view is stale when its buffer is not the memory's current buffer (not only when empty).
edit(
  /if \(cachedUint8ArrayMemory0 === null \|\| cachedUint8ArrayMemory0\.byteLength === 0\) \{/,
  'if (cachedUint8ArrayMemory0 === null || cachedUint8ArrayMemory0.buffer !== wasm.memory.buffer) {',
  'memory view',
);
// The DataView check trusts `buffer.detached` where it exists (Chromium, Node 22+), which is
// false for wasm2js's replaced buffers: compare the buffers instead, always.
edit(
  /if \(cachedDataViewMemory0 === null \|\| cachedDataViewMemory0\.buffer\.detached === true \|\| \(cachedDataViewMemory0\.buffer\.detached === undefined && cachedDataViewMemory0\.buffer !== wasm\.memory\.buffer\)\) \{/,
  'if (cachedDataViewMemory0 === null || cachedDataViewMemory0.buffer !== wasm.memory.buffer) {',
  'data view',
);
// The core's random source (src/wasm.rs imports it as a wasm-bindgen snippet): the package's
// own module, the one random.js installs its source into.
edit(
  /from '\.\/snippets\/ossup-[0-9a-f]+\/pkg\/src\/random-hook\.js';/,
  "from '../src/random-hook.js';",
  'random hook',
);
edit(
  /async function __wbg_load\([\s\S]*$/,
  'export { __wbg_get_imports };\nexport function __ossup_instantiated(instance) {\n    return __wbg_finalize_init(instance, undefined);\n}\n',
  'loader',
);
if (/new Text(De|En)coder|import\.meta|fetch\(|WebAssembly\./.test(glue)) {
  throw new Error('the glue still refers to a global that mini programs lack');
}
glue = `import { decode as utf8Decode, encode as utf8Encode, encodeInto as utf8EncodeInto } from '../src/utf8.js';\n${glue}`;
writeFileSync(join(dist, 'glue.js'), glue);

// 5. wasm2js: the same core (built for size) as plain JS, wrapped in `instantiate(imports)`.
const w2jRaw = join(work, 'ossup.wasm2js.raw.js');
run('wasm2js', ['-Oz', smallWasmFile, '-o', w2jRaw]);
let w2j = readFileSync(w2jRaw, 'utf8');
const importModule = './ossup_bg.js';
w2j = w2j.replace(/^import \{ \w+ \} from '\.\/ossup_bg\.js';\n/gm, '');
const call = w2j.indexOf('var retasmFunc = asmFunc(');
if (call < 0 || /^import /m.test(w2j) || /BigInt/.test(w2j)) throw new Error('unexpected wasm2js output');
w2j = `${w2j.slice(0, call)}export function instantiate(imports) {\n  return { exports: asmFunc(Object.assign({ abort() { throw new Error('abort'); } }, imports['${importModule}'])) };\n}\n`;
writeFileSync(join(dist, 'ossup.wasm2js.js'), w2j);

// 6. Bundles, one per platform entry.
const bundles = [
  ['entry-node.mjs', 'node.mjs', 'esm', 'node'],
  ['entry-node.cjs.js', 'node.cjs', 'cjs', 'node'],
  ['entry-browser.js', 'browser.mjs', 'esm', 'browser'],
  ['entry-miniprogram.js', 'miniprogram.cjs', 'cjs', 'neutral'],
  ['entry-wasm2js.js', 'wasm2js.mjs', 'esm', 'neutral'],
  ['entry-wasm2js.js', 'wasm2js.cjs', 'cjs', 'neutral'],
];
bundles.push(['entry-post.js', 'post-miniprogram.cjs', 'cjs', 'neutral']);
bundles.push(['entry-post.js', 'post.mjs', 'esm', 'neutral']);
for (const [entry, out, format, platform] of bundles) {
  const options = {
    entryPoints: [join(root, 'pkg', 'src', entry)],
    bundle: true,
    platform,
    logLevel: 'warning',
    external: ['node:*'],
  };
  // Node's builds unminified: an uncaught error's stack and source line stay readable there,
  // where size costs nothing.
  const minify = platform !== 'node';
  // Node finds the names of a CommonJS module's exports by reading its source
  // (cjs-module-lexer); esbuild writes them out for platform 'node' only, so the others get the
  // same never-run assignment, for `import { ready } from 'ossup/miniprogram'` in Node ESM.
  let footer = '';
  if (format === 'cjs' && platform !== 'node') {
    const { metafile } = await esbuild.build({ ...options, format: 'esm', write: false, metafile: true });
    const names = Object.values(metafile.outputs).flatMap((o) => o.exports);
    if (!names.length) throw new Error(`${out}: no exports found`);
    footer = `0 && (module.exports = { ${names.join(', ')} });`;
  }
  await esbuild.build({
    ...options,
    outfile: join(dist, out),
    format,
    target: format === 'esm' ? 'es2020' : 'es2018',
    minify,
    legalComments: 'none',
    footer: footer ? { js: footer } : undefined,
  });
}

// 7. The WeChat npm build copies the `miniprogram` folder (miniprogram_dist) into
//    miniprogram_npm/ossup as it is, resolves `require('ossup/x')` to x.js (no `exports`), and
//    uploads only .js/.wasm/.br files: so the bundle is index.js there, with one-line aliases.
const mini = join(root, 'pkg', 'miniprogram_dist');
rmSync(mini, { recursive: true, force: true });
mkdirSync(mini, { recursive: true });
writeFileSync(join(mini, 'index.js'), readFileSync(join(dist, 'miniprogram.cjs')));
for (const alias of ['miniprogram', 'vod'])
  writeFileSync(join(mini, `${alias}.js`), "module.exports = require('./index.js');\n");
writeFileSync(join(mini, 'ossup.wasm.br'), readFileSync(`${wasmFile}.br`));
// ossup/post: `require('ossup/post')` and its own small core.
writeFileSync(join(mini, 'post.js'), readFileSync(join(dist, 'post-miniprogram.cjs')));
writeFileSync(join(mini, 'ossup-post.wasm.br'), readFileSync(`${postWasmFile}.br`));
// CommonJS for Node too, should anything require it there (pkg/package.json says "module").
writeFileSync(join(mini, 'package.json'), '{ "type": "commonjs" }\n');
// The npm page and licence, and types for CommonJS `require` under node16/nodenext resolution.
// Its relative links point into the repository (the registry page shows the README alone).
const { repository } = JSON.parse(readFileSync(join(root, 'pkg', 'package.json'), 'utf8'));
const repo = repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
const raw = repo.replace('https://github.com/', 'https://raw.githubusercontent.com/');
const readme = readFileSync(join(root, 'README.md'), 'utf8').replace(
  /(!?)\[([^\]]*)\]\((?![a-z]+:|#)([^)\s]+)\)/g,
  (_, image, text, target) => `${image}[${text}](${image ? `${raw}/HEAD` : `${repo}/blob/HEAD`}/${target})`,
);
writeFileSync(join(root, 'pkg', 'README.md'), readme);
writeFileSync(join(root, 'pkg', 'LICENSE'), readFileSync(join(root, 'LICENSE')));
writeFileSync(join(root, 'pkg', 'index.d.cts'), readFileSync(join(root, 'pkg', 'index.d.ts')));
// ossup/post's, importing the full entry's CommonJS declarations (tests/types compiles both).
writeFileSync(
  join(root, 'pkg', 'post.d.cts'),
  readFileSync(join(root, 'pkg', 'post.d.ts'), 'utf8').replaceAll("from './index.js'", "from './index.cjs'"),
);

// 8. Sizes, as users pay them.
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const sizes = (file) => {
  const b = readFileSync(file);
  return [
    b.length,
    gzipSync(b, { level: 9 }).length,
    brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  ];
};
const rows = [
  ['ossup.wasm', wasmFile],
  ['wasm2js fallback (in wasm2js.cjs)', join(dist, 'wasm2js.cjs')],
  ['miniprogram.cjs (JS, WeChat/Douyin)', join(dist, 'miniprogram.cjs')],
  ['browser.mjs (JS)', join(dist, 'browser.mjs')],
  ['ossup-post.wasm (ossup/post core)', postWasmFile],
  ['post-miniprogram.cjs (ossup/post JS)', join(dist, 'post-miniprogram.cjs')],
];
console.log('\nossup build sizes           raw        gzip      brotli');
for (const [name, file] of rows) {
  const [raw, gz, br] = sizes(file);
  console.log(`${name.padEnd(36)} ${kb(raw).padStart(9)} ${kb(gz).padStart(9)} ${kb(br).padStart(9)}`);
}
const wechat = statSync(`${wasmFile}.br`).size + sizes(join(dist, 'miniprogram.cjs'))[2];
console.log(`WeChat package total (ossup.wasm.br + miniprogram.cjs, brotli): ${kb(wechat)}`);
const postTotal = statSync(`${postWasmFile}.br`).size + sizes(join(dist, 'post-miniprogram.cjs'))[2];
console.log(
  `WeChat PostObject page with ossup/post (ossup-post.wasm.br + post-miniprogram.cjs, brotli): ${kb(postTotal)}`,
);
if (!existsSync(join(dist, 'glue.js'))) process.exit(1);
