// The framework toolchains, with the real CLIs (tests/frameworks/package.json pins them;
// scripts/setup-frameworks.sh installs them): uni-app in both layouts (HBuilderX: the app at the
// project root, as examples/uniapp is; CLI: the same app under src/) for mp-weixin, mp-toutiao,
// mp-alipay and h5; Taro (tests/frameworks/taro) for weapp and h5; a native WeChat project
// (examples/wechat-miniprogram) through miniprogram-ci's npm build. Each project installs the
// package as packed (`npm pack pkg`) and uses it as the README's "Use it with…" says:
// `import … from 'ossup'` plus the framework's plugin line. Each output runs to real uploads to
// the local bucket, bytes compared: mini-program outputs in the sandboxes (their own
// WXWebAssembly/TTWebAssembly load of the core the build put in the output), h5 outputs in
// headless Chromium with files chosen through the page's own file picker.
//
// Builds are cached in tests/frameworks/.work/out by a hash of everything they read (the packed
// package, the fixture, the lockfile), so a second run only builds what changed.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { launchChromium } from '../../scripts/chromium.mjs';
import { DEFAULT_ACCESS_KEYS, startBucketServer } from '../../www/server/bucket.mjs';
import { startAppServer } from '../../examples/server/server.mjs';
import { createSandbox } from './sandbox/index.mjs';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = path.join(REPO, 'tests/frameworks');
const WORK = path.join(FIXTURES, '.work');
const BIN = path.join(FIXTURES, 'node_modules/.bin');
const SECRET = Object.values(DEFAULT_ACCESS_KEYS)[0];
const SKIP_DIRS = new Set(['node_modules', 'dist', 'unpackage', '.work']);

/** Every file under `dir` (relative paths, sorted), build outputs and dependencies left out. */
function listFiles(dir, base = dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full, base));
    else out.push(path.relative(base, full));
  }
  return out.sort();
}

function hashFiles(dir) {
  const hash = createHash('sha256');
  for (const file of listFiles(dir))
    hash
      .update(`${file}\0`)
      .update(readFileSync(path.join(dir, file)))
      .update('\0');
  return hash.digest('hex');
}

function allFiles(dir) {
  return readdirSync(dir, { recursive: true }).filter((file) => statSync(path.join(dir, file)).isFile());
}

let ossupDir; // the packed package, extracted
let ossupHash;
const lockHash = () =>
  createHash('sha256')
    .update(readFileSync(path.join(FIXTURES, 'package-lock.json')))
    .digest('hex');

/**
 * The output of `build(workspace)` for this fixture and target, from the cache when its inputs
 * are unchanged. `prepare(workspace)` lays out the project; the packed ossup goes into its
 * node_modules, as `npm install ossup` would put it.
 */
async function cachedBuild({ name, target, sources, prepare, build }) {
  const key = createHash('sha256')
    .update([ossupHash, lockHash(), ...sources.map(hashFiles), name, target].join('\n'))
    .digest('hex')
    .slice(0, 16);
  const outRoot = path.join(WORK, 'out');
  const out = path.join(outRoot, `${name}-${target}-${key}`);
  if (existsSync(path.join(out, '.built'))) return { out, cached: true };
  mkdirSync(outRoot, { recursive: true });
  for (const old of readdirSync(outRoot))
    if (old.startsWith(`${name}-${target}-`)) rmSync(path.join(outRoot, old), { recursive: true, force: true });
  const workspace = path.join(WORK, 'ws', `${name}-${target}`);
  rmSync(workspace, { recursive: true, force: true });
  mkdirSync(workspace, { recursive: true });
  prepare(workspace);
  cpSync(ossupDir, path.join(workspace, 'node_modules/ossup'), { recursive: true });
  const built = await build(workspace);
  cpSync(built, out, { recursive: true });
  writeFileSync(path.join(out, '.built'), '');
  rmSync(workspace, { recursive: true, force: true });
  return { out, cached: false };
}

async function cli(command, args, cwd, env = {}) {
  try {
    return await run(path.join(BIN, command), args, {
      cwd,
      env: { ...process.env, NODE_ENV: 'production', FORCE_COLOR: '0', ...env },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 300_000,
    });
  } catch (error) {
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${error.stdout}\n${error.stderr}`);
  }
}

// ---------------------------------------------------------------- uni-app

const UNIAPP = path.join(REPO, 'examples/uniapp');
const UNIAPP_CLI = path.join(FIXTURES, 'uniapp-cli');
const UNI_APP_FILES = ['App.vue', 'main.js', 'manifest.json', 'pages.json', 'pages', 'upload-logic.js', 'config.js'];

/** The uni-app packages HBuilderX's own compiler supplies; from the command line, package.json names them. */
function hbuilderxContext() {
  const all = JSON.parse(readFileSync(path.join(FIXTURES, 'package.json'), 'utf8')).dependencies;
  return Object.fromEntries(Object.entries(all).filter(([name]) => name.startsWith('@dcloudio/')));
}

const UNI_LAYOUTS = {
  // examples/uniapp as it is: the app at the root, next to vite.config.js.
  hbuilderx: {
    sources: [UNIAPP],
    prepare(workspace) {
      cpSync(UNIAPP, workspace, { recursive: true, filter: (file) => !SKIP_DIRS.has(path.basename(file)) });
      const pkg = JSON.parse(readFileSync(path.join(UNIAPP, 'package.json'), 'utf8'));
      pkg.devDependencies = hbuilderxContext();
      writeFileSync(path.join(workspace, 'package.json'), JSON.stringify(pkg, null, 2));
    },
    env: (workspace) => ({ UNI_INPUT_DIR: workspace }),
  },
  // The CLI template's layout: the same app under src/, vite.config.js and index.html at the root.
  cli: {
    sources: [UNIAPP_CLI, UNIAPP],
    prepare(workspace) {
      cpSync(UNIAPP_CLI, workspace, { recursive: true, filter: (file) => !SKIP_DIRS.has(path.basename(file)) });
      for (const file of UNI_APP_FILES)
        cpSync(path.join(UNIAPP, file), path.join(workspace, 'src', file), { recursive: true });
    },
    env: () => ({}),
  },
};

function buildUni(layout, platform) {
  const { sources, prepare, env } = UNI_LAYOUTS[layout];
  return cachedBuild({
    name: `uniapp-${layout}`,
    target: platform,
    sources,
    prepare,
    async build(workspace) {
      await cli('uni', ['build', '-p', platform], workspace, env(workspace));
      return path.join(workspace, 'dist/build', platform === 'h5' ? 'h5' : platform);
    },
  });
}

// ---------------------------------------------------------------- Taro and WeChat

const TARO = path.join(FIXTURES, 'taro');

function buildTaro(type) {
  return cachedBuild({
    name: 'taro',
    target: type,
    sources: [TARO],
    prepare: (workspace) =>
      cpSync(TARO, workspace, { recursive: true, filter: (file) => !SKIP_DIRS.has(path.basename(file)) }),
    async build(workspace) {
      await cli('taro', ['build', '--type', type], workspace, { TARO_ENV: type });
      return path.join(workspace, 'dist', type);
    },
  });
}

const WECHAT = path.join(REPO, 'examples/wechat-miniprogram');

/** examples/wechat-miniprogram after `npm install` and miniprogram-ci's npm build (DevTools' "Build npm"). */
function buildWechatNpm() {
  return cachedBuild({
    name: 'wechat-native',
    target: 'packNpm',
    sources: [WECHAT],
    prepare: (workspace) =>
      cpSync(WECHAT, workspace, { recursive: true, filter: (file) => !SKIP_DIRS.has(path.basename(file)) }),
    async build(workspace) {
      const config = JSON.parse(readFileSync(path.join(workspace, 'project.config.json'), 'utf8'));
      const script = `
        const ci = require('miniprogram-ci');
        const path = require('node:path');
        (async () => {
          for (const relation of ${JSON.stringify(config.setting.packNpmRelationList)}) {
            await ci.packNpmManually({
              packageJsonPath: path.resolve(relation.packageJsonPath),
              miniprogramNpmDistDir: path.resolve(relation.miniprogramNpmDistDir),
            });
          }
        })().catch((error) => { console.error(error); process.exit(1); });`;
      try {
        await run(process.execPath, ['-e', script], {
          cwd: workspace,
          env: { ...process.env, NODE_PATH: path.join(FIXTURES, 'node_modules') },
        });
      } catch (error) {
        throw new Error(`miniprogram-ci packNpmManually failed:\n${error.stdout}\n${error.stderr}`);
      }
      rmSync(path.join(workspace, 'node_modules'), { recursive: true, force: true });
      return workspace;
    },
  });
}

// ---------------------------------------------------------------- servers

let bucket;
let app;
let site;
let browser;
let work;

/** Serves one built h5 output at a time from its root (uni-app's h5 build links /assets/…): `site.root`. */
function startSite() {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };
  const site = { root: null };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://site');
    const file = path.join(site.root, decodeURIComponent(url.pathname));
    if (!file.startsWith(site.root + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': types[path.extname(file)] || 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(
        Object.assign(site, { origin: `http://127.0.0.1:${server.address().port}`, close: () => server.close() }),
      ),
    ),
  );
}

before(async () => {
  if (!existsSync(path.join(FIXTURES, 'node_modules/.package-lock.json')))
    throw new Error(
      'tests/frameworks/node_modules is missing: run scripts/setup-frameworks.sh (scripts/setup.sh does)',
    );
  work = await mkdtemp(path.join(tmpdir(), 'ossup-frameworks-'));
  // The package as npm would install it.
  await run('npm', ['pack', '--silent', '--pack-destination', work], { cwd: path.join(REPO, 'pkg') });
  const tarball = readdirSync(work).find((file) => file.endsWith('.tgz'));
  ossupDir = path.join(work, 'ossup');
  mkdirSync(ossupDir);
  await run('tar', ['-xzf', path.join(work, tarball), '-C', ossupDir, '--strip-components=1']);
  ossupHash = hashFiles(ossupDir);

  bucket = await startBucketServer({ root: path.join(work, 'bucket'), testMode: true });
  site = await startSite();
  const [accessKeyId, accessKeySecret] = Object.entries(DEFAULT_ACCESS_KEYS)[0];
  app = await startAppServer({
    port: 0,
    corsOrigins: [site.origin],
    signing: { bucket: bucket.bucket, region: bucket.region, endpoint: bucket.url, accessKeyId, accessKeySecret },
    authenticate: () => 'guest', // the fixtures sign in nobody: everyone is users/guest/
  });
});

after(async () => {
  if (browser) await browser.close();
  if (app) await app.close();
  if (site) site.close();
  if (bucket) await bucket.close();
  if (work) await rm(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------- checks

const SANDBOX = { 'mp-weixin': 'wechat', 'mp-toutiao': 'douyin', 'mp-alipay': 'alipay', weapp: 'wechat' };
const ENGINE = { wechat: 'WXWebAssembly', douyin: 'TTWebAssembly', alipay: 'wasm2js' };
const API = { wechat: 'wx', douyin: 'tt', alipay: 'my' };
const CORE_PATH = '/miniprogram_npm/ossup/ossup.wasm.br';

function assertNoErrors(sandbox) {
  assert.deepEqual(
    sandbox.errors.map(({ error, where }) => `${where}: ${error && error.stack}`),
    [],
  );
}

/** The core files in a mini-program output: only the one its build loads, where it loads it. */
function assertCoreFiles(out, platform) {
  const wasm = allFiles(out).filter((file) => /\.wasm(\.br)?$/.test(file));
  if (platform === 'alipay') assert.deepEqual(wasm, [], 'no wasm shipped where the wasm2js core runs');
  else assert.deepEqual(wasm, [CORE_PATH.slice(1)], 'the core is where ready() loads it from, and only it');
  if (platform !== 'alipay') {
    const js = allFiles(out).filter((file) => file.endsWith('.js'));
    const browserCode = js.filter((file) => readFileSync(path.join(out, file), 'utf8').includes('XMLHttpRequest'));
    assert.deepEqual(browserCode, [], 'no browser build bundled into a mini program');
  }
}

/** Each result is a success whose object in the bucket holds the chosen file's bytes. */
async function assertStored(results, expected) {
  assert.equal(results.length, expected.length);
  for (const [i, result] of results.entries()) {
    assert.equal(result.status, 'success', `file ${i}: ${result.error && result.error.message}`);
    assert.ok(
      (await readFile(bucket.objectPath(result.key))).equals(expected[i]),
      `file ${i} is byte-identical in the bucket`,
    );
  }
}

function assertUploadCalls(sandbox, platform, count) {
  const uploads = sandbox.calls.filter((call) => call.api === `${API[platform]}.uploadFile`);
  assert.equal(uploads.length, count);
  for (const upload of uploads) {
    assert.ok(!JSON.stringify(upload.options).includes(SECRET), 'no secret in the upload');
    if (platform === 'alipay') assert.equal(upload.options.fileType, 'image', 'my.uploadFile got its fileType');
  }
}

function assertCoreLoad(sandbox, platform) {
  const loads = sandbox.calls.filter((call) => /WebAssembly\.instantiate$/.test(call.api));
  assert.deepEqual(
    loads.map((call) => [call.api, call.options.path]),
    platform === 'alipay' ? [] : [[`${ENGINE[platform]}.instantiate`, CORE_PATH]],
  );
}

/**
 * Opens the h5 output `out` at `page` in Chromium, chooses `files` through the page's picker
 * after clicking `button`, and waits for `done`.
 */
async function uploadInBrowser(out, pagePath, { button, files, done }) {
  site.root = out;
  const url = `${site.origin}/${pagePath}`;
  browser ??= await launchChromium();
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  try {
    // The app's config.js names the app server at :3000; here it listens elsewhere.
    await page.route('http://127.0.0.1:3000/**', (route) =>
      route.continue({ url: route.request().url().replace('http://127.0.0.1:3000', app.url) }),
    );
    await page.goto(url);
    const chooser = page.waitForEvent('filechooser');
    await page.locator(button).first().click({ timeout: 20000 });
    await (await chooser).setFiles(files);
    await page.waitForFunction((text) => document.body.innerText.includes(text), done, { timeout: 30000 });
    return await page.evaluate(() => document.body.innerText);
  } finally {
    await page.close();
    assert.deepEqual(problems, [], 'no uncaught errors in the page');
  }
}

// A 1×1 PNG: Taro's h5 picker decodes each image (for its size) and drops what does not decode.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** Two images, made big by bytes after the PNG's end (which decoders ignore). */
function browserFiles() {
  const image = (name, size, seed) => ({
    name,
    mimeType: 'image/png',
    buffer: Buffer.concat([PNG, Buffer.from(Array.from({ length: size }, (_, i) => (i * seed) % 251))]),
  });
  return [image('beach.png', 150 * 1024 + 3, 7), image('scan.png', 40 * 1024, 13)];
}

/** Each file is in the bucket byte for byte (the h5 pages show no keys to look up). */
async function assertInBucket(files) {
  const objects = path.dirname(bucket.objectPath('any'));
  const stored = await Promise.all(
    readdirSync(objects)
      .filter((name) => !name.endsWith('.meta.json'))
      .map((name) => readFile(path.join(objects, name))),
  );
  for (const file of files)
    assert.ok(
      stored.some((bytes) => bytes.equals(file.buffer)),
      `${file.name} is byte-identical in the bucket`,
    );
}

// ---------------------------------------------------------------- tests

for (const layout of ['hbuilderx', 'cli']) {
  describe(`uni-app, ${layout === 'cli' ? 'CLI layout (src/)' : 'HBuilderX layout (examples/uniapp)'}`, () => {
    for (const platform of ['mp-weixin', 'mp-toutiao', 'mp-alipay']) {
      test(`${platform}: the built upload-logic.js uploads through the platform's API`, async (t) => {
        const { out } = await buildUni(layout, platform);
        const kind = SANDBOX[platform];
        assertCoreFiles(out, kind);
        const sandbox = createSandbox(kind, { packageDir: out });
        t.after(() => sandbox.close());
        const { initialState, createUploadLogic } = sandbox.requireFile(path.join(out, 'upload-logic.js'));
        const state = initialState();
        const logic = createUploadLogic(state, { apiBase: app.url });
        await logic.init();
        assert.equal(state.message, '');
        assert.equal(state.engine, ENGINE[kind]);
        const first = sandbox.addFile('beach.jpg', 150 * 1024 + 3);
        const second = sandbox.addFile('scan.png', 40 * 1024);
        sandbox.queueChoice([first, second]);
        const results = sandbox.toHost(await logic.choose());
        await assertStored(results, [sandbox.fileBytes(first), sandbox.fileBytes(second)]);
        assert.equal(state.message, '2 of 2 uploaded');
        assertCoreLoad(sandbox, kind);
        assertUploadCalls(sandbox, kind, 2);
        assertNoErrors(sandbox);
      });
    }

    test('h5: the built page uploads files chosen in Chromium', async () => {
      const { out } = await buildUni(layout, 'h5');
      const wasm = allFiles(out).filter((file) => /\.wasm(\.br)?$/.test(file));
      assert.equal(wasm.length, 1, `one .wasm, fetched by the browser build: ${wasm}`);
      assert.ok(!wasm[0].endsWith('.br'));
      const files = browserFiles();
      const text = await uploadInBrowser(out, 'index.html', {
        button: 'uni-button',
        files,
        done: '2 of 2 uploaded',
      });
      assert.match(text, /ossup core: WebAssembly/);
      await assertInBucket(files);
    });
  });
}

describe('Taro 4 (webpack 5), plugins: [ossup/taro]', () => {
  test('weapp: the whole app runs; a tap on the page uploads through wx.uploadFile', async (t) => {
    const { out } = await buildTaro('weapp');
    assertCoreFiles(out, 'wechat');
    const sandbox = createSandbox('wechat', { packageDir: out, appRoot: out });
    t.after(() => sandbox.close());
    sandbox.requireFile(path.join(out, 'app.js'));
    sandbox.requireFile(path.join(out, 'pages/upload/index.js'));
    const page = sandbox.page;
    page.route = page.__route__ = 'pages/upload/index';
    sandbox.app.onLaunch(sandbox.adopt({ path: 'pages/upload/index', query: {} }));
    page.onLoad(sandbox.adopt({ apiBase: encodeURIComponent(app.url) }));
    page.onShow();
    page.onReady();
    const text = () => JSON.stringify(sandbox.toHost(page.data));
    const waitFor = async (what) => {
      const deadline = Date.now() + 20000;
      while (!text().includes(what)) {
        if (Date.now() > deadline) throw new Error(`the page never showed ${what}: ${text()}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await waitFor('"WXWebAssembly"');
    const first = sandbox.addFile('beach.jpg', 150 * 1024 + 3);
    const second = sandbox.addFile('scan.png', 40 * 1024);
    sandbox.queueChoice([first, second]);
    // What the view sends when the button (id="choose") is tapped.
    const target = { id: 'choose', dataset: {} };
    page.eh(sandbox.adopt({ type: 'tap', timeStamp: 1, currentTarget: target, target, detail: {} }));
    await waitFor('2 of 2 uploaded');
    const keys = [...text().matchAll(/users\/guest\/[\w/.-]+/g)].map((m) => m[0]);
    const results = keys.map((key) => ({ status: 'success', key }));
    await assertStored(results, [sandbox.fileBytes(first), sandbox.fileBytes(second)]);
    assertCoreLoad(sandbox, 'wechat');
    assertUploadCalls(sandbox, 'wechat', 2);
    assertNoErrors(sandbox);
  });

  test('h5: the built page uploads files chosen in Chromium', async () => {
    const { out } = await buildTaro('h5');
    const files = browserFiles();
    const text = await uploadInBrowser(out, `index.html#/pages/upload/index?apiBase=${encodeURIComponent(app.url)}`, {
      button: '#choose',
      files,
      done: '2 of 2 uploaded',
    });
    assert.match(text, /WebAssembly/);
    await assertInBucket(files);
  });
});

describe('WeChat native, miniprogram-ci npm build', () => {
  test('examples/wechat-miniprogram with the miniprogram_npm it built uploads photos', async (t) => {
    const { out } = await buildWechatNpm();
    assert.deepEqual(allFiles(path.join(out, 'miniprogram_npm/ossup')).sort(), [
      'index.js',
      'miniprogram.js',
      'ossup-post.wasm.br',
      'ossup.wasm.br',
      'package.json',
      'post.js',
      'vod.js',
    ]);
    const sandbox = createSandbox('wechat', {
      packageDir: out,
      appRoot: out,
      miniprogramNpm: path.join(out, 'miniprogram_npm'),
    });
    t.after(() => sandbox.close());
    sandbox.requireFile(path.join(out, 'config.js')).apiBase = app.url;
    sandbox.requireFile(path.join(out, 'app.js'));
    sandbox.requireFile(path.join(out, 'pages/upload/index.js'));
    const page = sandbox.page;
    await page.onLoad();
    assert.equal(page.data.engine, 'WXWebAssembly');
    const first = sandbox.addFile('holiday photo.jpg', 180 * 1024 + 7);
    const second = sandbox.addFile('IMG_0001.png', 64 * 1024);
    sandbox.queueChoice([first, second]);
    const results = sandbox.toHost(await page.choose());
    await assertStored(results, [sandbox.fileBytes(first), sandbox.fileBytes(second)]);
    assertCoreLoad(sandbox, 'wechat');
    assertUploadCalls(sandbox, 'wechat', 2);
    assertNoErrors(sandbox);
  });
});
