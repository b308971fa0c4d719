// The uni-app example (examples/uniapp): its page logic (upload-logic.js) compiled the way
// uni-app compiles it for mp-weixin — conditional compilation (#ifdef), ESM bundled to
// CommonJS with the npm package left to the runtime's require — and run in the uni sandbox
// (mp-weixin: `uni` beside `wx`, WXWebAssembly loading ossup.wasm.br from the example's
// static/ folder), signing through the example app server and uploading to the local bucket.
// The .vue file is checked to call only what the logic exports.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import * as esbuild from 'esbuild';
import { DEFAULT_ACCESS_KEYS, startBucketServer } from '../../www/server/bucket.mjs';
import { startAppServer } from '../../examples/server/server.mjs';
import { DIST_DIR, createSandbox } from './sandbox/index.mjs';

const UNIAPP = fileURLToPath(new URL('../../examples/uniapp/', import.meta.url));

/** The names each uni-app target defines for #ifdef (uni-app's conditional compilation). */
const TARGETS = {
  'mp-weixin': ['MP-WEIXIN', 'MP'],
  'mp-alipay': ['MP-ALIPAY', 'MP'],
  h5: ['H5', 'WEB'],
};

/** Keeps the lines of `source` that `// #ifdef A || B` / `#ifndef` / `#endif` leave for `target`. */
function conditionalCompile(source, target) {
  const defined = new Set(TARGETS[target]);
  const stack = [];
  const out = [];
  for (const line of source.split('\n')) {
    const directive = /^\s*\/\/\s*#(ifdef|ifndef|endif)\b\s*(.*)$/.exec(line);
    if (directive) {
      const [, kind, condition] = directive;
      if (kind === 'endif') {
        if (!stack.length) throw new Error('#endif without #ifdef');
        stack.pop();
      } else {
        const any = condition.split('||').some((name) => defined.has(name.trim()));
        stack.push(kind === 'ifdef' ? any : !any);
      }
      out.push('');
      continue;
    }
    out.push(stack.every(Boolean) ? line : '');
  }
  if (stack.length) throw new Error('#ifdef without #endif');
  return out.join('\n');
}

/** upload-logic.js as uni-app ships it to `target`: one CommonJS file requiring the ossup entry. */
async function compileLogic(target, outfile) {
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
    plugins: [
      {
        name: 'uni-conditional-compilation',
        setup(build) {
          build.onLoad({ filter: /examples[\\/]uniapp[\\/].*\.js$/ }, async (args) => ({
            contents: conditionalCompile(await readFile(args.path, 'utf8'), target),
            loader: 'js',
          }));
        },
      },
    ],
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

test('conditional compilation picks the ossup entry each target needs', async () => {
  assert.deepEqual((await compileLogic('mp-weixin')).imports, ['ossup/miniprogram']);
  assert.deepEqual((await compileLogic('mp-alipay')).imports, ['ossup/wasm2js']);
  assert.deepEqual((await compileLogic('h5')).imports.sort(), ['ossup', 'ossup/ossup.wasm?url']);
  assert.throws(() => conditionalCompile('// #ifdef H5\nx', 'h5'), /without #endif/);
});

test('upload-logic.js on mp-weixin: init, choose, progress, results, cancel', async (t) => {
  const bundle = path.join(work, 'upload-logic.mp-weixin.js');
  await compileLogic('mp-weixin', bundle);
  // The code package as uni-app builds it: static/ holds ossup.wasm.br (copied by `npm install`).
  const packageDir = path.join(work, 'package');
  mkdirSync(path.join(packageDir, 'static'), { recursive: true });
  copyFileSync(path.join(DIST_DIR, 'ossup.wasm.br'), path.join(packageDir, 'static', 'ossup.wasm.br'));
  const sandbox = createSandbox('uni', { packageDir });
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
    ['/static/ossup.wasm.br'],
    'the core came from the code package path ossup.js names',
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

test('scripts/copy-ossup-wasm.mjs puts ossup.wasm.br where ossup.js loads it from', async () => {
  const source = await readFile(path.join(UNIAPP, 'ossup.js'), 'utf8');
  assert.match(source, /wasmPath: '\/static\/ossup\.wasm\.br'/);
  const copier = await readFile(path.join(UNIAPP, 'scripts/copy-ossup-wasm.mjs'), 'utf8');
  assert.match(copier, /'static', 'ossup\.wasm\.br'/);
  const pkg = JSON.parse(await readFile(path.join(UNIAPP, 'package.json'), 'utf8'));
  assert.equal(pkg.scripts.postinstall, 'node scripts/copy-ossup-wasm.mjs');
  // Running it against an installed package is part of tests/node/pack-install.test.mjs.
});
