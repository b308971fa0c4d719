// The uni-app example (examples/uniapp): its page logic (upload-logic.js) bundled the way
// uni-app bundles it for mp-weixin — ESM to CommonJS, with `ossup` resolved by the example's
// vite.config.js plugin (ossup/uni) — and run in the uni sandbox (mp-weixin: `uni` beside `wx`,
// WXWebAssembly loading ossup.wasm.br from where ossup/uni writes it), signing through the
// example app server and uploading to the local bucket. The .vue file is checked to call only
// what the logic exports. tests/node/toolchains-frameworks.test.mjs builds the example with the
// real uni-app CLI for every target.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';
import { DEFAULT_ACCESS_KEYS, startBucketServer } from '../../www/server/bucket.mjs';
import { startAppServer } from '../../examples/server/server.mjs';
import { DIST_DIR, createSandbox } from './sandbox/index.mjs';

const require = createRequire(import.meta.url);
const UNIAPP = fileURLToPath(new URL('../../examples/uniapp/', import.meta.url));

/** The file ossup/uni resolves `specifier` to when uni-app builds for `platform`. */
function uniResolution(platform, specifier) {
  const saved = process.env.UNI_PLATFORM;
  process.env.UNI_PLATFORM = platform;
  try {
    return require('../../pkg/uni/index.js')().resolveId(specifier);
  } finally {
    if (saved === undefined) delete process.env.UNI_PLATFORM;
    else process.env.UNI_PLATFORM = saved;
  }
}

/** upload-logic.js as uni-app ships it to mp-weixin: one CommonJS file requiring the ossup build. */
async function compileLogic(outfile) {
  const result = await esbuild.build({
    entryPoints: [path.join(UNIAPP, 'upload-logic.js')],
    bundle: true,
    format: 'cjs',
    platform: 'neutral',
    target: 'es2018',
    write: Boolean(outfile),
    outfile: outfile || 'out.js',
    metafile: true,
    logLevel: 'silent',
    external: ['ossup', 'ossup/*'],
  });
  const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
  return { imports: imports.filter((p) => p.startsWith('ossup')) };
}

let bucket;
let bucketRoot;
let app;
let work;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'ossup-examples-uniapp-'));
  bucketRoot = path.join(work, 'bucket');
  bucket = await startBucketServer({ root: bucketRoot, testMode: true });
  const [accessKeyId, accessKeySecret] = Object.entries(DEFAULT_ACCESS_KEYS)[0];
  app = await startAppServer({
    port: 0,
    signing: { bucket: bucket.bucket, region: bucket.region, endpoint: bucket.url, accessKeyId, accessKeySecret },
    authenticate: () => 'guest', // the example pages sign in nobody: everyone is users/guest/
  });
});

after(async () => {
  await app.close();
  await bucket.close();
  await rm(work, { recursive: true, force: true });
});

test('one import in the logic; vite.config.js (ossup/uni) picks the build each target needs', async () => {
  assert.deepEqual((await compileLogic()).imports, ['ossup']);
  assert.match(await readFile(path.join(UNIAPP, 'vite.config.js'), 'utf8'), /plugins: \[uni\(\), ossup\(\)\]/);
  const dist = (file) => path.join(DIST_DIR, file);
  assert.equal(uniResolution('mp-weixin', 'ossup'), dist('miniprogram.cjs'));
  assert.equal(uniResolution('mp-toutiao', 'ossup'), dist('miniprogram.cjs'));
  assert.equal(uniResolution('mp-alipay', 'ossup'), dist('wasm2js.mjs'));
  assert.equal(uniResolution('h5', 'ossup'), dist('browser.mjs'));
  assert.equal(uniResolution('mp-weixin', 'ossup/post'), dist('post-miniprogram.cjs'));
  assert.equal(uniResolution('mp-weixin', 'vue'), null);
});

test('upload-logic.js on mp-weixin: init, choose, progress, results, cancel', async (t) => {
  const bundle = path.join(work, 'upload-logic.mp-weixin.js');
  await compileLogic(bundle);
  // The code package as uni-app builds it with ossup/uni: the core at the default wasmPath.
  const sandbox = createSandbox('uni');
  t.after(() => sandbox.close());

  const { initialState, createUploadLogic } = sandbox.requireFile(bundle);
  const state = initialState();
  const logic = createUploadLogic(state, { apiBase: app.url });
  await logic.init();
  assert.equal(state.message, '');
  assert.equal(state.engine, 'WXWebAssembly');
  const loads = sandbox.calls.filter((call) => call.api === 'WXWebAssembly.instantiate');
  assert.deepEqual(
    loads.map((call) => call.options.path),
    ['/miniprogram_npm/ossup/ossup.wasm.br'],
    'the core came from where ossup/uni writes it into the output',
  );

  const first = sandbox.addFile('beach.jpg', 150 * 1024 + 3);
  const second = sandbox.addFile('scan.png', 40 * 1024);
  sandbox.queueChoice([first, second]);
  const results = sandbox.toHost(await logic.choose());
  assert.deepEqual(
    results.map((r) => r.status),
    ['success', 'success'],
  );
  for (const [i, file] of [first, second].entries()) {
    const stored = await readFile(bucket.objectPath(results[i].key));
    assert.ok(stored.equals(sandbox.fileBytes(file)), `file ${i} is byte-identical in the bucket`);
    assert.match(results[i].key, /^users\/guest\//);
  }
  const data = sandbox.toHost(state);
  assert.equal(data.uploading, false);
  assert.equal(data.totalPercent, 100);
  assert.equal(data.message, '2 of 2 uploaded');
  assert.deepEqual(
    data.files.map((f) => [f.name, f.state, f.percent, f.url, f.integrity, f.thumb]),
    [
      [first.split('/').pop(), 'success', 100, results[0].url, 'verified', first],
      [second.split('/').pop(), 'success', 100, results[1].url, 'verified', second],
    ],
  );
  assert.equal(results[0].url, `${bucket.url}/${results[0].key}`);
  assert.ok(
    sandbox.calls.some((call) => call.api === 'uni.uploadFile'),
    'uploaded with uni.uploadFile (what uni-app prescribes)',
  );

  // Cancel one file while its upload is open.
  bucket.faults.add({ op: 'PostObject', action: 'delay', delayMs: 30000 });
  t.after(() => bucket.faults.clear());
  const slow = sandbox.addFile('slow.jpg', 64 * 1024);
  sandbox.queueChoice([slow]);
  const uploadsBefore = sandbox.calls.filter((call) => call.api === 'uni.uploadFile').length;
  const running = logic.choose();
  const deadline = Date.now() + 10000;
  while (sandbox.calls.filter((call) => call.api === 'uni.uploadFile').length === uploadsBefore) {
    if (Date.now() > deadline) throw new Error('the upload never started');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  logic.cancelFile(0);
  const canceled = sandbox.toHost(await running);
  assert.equal(canceled[0].status, 'canceled');
  assert.equal(state.files[0].state, 'canceled');
  assert.equal(state.message, '0 of 1 uploaded');
  assert.deepEqual(
    sandbox.errors.map(({ error, where }) => `${where}: ${error && error.stack}`),
    [],
  );
});

test('upload.vue binds only what upload-logic.js returns, and reads only the state it keeps', async () => {
  const vue = await readFile(path.join(UNIAPP, 'pages/upload/upload.vue'), 'utf8');
  const logicSource = await readFile(path.join(UNIAPP, 'upload-logic.js'), 'utf8');
  assert.match(vue, /from '\.\.\/\.\.\/upload-logic\.js'/);
  const returned = /return \{([^}]*)\};\s*\}\s*$/.exec(logicSource);
  assert.ok(returned, 'createUploadLogic ends with `return { … }`');
  const handlers = new Set(returned[1].split(',').map((part) => part.trim().split(':')[0].trim()));
  const used = [...vue.matchAll(/(?<![\w-])logic\.(\w+)/g)].map((m) => m[1]);
  assert.ok(used.length >= 4);
  for (const name of used)
    assert.ok(handlers.has(name), `upload.vue calls logic.${name}, which the logic does not return`);
  const stateKeys = Object.keys(
    (await import(`data:text/javascript,${encodeURIComponent(initialStateSource(logicSource))}`)).default,
  );
  for (const [, key] of vue.matchAll(/\bstate\.(\w+)/g))
    assert.ok(stateKeys.includes(key), `state.${key} is not in initialState()`);
  const fileKeys = /files: \[\], \/\/ \{ ([^}]*) \}/
    .exec(logicSource)[1]
    .split(',')
    .map((k) => k.trim());
  for (const [, key] of vue.matchAll(/\bfile\.(\w+)/g))
    assert.ok(fileKeys.includes(key), `file.${key} is not a file row field`);
});

/** initialState()'s body as a module exporting its value (it has no imports). */
function initialStateSource(source) {
  const match = /export function initialState\(\) \{\s*return (\{[\s\S]*?\n {2}\});\n\}/.exec(source);
  assert.ok(match, 'initialState() returns an object literal');
  return `export default ${match[1]};`;
}
