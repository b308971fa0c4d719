// The package as users get it: `npm pack` of pkg/, installed offline into an empty project.
// What is in the tarball (and what must not be), that require/import and every subpath entry
// resolve and work there, that it uploads to the local bucket server from that install, and what
// the WeChat npm build ("Build npm") would make of it.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { startBucketServer } from '../../www/server/bucket.mjs';
import { loadVectors } from './core-helpers.mjs';
import { PACKAGE_WASM_PATH, createSandbox } from './sandbox/index.mjs';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PKG = path.join(ROOT, 'pkg');

let work;
let packed; // npm pack --json's entry: { filename, files: [{ path, size }] }
let project; // the empty project ossup was installed into
let installed; // project/node_modules/ossup

const npm = (args, cwd) =>
  run('npm', args, { cwd, env: { ...process.env, npm_config_update_notifier: 'false' }, maxBuffer: 16 << 20 });
const node = (args, cwd, env = {}) =>
  run(process.execPath, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 16 << 20 });

function filesUnder(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full, base) : [path.relative(base, full).split(path.sep).join('/')];
  });
}

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'ossup-pack-'));
  const { stdout } = await npm(['pack', '--json', '--pack-destination', work], PKG);
  [packed] = JSON.parse(stdout);
  project = path.join(work, 'project');
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'empty-project', private: true }));
  // No dependencies: installs without the network.
  await npm(['install', path.join(work, packed.filename), '--offline', '--no-audit', '--no-fund'], project);
  installed = path.join(project, 'node_modules', 'ossup');
});

after(() => rm(work, { recursive: true, force: true }));

test('the tarball holds the builds, the wasm and the types — no sources, maps, tests or secrets', async () => {
  const paths = packed.files.map((f) => f.path).sort();
  for (const required of [
    'package.json',
    'index.d.ts',
    'index.d.cts',
    'post.d.ts',
    'post.d.cts',
    'dist/post.mjs',
    'dist/post-miniprogram.cjs',
    'dist/ossup-post.wasm',
    'dist/node.mjs',
    'dist/node.cjs',
    'dist/browser.mjs',
    'dist/miniprogram.cjs',
    'dist/wasm2js.mjs',
    'dist/wasm2js.cjs',
    'dist/ossup.wasm',
    'dist/ossup.wasm.br',
  ]) {
    assert.ok(paths.includes(required), `${required} is in the tarball`);
  }
  for (const file of paths) {
    assert.doesNotMatch(file, /\.map$|^src\/|(^|\/)tests?\/|\.test\.|\.spec\.|(^|\/)\.|\.tgz$|\.env|\.npmrc/, file);
  }
  assert.deepEqual(filesUnder(installed).sort(), paths, 'what npm installed is what npm packed');

  const secretLooking = [
    [/LTAI[0-9A-Za-z]{12,}/, 'an Aliyun AccessKeyId'],
    [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
    [/ossup-fake-access-key-secret|ExampleAccessKeySecret|OSSUP_FAKE_ACCESS_KEY_ID/, 'a test key'],
    [/access_?key_?secret["']?\s*[:=]\s*["'][A-Za-z0-9+/]{20,}["']/i, 'a hard-coded secret'],
    [/sourceMappingURL=/, 'a source-map reference'],
    [/\/work\/|\/home\/|\/Users\/|C:\\\\Users/, 'a build machine path'],
  ];
  for (const file of paths) {
    if (/\.(wasm|br)$/.test(file)) continue;
    const text = await readFile(path.join(installed, file), 'utf8');
    for (const [pattern, what] of secretLooking) assert.doesNotMatch(text, pattern, `${file} contains ${what}`);
  }
  assert.ok(packed.size < 1024 * 1024, `the tarball is ${packed.size} bytes`);
});

test('every path package.json points at exists, and the exports cover node, browser and mini programs', async () => {
  const manifest = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8'));
  const targets = [];
  const collect = (value) => {
    if (typeof value === 'string') targets.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(manifest.exports);
  for (const field of ['main', 'module', 'browser', 'types']) targets.push(manifest[field]);
  for (const target of targets) assert.ok(existsSync(path.join(installed, target)), `${target} exists`);
  const root = manifest.exports['.'];
  // webpack (server bundles) first: the ES module build, whose wasm it traces and emits.
  assert.deepEqual(Object.keys(root.node), ['webpack', 'import', 'require']);
  assert.ok(root.browser && root.miniprogram && root.default && root.types);
  // Types for `import` and for `require` (a "types" before the "require" branch would give
  // CommonJS the ESM declarations; the type-declaration test below compiles both).
  for (const subpath of ['.', './miniprogram', './wasm2js', './vod', './post']) {
    assert.ok(manifest.exports[subpath], `${subpath} is exported`);
    const conditions = JSON.stringify(manifest.exports[subpath]);
    assert.match(conditions, /"types":"\.\/(index|post)\.d\.ts"/, `${subpath}: types for import`);
    assert.match(conditions, /"require":\{"types":"\.\/(index|post)\.d\.cts"/, `${subpath}: types for require`);
  }
  assert.ok(statSync(path.join(installed, manifest.miniprogram)).isDirectory(), 'the "miniprogram" field is a folder');
  assert.deepEqual(manifest.dependencies || {}, {}, 'no dependencies: nothing else to install');
});

test('require("ossup") and import("ossup") work in the installed project and sign the shared vector', async () => {
  const vector = loadVectors().find((v) => v.id === 'post_v1_basic');
  const { inputs, expected } = vector;
  const sign = (o) =>
    `o.signPostPolicyV1({ accessKeySecret: ${JSON.stringify(inputs.access_key_secret)}, policy: o.encodePolicy(${JSON.stringify(inputs.policy_json_utf8)}) })`;
  writeFileSync(
    path.join(project, 'check.cjs'),
    `const o = require('ossup');
     const w = require('ossup/wasm2js');
     console.log(JSON.stringify({
       engine: o.engine(), signature: ${sign('o')}, wasm2js: w.engine(), wasm2jsSignature: ${sign('w')},
       miniprogram: require.resolve('ossup/miniprogram'), wasm2jsPath: require.resolve('ossup/wasm2js'),
       vod: typeof require('ossup/vod').VODUpload, wasm: require.resolve('ossup/ossup.wasm'),
       exported: Object.keys(o),
     }));`,
  );
  writeFileSync(
    path.join(project, 'check.mjs'),
    `import * as o from 'ossup';
     const w = await import('ossup/wasm2js');
     console.log(JSON.stringify({
       engine: o.engine(), signature: ${sign('o')}, wasm2js: w.engine(), wasm2jsSignature: ${sign('w')},
       wasm2jsUrl: import.meta.resolve('ossup/wasm2js'), miniprogramUrl: import.meta.resolve('ossup/miniprogram'),
     }));`,
  );
  const cjs = JSON.parse((await node(['check.cjs'], project)).stdout);
  const esm = JSON.parse((await node(['check.mjs'], project)).stdout);
  for (const result of [cjs, esm]) {
    assert.equal(result.engine, 'WebAssembly');
    assert.equal(result.signature, expected.Signature);
    assert.equal(result.wasm2js, 'wasm2js');
    assert.equal(result.wasm2jsSignature, expected.Signature);
  }
  assert.equal(cjs.miniprogram, path.join(installed, 'dist', 'miniprogram.cjs'));
  assert.equal(cjs.wasm2jsPath, path.join(installed, 'dist', 'wasm2js.cjs'));
  assert.equal(cjs.wasm, path.join(installed, 'dist', 'ossup.wasm'));
  assert.equal(cjs.vod, 'function');
  assert.match(esm.wasm2jsUrl, /node_modules\/ossup\/dist\/wasm2js\.mjs$/);
  assert.match(esm.miniprogramUrl, /node_modules\/ossup\/dist\/miniprogram\.cjs$/);

  // The types declare everything the package exports.
  const dts = await readFile(path.join(installed, 'index.d.ts'), 'utf8');
  for (const name of cjs.exported) {
    assert.match(dts, new RegExp(`export (declare )?(function|class|const) ${name}\\b`), `index.d.ts declares ${name}`);
  }
});

test('an upload from the installed package reaches the local bucket server intact (form and multipart)', async (t) => {
  const bucketRoot = path.join(work, 'bucket');
  const bucket = await startBucketServer({ root: bucketRoot });
  t.after(() => bucket.close());
  const small = path.join(project, 'photo.jpg');
  const big = path.join(project, 'video.mp4');
  writeFileSync(small, Buffer.from(Array.from({ length: 70001 }, (_, i) => (i * 31 + 7) & 0xff)));
  writeFileSync(big, Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 5 }, (_, i) => (i * 13 + (i >> 9)) & 0xff)));
  writeFileSync(
    path.join(project, 'upload.mjs'),
    `import { createUploader } from 'ossup';
     const sts = JSON.parse(process.env.STS);
     const uploader = createUploader({
       bucket: process.env.BUCKET, region: process.env.REGION, endpoint: process.env.ENDPOINT,
       keyPrefix: 'installed', multipartThreshold: 1024 * 1024, credentials: async () => sts,
     });
     const results = await uploader.upload(process.argv.slice(2));
     console.log(JSON.stringify(results.map(({ status, key, url, integrity, multipart, error }) =>
       ({ status, key, url, integrity, multipart: Boolean(multipart), error: error && error.message }))));`,
  );
  const sts = await bucket.issueSts({ ttlSeconds: 900 });
  const { stdout } = await node(['upload.mjs', small, big], project, {
    STS: JSON.stringify(sts),
    BUCKET: bucket.bucket,
    REGION: bucket.region,
    ENDPOINT: bucket.url,
  });
  const results = JSON.parse(stdout);
  assert.deepEqual(
    results.map((r) => [r.status, r.integrity, r.multipart, r.error]),
    [
      ['success', 'verified', false, undefined],
      ['success', 'verified', true, undefined],
    ],
  );
  for (const [i, file] of [small, big].entries()) {
    assert.match(results[i].key, /^installed\//);
    const stored = await readFile(bucket.objectPath(results[i].key));
    assert.ok(stored.equals(readFileSync(file)), `${path.basename(file)} is byte-identical in the bucket`);
  }
});

test('the type declarations compile against the installed package, through "exports", for import and require', async () => {
  // tsc's API, strict, Node16 resolution: what a TypeScript project gets from `npm install ossup`.
  // tests/types/usage.mts and usage.cts use every entry; their `@ts-expect-error` lines are wrong
  // uses that must stay errors (an unused one is an error itself).
  const { default: ts } = await import('typescript');
  const dir = path.join(project, 'types');
  mkdirSync(dir, { recursive: true });
  const files = ['usage.mts', 'usage.cts'].map((name) => {
    const to = path.join(dir, name);
    copyFileSync(path.join(ROOT, 'tests/types', name), to);
    return to;
  });
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    noUnusedLocals: false,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
  });
  const problems = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file
      ? `${path.relative(project, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}`
      : '';
    return `${where} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
  assert.deepEqual(problems, []);
  // The declarations came from the installed package, not from the workspace.
  const declarations = program
    .getSourceFiles()
    .map((f) => f.fileName)
    .filter((f) => f.includes('node_modules/ossup/'));
  for (const file of ['index.d.ts', 'index.d.cts', 'post.d.ts']) {
    assert.ok(
      declarations.some((f) => f.endsWith(`/${file}`)),
      `${file} was used`,
    );
  }
});

test('the framework plugins load from the installed package: ossup/uni by `exports`, ossup/taro as Taro finds plugins', async () => {
  // Taro resolves plugin names with the `resolve` package (no `exports`): a folder with an index.js.
  assert.ok(existsSync(path.join(installed, 'taro', 'index.js')));
  const script = `
    const uni = require('ossup/uni');
    const taro = require(require('node:path').join(process.cwd(), 'node_modules/ossup/taro'));
    process.env.UNI_PLATFORM = 'mp-weixin';
    const plugin = uni();
    console.log(JSON.stringify({ taro: typeof taro, resolved: plugin.resolveId('ossup'), other: plugin.resolveId('vue') }));`;
  const { stdout } = await node(['-e', script], project);
  const { taro, resolved, other } = JSON.parse(stdout);
  assert.equal(taro, 'function');
  assert.equal(resolved, path.join(installed, 'dist', 'miniprogram.cjs'));
  assert.equal(other, null);
});

// ---------------------------------------------------------------- WeChat's "Build npm"

// What the WeChat npm build does with a package that has a "miniprogram" field: it copies that
// folder as is to miniprogram_npm/<name>/ (developers.weixin.qq.com/miniprogram/dev/devtools/npm.html),
// and `require('pkg/sub')` in the mini program then resolves to miniprogram_npm/pkg/sub.js or
// sub/index.js (`exports` is not read). Only whitelisted files are uploaded with the code
// package: .js (compiled), .json, .wasm, .br, images, audio … — not .cjs or .mjs
// (developers.weixin.qq.com/miniprogram/dev/framework/structure.html).
const UPLOADED = /\.(js|json|wxs|wasm|br|png|jpe?g|gif|svg|cer|cert|mp3|aac|m4a|mp4|wav|ogg|silk)$/;

function buildNpmForWeChat(appRoot) {
  const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
  const from = path.join(installed, manifest.miniprogram || 'miniprogram_dist');
  const to = path.join(appRoot, 'miniprogram_npm', 'ossup');
  mkdirSync(to, { recursive: true });
  for (const file of filesUnder(from)) {
    if (!UPLOADED.test(file)) continue; // copied by the build, but never reaches a phone
    mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    copyFileSync(path.join(from, file), path.join(to, file));
  }
  return to;
}

/** WeChat's resolution of `require(specifier)` for an npm package. */
function resolveWeChat(appRoot, specifier) {
  const base = path.join(appRoot, 'miniprogram_npm', specifier);
  const candidates = specifier.includes('/')
    ? [`${base}.js`, path.join(base, 'index.js')]
    : [path.join(base, 'index.js')];
  return candidates.find((file) => existsSync(file)) || null;
}

test('WeChat "Build npm": ossup.wasm.br lands at the path the loader uses by default', () => {
  const appRoot = path.join(work, 'wechat-app-wasm');
  buildNpmForWeChat(appRoot);
  assert.ok(existsSync(path.join(appRoot, PACKAGE_WASM_PATH)), `${PACKAGE_WASM_PATH} is in the code package`);
});

test('WeChat "Build npm": require("ossup/miniprogram") and require("ossup") resolve to uploaded files that load the core', async (t) => {
  const appRoot = path.join(work, 'wechat-app');
  buildNpmForWeChat(appRoot);
  const entry = resolveWeChat(appRoot, 'ossup/miniprogram');
  assert.ok(entry, 'require("ossup/miniprogram") finds a .js file in miniprogram_npm/ossup');
  assert.ok(resolveWeChat(appRoot, 'ossup'), 'require("ossup") finds miniprogram_npm/ossup/index.js');
  const sandbox = createSandbox('wechat', { packageDir: appRoot });
  t.after(() => sandbox.close());
  const ossup = sandbox.requireFile(entry);
  await ossup.ready();
  assert.equal(ossup.engine(), 'WXWebAssembly');
});
