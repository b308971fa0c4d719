// Sizes as users pay them (raw / gzip -9 / brotli -q 11), ours against contenders bundled the
// same way (esbuild, minify, from the tiny entries in bench/entries/), plus what our core and
// JS are made of: twiggy over a named build of the same .wasm, esbuild's metafile for the JS.
import { readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import * as esbuild from 'esbuild';
import { ROOT, PKG } from './paths.mjs';
import { withToolchain } from './builds.mjs';
import { keepExports } from '../../scripts/wasm-tools.mjs';

export function compressed(bytes) {
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

const fileSizes = (file) => compressed(readFileSync(file));

async function bundle(entry, { format = 'esm', platform = 'browser', target = 'es2020', metafile = false } = {}) {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format,
    platform,
    target,
    minify: true,
    legalComments: 'none',
    logLevel: 'error',
    external: ['crypto', 'node:*'],
    alias: { 'ossup-pkg': PKG },
    metafile,
  });
  return { bytes: Buffer.from(result.outputFiles[0].contents), metafile: result.metafile };
}

const dist = (name) => path.join(PKG, 'dist', name);
const entry = (name) => path.join(ROOT, 'bench/entries', name);

/**
 * The three counts issue #27 sets targets for, the mini-program way: the JS as shipped (raw, a
 * mini-program package is not compressed) plus the .wasm.br it ships; 1 KB = 1000 B.
 */
export function miniProgramCounts(dir = path.join(PKG, 'dist')) {
  const size = (name) => statSync(path.join(dir, name)).size;
  const row = (name, js, wasm, targetKb) => {
    const bytes = size(js) + (wasm ? size(wasm) : 0);
    return { name, files: wasm ? `${js} + ${wasm}` : js, bytes, targetKb, met: bytes <= targetKb * 1000 };
  };
  return [
    row('WeChat PostObject page', 'post-miniprogram.cjs', 'ossup-post.wasm.br', 40),
    row('full mini-program entry', 'miniprogram.cjs', 'ossup.wasm.br', 90),
    row('Alipay', 'wasm2js.cjs', null, 150),
  ];
}

/** The size table: ours first, then contenders. Each row { id, name, what, raw, gzip, brotli }. */
export async function measureSizes() {
  const rows = [];
  const add = (id, name, what, sizes, extra = {}) => rows.push({ id, name, what, ...sizes, ...extra });

  const wasm = fileSizes(dist('ossup.wasm'));
  add('ours-wasm', 'ossup.wasm (the core)', '.wasm', wasm, { shippedBrotli: statSync(dist('ossup.wasm.br')).size });
  const mp = fileSizes(dist('miniprogram.cjs'));
  add('ours-miniprogram', 'miniprogram.cjs (WeChat/Douyin JS entry, as built)', 'JS, minified', mp);
  add('ours-browser', 'browser.mjs (H5 JS entry, as built)', 'JS, minified', fileSizes(dist('browser.mjs')));
  add('ours-wasm2js', 'wasm2js.cjs (fallback: core as JS + JS entry)', 'JS, minified', fileSizes(dist('wasm2js.cjs')));
  const wechat = statSync(dist('ossup.wasm.br')).size + mp.brotli;
  add('ours-wechat-total', 'WeChat package total: ossup.wasm.br + miniprogram.cjs', 'wasm + JS', {
    raw: wasm.raw + mp.raw,
    gzip: wasm.gzip + mp.gzip,
    brotli: wechat,
  });
  const signJs = compressed((await bundle(entry('ours-sign.js'))).bytes);
  add('ours-sign-js', 'diagnostic: browser entry tree-shaken to ready + signPostPolicyV1/V4', 'JS, minified', signJs);
  // ossup/post: the PostObject-only entry and its core built without `full`, as shipped.
  const postWasm = fileSizes(dist('ossup-post.wasm'));
  add('ours-post-wasm', 'ossup-post.wasm (the ossup/post signing core)', '.wasm', postWasm, {
    shippedBrotli: statSync(dist('ossup-post.wasm.br')).size,
  });
  const postJs = fileSizes(dist('post-miniprogram.cjs'));
  add('ours-post-js', 'post-miniprogram.cjs (ossup/post JS entry: uploader + forms, as built)', 'JS, minified', postJs);
  const postTotal = statSync(dist('ossup-post.wasm.br')).size + postJs.brotli;
  add('ours-post-total', 'WeChat PostObject page with ossup/post: ossup-post.wasm.br + post.js', 'wasm + JS', {
    raw: postWasm.raw + postJs.raw,
    gzip: postWasm.gzip + postJs.gzip,
    brotli: postTotal,
  });

  const miniProgram = miniProgramCounts();
  for (const count of miniProgram) {
    add(`mini-${count.name}`, `${count.name} (${count.files}; target ≤ ${count.targetKb} KB)`, 'JS raw + wasm.br', {
      raw: count.bytes,
      gzip: null,
      brotli: null,
    });
  }

  const contenders = [
    ['crypto-js-v1', 'crypto-js subset: HMAC-SHA1 + Base64 (V1 policy)', 'crypto-js-v1.js'],
    ['crypto-js-v4', 'crypto-js subset: HMAC-SHA256 + Hex (V4 policy)', 'crypto-js-v4.js'],
    ['hash-wasm-v4', 'hash-wasm subset: SHA-256 (V4 policy, wasm inlined as base64)', 'hash-wasm-v4.js'],
    ['hash-wasm-core', 'hash-wasm subset: HMAC + SHA-1 + SHA-256 + CRC-64 + MD5', 'hash-wasm-core.js'],
    ['js-sha256-v4', 'js-sha256 (V4 policy)', 'js-sha256-v4.js'],
    ['cos-wx-sdk-v5', 'cos-wx-sdk-v5 (Tencent COS WeChat SDK, whole)', 'cos-wx-sdk-v5.js'],
  ];
  for (const [id, name, file] of contenders) {
    try {
      add(id, name, 'JS, esbuild minified', compressed((await bundle(entry(file))).bytes));
    } catch (error) {
      add(id, name, `not measured: ${error.message.split('\n')[0]}`, { raw: null, gzip: null, brotli: null });
    }
  }
  const aliOss = path.join(ROOT, 'node_modules/ali-oss/dist/aliyun-oss-sdk.min.js');
  if (existsSync(aliOss)) {
    add(
      'ali-oss',
      'ali-oss browser build (dist/aliyun-oss-sdk.min.js, as shipped)',
      'JS, minified by ali-oss',
      fileSizes(aliOss),
    );
  }
  return { rows, wechatTotalBrotli: wechat, wasmBrotli: wasm.brotli, postTotalBrotli: postTotal, miniProgram };
}

/** What miniprogram.cjs is made of: bytes in the output per source file (esbuild metafile). */
export async function jsComposition() {
  const { bytes, metafile } = await bundle(path.join(PKG, 'src/entry-miniprogram.js'), {
    format: 'cjs',
    platform: 'neutral',
    target: 'es2018',
    metafile: true,
  });
  const inputs = Object.values(metafile.outputs)[0].inputs;
  const files = Object.entries(inputs)
    .map(([file, info]) => ({ file: file.replace(/^.*?target\/bench\/pkg\//, 'pkg/'), bytes: info.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
  return { total: bytes.length, files };
}

// ---- twiggy ----

const CATEGORIES = [
  [
    'data segments (.rodata: strings, panic locations, tables)',
    (n) => n.startsWith('data segment') || n.startsWith('data['),
  ],
  [
    'core::fmt, panics, Debug/Display (formatting machinery)',
    (n) =>
      /core(\[\w+\])?::(fmt|panicking|result::unwrap_failed|option::expect_failed|str::slice_error_fail|char::methods)|escape_debug|<char>::|core::str::.*error|Formatter|fmt::(Write|Debug|Display)|<&T as core::fmt|core::fmt|Arguments/.test(
        n,
      ),
  ],
  ['core::slice::sort (sort_unstable, 4+ monomorphisations)', (n) => n.includes('core::slice::sort')],
  [
    'allocator (talc) + alloc growth (RawVec, String)',
    (n) =>
      /talc|dlmalloc|__rust_(alloc|realloc|dealloc)|__rdl_|alloc::raw_vec|RawVec|alloc::alloc|finish_grow|reserve|alloc::fmt|alloc::string|memcpy|memset|memmove|memcmp|bcmp/.test(
        n,
      ),
  ],
  ['ossup::hash (MD5, SHA-1, SHA-256, HMAC; base64/hex encoders)', (n) => /^ossup::hash::|<ossup::hash/.test(n)],
  ['wasm-bindgen / js-sys runtime', (n) => /wasm_bindgen|js_sys|__wbindgen|__wbg_|externref/.test(n)],
  ['ossup::api (JSON options → calls)', (n) => n.startsWith('ossup::api')],
  ['ossup::json (the JSON reader)', (n) => n.startsWith('ossup::json')],
  ['ossup::policy', (n) => n.startsWith('ossup::policy')],
  ['ossup::form', (n) => n.startsWith('ossup::form')],
  ['ossup::sign (v1, v4, headers)', (n) => n.startsWith('ossup::sign')],
  ['ossup::time', (n) => n.startsWith('ossup::time')],
  ['ossup::key', (n) => n.startsWith('ossup::key')],
  ['ossup::callback', (n) => n.startsWith('ossup::callback')],
  ['ossup::encoding', (n) => n.startsWith('ossup::encoding')],
  ['ossup::crc64 (the four-lane loop, combine), ossup::md5', (n) => /^ossup::(crc64|md5)/.test(n)],
  ['ossup::error', (n) => n.startsWith('ossup::error')],
  ['other ossup::', (n) => n.startsWith('ossup::') || n.startsWith('<ossup')],
  [
    'export wrappers (ossup code inlined into them)',
    // wasm-bindgen's (camelCase, `crc64_*`, `md5_*`) and the raw I/O exports (`ossup_*`, src/wasm.rs).
    (n) => /^[a-z][A-Za-z0-9]*$/.test(n) || /^(crc64|md5)_/.test(n) || /^ossup_[a-z0-9_]+$/.test(n),
  ],
  [
    'indirect-call table, types, imports, exports',
    (n) => /^(table|elem|type|import|export|global|memory)\b/.test(n) || /^(table|elem)\[/.test(n),
  ],
  ['other core/alloc (iterators collecting into Result, str and Vec helpers)', (n) => /core|alloc|std/.test(n)],
];

/** A symbol without crate disambiguators or hash suffix (`ossup[22ac…]::x::h…` → `ossup::x`). */
export function displayName(name) {
  return name.replace(/\[[0-9a-f]{6,}\]/g, '').replace(/::h[0-9a-f]{16}$/, '');
}

/** As `displayName`, without a leading `<` or `&`, for matching module paths. */
function plainName(name) {
  return displayName(name).replace(/^[<&]+/, '');
}

function category(name) {
  const plain = plainName(name);
  for (const [label, test] of CATEGORIES) if (test(plain)) return label;
  return 'other';
}

function twiggy(args, file) {
  return JSON.parse(withToolchain(`twiggy ${args} -f json '${file}'`));
}

/**
 * Twiggy over the named build: top items, bytes per category, and each export's retained size
 * (what only that export keeps alive). Sizes are of the uncompressed module without the name
 * section, as shipped.
 */
export function analyseWasm(named, plain) {
  const items = twiggy('top -n 100000', named).filter((i) => !/names" subsection|^custom section/.test(i.name));
  const code = items.reduce((n, i) => n + i.shallow_size, 0);
  const byCategory = new Map();
  for (const item of items) {
    const label = category(item.name);
    byCategory.set(label, (byCategory.get(label) || 0) + item.shallow_size);
  }
  const dominators = twiggy('dominators -d 1 -r 1000', named);
  const root = dominators.items ? dominators.items[0] : dominators[0];
  const exports = (root.children || [])
    .filter((c) => c.name.startsWith('export "'))
    .map((c) => ({ name: c.name.slice(8, -1), retained: c.retained_size }))
    .sort((a, b) => b.retained - a.retained);
  // Panic locations survive `panic = "abort"`: file paths of every crate that can panic.
  const text = readFileSync(plain).toString('latin1');
  const paths = [...new Set(text.match(/(\/[\w.@+-]+)+\.rs|src\/[\w/]+\.rs/g) || [])];
  return {
    panicPaths: { count: paths.length, bytes: paths.reduce((n, p) => n + p.length, 0), examples: paths.slice(0, 6) },
    namedRaw: readFileSync(named).length,
    plainRaw: readFileSync(plain).length,
    code,
    top: items.slice(0, 25).map((i) => ({ name: i.name, bytes: i.shallow_size, category: category(i.name) })),
    categories: [...byCategory.entries()].map(([label, bytes]) => ({ label, bytes })).sort((a, b) => b.bytes - a.bytes),
    exports,
  };
}

const INFRASTRUCTURE = (name) => name === 'memory' || name.startsWith('__wbindgen');

export const SUBSETS = [
  ['v4', 'signPostPolicyV4 only', ['signPostPolicyV4']],
  [
    'sign',
    'signPostPolicyV1 + signPostPolicyV4 + signRequest',
    ['signPostPolicyV1', 'signPostPolicyV4', 'signRequest'],
  ],
  [
    'postobject',
    'buildPostForm + objectKey + crc64 (a WeChat PostObject page with STS)',
    ['buildPostForm', 'objectKey', 'crc64'],
  ],
];

/**
 * What a core exporting only some functions would weigh today: the pre-optimisation module
 * with the other exports removed, through the same `wasm-opt -Oz`. Also its top twiggy items.
 */
export function subsetSizes(stripped, dir) {
  const bytes = readFileSync(stripped);
  return SUBSETS.map(([id, label, names]) => {
    const input = path.join(dir, `subset-${id}.in.wasm`);
    const named = path.join(dir, `subset-${id}.named.wasm`);
    const output = path.join(dir, `subset-${id}.wasm`);
    writeFileSync(
      input,
      keepExports(bytes, (n) => names.includes(n) || INFRASTRUCTURE(n)),
    );
    withToolchain(`wasm-opt -Oz --strip-debug --strip-producers '${input}' -o '${output}'`);
    withToolchain(`wasm-opt -Oz --debuginfo --strip-producers '${input}' -o '${named}'`);
    const items = twiggy('top -n 100000', named).filter((i) => !/names" subsection|^custom section/.test(i.name));
    const top = items.slice(0, 8).map((i) => ({ name: i.name, bytes: i.shallow_size, category: category(i.name) }));
    const byCategory = new Map();
    for (const i of items) byCategory.set(category(i.name), (byCategory.get(category(i.name)) || 0) + i.shallow_size);
    const categories = [...byCategory.entries()]
      .map(([name, bytes]) => ({ label: name, bytes }))
      .sort((x, y) => y.bytes - x.bytes);
    return { id, label, ...compressed(readFileSync(output)), top, categories };
  });
}

// `node bench/lib/sizes.mjs` after `make build`: the mini-program counts of pkg/dist alone.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = path.join(ROOT, 'pkg', 'dist');
  for (const c of miniProgramCounts(built)) {
    const kb = (c.bytes / 1000).toFixed(1);
    console.log(`${c.name}: ${kb} KB (${c.files}; target ≤ ${c.targetKb} KB, ${c.met ? 'met' : 'missed'})`);
  }
  for (const name of ['ossup.wasm', 'ossup-post.wasm']) {
    const kb = (file) => (statSync(path.join(built, file)).size / 1000).toFixed(1);
    console.log(`${name}: ${kb(name)} KB raw, ${kb(`${name}.br`)} KB br`);
  }
}
