// ossup as the bundlers and consumers of web and Node code meet it: the packed package (npm pack
// of pkg/, unpacked as npm installs it) in the fixture apps of tests/toolchains/, built by the
// real CLIs (versions pinned in tests/toolchains/package-lock.json, installed by
// scripts/setup-toolchains.sh) configured exactly as README "Bundlers" says. Each browser output
// runs in headless Chromium, each Node output in Node, to a real upload to the local bucket,
// byte-checked. Where a tool needs a line, the test without it checks what the error says.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { launchChromium } from '../../scripts/chromium.mjs';
import { startBucketServer } from '../../www/server/bucket.mjs';

const execFileP = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOOLCHAINS = path.join(ROOT, 'tests', 'toolchains');
const WORK = path.join(TOOLCHAINS, '.work');
const PACKAGE = path.join(WORK, 'ossup-package'); // the tarball, unpacked
const PATH = [path.join(TOOLCHAINS, 'node_modules', '.bin'), path.join(ROOT, 'node_modules', '.bin'), process.env.PATH];
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const BUNDLERS = README.slice(README.indexOf('### Bundlers')).split(/\n#{2,3} /)[0];

let bucket;
let browser;
const closers = [];

/** A shell command in `cwd` with the toolchains' CLIs on PATH, as a user's terminal would run it. */
function sh(command, cwd) {
  return execFileP('bash', ['-c', command], {
    cwd,
    env: { ...process.env, PATH: PATH.join(path.delimiter), NO_COLOR: '1', npm_config_update_notifier: 'false' },
    maxBuffer: 32 << 20,
  });
}

/** tests/toolchains/<fixture> (and the shared app as src/main.js) copied to .work/<name>, ossup installed. */
function project(fixture, name = fixture) {
  const dir = path.join(WORK, name);
  rmSync(dir, { recursive: true, force: true });
  cpSync(path.join(TOOLCHAINS, fixture), dir, { recursive: true });
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  cpSync(path.join(TOOLCHAINS, 'app', 'main.js'), path.join(dir, 'src', 'main.js'));
  cpSync(PACKAGE, path.join(dir, 'node_modules', 'ossup'), { recursive: true });
  return dir;
}

const TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
};

/** A static server for a built app; a missing file is a 404, as on any static host. */
function serve(dir) {
  const server = http.createServer(async (req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = path.join(dir, pathname.endsWith('/') ? `${pathname}index.html` : pathname);
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      closers.push(() => new Promise((done) => (server.closeAllConnections(), server.close(done))));
      resolve(`http://127.0.0.1:${server.address().port}/`);
    }),
  );
}

/** A dev server CLI (`args` after the script), until it prints its URL. */
function devServer(script, args, cwd) {
  const child = spawn(process.execPath, [script, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
  closers.push(() => child.kill());
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL from the dev server:\n${output}`)), 60_000);
    const read = (chunk) => {
      output += chunk;
      const url = output.match(/Local:\s+(http:\/\/127\.0\.0\.1:\d+\/)/);
      if (url) {
        clearTimeout(timer);
        resolve(url[1]);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => reject(new Error(`the dev server exited (${code}):\n${output}`)));
  });
}

/** Opens the app, waits for `ready()`; then uploads one file through the page and checks the bucket. */
async function uploadFromPage(t, url, name) {
  const context = await browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready || document.body.dataset.error, null, {
    timeout: 30_000,
  });
  const state = await page.evaluate(() => ({ ...document.body.dataset }));
  if (state.error) return { error: state.error };
  const bytes = Array.from({ length: 70_001 }, (_, i) => (i * 31 + name.length) & 0xff);
  const result = await page.evaluate((options) => window.uploadOne(options), {
    bucket: bucket.bucket,
    region: bucket.region,
    endpoint: bucket.url,
    sts: bucket.issueSts({ ttlSeconds: 900 }),
    name,
    bytes,
  });
  assert.equal(result.status, 'success', result.error);
  assert.equal(result.integrity, 'verified');
  assert.ok(
    readFileSync(bucket.objectPath(result.key)).equals(Buffer.from(bytes)),
    `${name} is byte-identical in the bucket`,
  );
  return result;
}

/** Runs a Node program that uploads `file` with the bucket's STS credentials; returns its JSON line. */
async function uploadFromNode(args, cwd, file) {
  const { stdout } = await execFileP(process.execPath, [...args, file], {
    cwd,
    env: {
      ...process.env,
      BUCKET: bucket.bucket,
      REGION: bucket.region,
      ENDPOINT: bucket.url,
      STS: JSON.stringify(bucket.issueSts({ ttlSeconds: 900 })),
    },
  });
  const result = JSON.parse(stdout.trim().split('\n').pop());
  const upload = result.upload || result;
  assert.equal(upload.status, 'success', upload.error);
  assert.equal(upload.integrity, 'verified');
  assert.ok(readFileSync(bucket.objectPath(upload.key)).equals(readFileSync(file)), 'byte-identical in the bucket');
  return result;
}

function sampleFile(dir, name) {
  const file = path.join(dir, name);
  writeFileSync(file, Buffer.from(Array.from({ length: 50_003 }, (_, i) => (i * 7 + 3) & 0xff)));
  return file;
}

before(async () => {
  assert.ok(
    existsSync(path.join(TOOLCHAINS, 'node_modules', '.package-lock.json')),
    'tests/toolchains has no node_modules: run scripts/setup-toolchains.sh',
  );
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(PACKAGE, { recursive: true });
  const { stdout } = await sh(`npm pack --json --pack-destination ${JSON.stringify(WORK)}`, path.join(ROOT, 'pkg'));
  const [{ filename }] = JSON.parse(stdout);
  await sh(
    `tar -xzf ${JSON.stringify(path.join(WORK, filename))} -C ${JSON.stringify(PACKAGE)} --strip-components=1`,
    WORK,
  );
  bucket = await startBucketServer({ root: path.join(WORK, 'bucket') });
  browser = await launchChromium();
});

after(async () => {
  for (const close of closers.reverse()) await close();
  if (browser) await browser.close();
  if (bucket) await bucket.close();
  rmSync(WORK, { recursive: true, force: true });
});

// ---------------------------------------------------------------- browsers

test('README "Bundlers" has the lines these fixtures use', () => {
  assert.ok(BUNDLERS.length > 100, 'README has a "### Bundlers" section');
  for (const line of [
    readFileSync(path.join(TOOLCHAINS, 'vite5', 'vite.config.js'), 'utf8').match(/optimizeDeps: \{[^}]*\}/)[0],
    readFileSync(path.join(TOOLCHAINS, 'rollup', 'build.sh'), 'utf8').trim(),
    readFileSync(path.join(TOOLCHAINS, 'esbuild', 'build.sh'), 'utf8').trim(),
    "serverExternalPackages: ['ossup']",
    "externals: { ossup: 'commonjs ossup' }",
  ]) {
    assert.ok(BUNDLERS.includes(line), `README "Bundlers" says: ${line}`);
  }
});

test('Vite 8: build and dev server with no configuration upload from Chromium', async (t) => {
  const dir = project('vite8');
  const vite = path.join(TOOLCHAINS, 'node_modules', 'vite', 'bin', 'vite.js');
  await sh(`node ${vite} build`, dir);
  assert.ok(
    readdirSync(path.join(dir, 'dist', 'assets')).some((f) => f.endsWith('.wasm')),
    'Vite emitted the wasm',
  );
  await uploadFromPage(t, await serve(path.join(dir, 'dist')), 'vite8-build.bin');
  const url = await devServer(vite, ['--port', '0', '--host', '127.0.0.1'], dir);
  await uploadFromPage(t, url, 'vite8-dev.bin');
});

test('Vite 5: build, and the dev server with the README line, upload from Chromium', async (t) => {
  const dir = project('vite5');
  const vite = path.join(TOOLCHAINS, 'node_modules', 'vite5', 'bin', 'vite.js');
  await sh(`node ${vite} build`, dir);
  await uploadFromPage(t, await serve(path.join(dir, 'dist')), 'vite5-build.bin');
  const url = await devServer(vite, ['--port', '0', '--host', '127.0.0.1'], dir);
  await uploadFromPage(t, url, 'vite5-dev.bin');
});

test('Vite 5 dev server without the README line: ready() says it got HTML, from where, and the line', async (t) => {
  const dir = project('vite5', 'vite5-unconfigured');
  rmSync(path.join(dir, 'vite.config.js'));
  const vite = path.join(TOOLCHAINS, 'node_modules', 'vite5', 'bin', 'vite.js');
  const url = await devServer(vite, ['--port', '0', '--host', '127.0.0.1'], dir);
  const { error } = await uploadFromPage(t, url, 'unused');
  assert.match(
    error,
    /^WASM_LOAD_FAILED: ossup\.wasm from http:\/\/127\.0\.0\.1:\d+\/node_modules\/\.vite\/deps\/ossup\.wasm is not WebAssembly: got HTML \("<!doctype html>/i,
  );
  assert.ok(error.includes("optimizeDeps: { exclude: ['ossup'] }"), error);
});

test('webpack 5 (web): no configuration for ossup, uploads from Chromium', async (t) => {
  const dir = project('webpack-web');
  await sh('webpack', dir);
  await uploadFromPage(t, await serve(dir), 'webpack-web.bin');
});

test('Rollup 4 with the README line uploads from Chromium; without the copy, ready() names the 404 and the fix', async (t) => {
  const dir = project('rollup');
  await sh(readFileSync(path.join(dir, 'build.sh'), 'utf8'), dir);
  const url = await serve(dir);
  await uploadFromPage(t, url, 'rollup.bin');
  rmSync(path.join(dir, 'dist', 'ossup.wasm'));
  const { error } = await uploadFromPage(t, url, 'unused');
  assert.equal(
    error.slice(0, error.indexOf(': ossup.wasm must')),
    `WASM_LOAD_FAILED: fetching ossup.wasm from ${url}dist/ossup.wasm answered HTTP 404`,
  );
  assert.ok(error.includes('copy node_modules/ossup/dist/ossup.wasm into the output folder'), error);
});

test('esbuild with the README line uploads from Chromium; an iife bundle says why it cannot find the wasm', async (t) => {
  const dir = project('esbuild');
  await sh(readFileSync(path.join(dir, 'build.sh'), 'utf8'), dir);
  const url = await serve(dir);
  await uploadFromPage(t, url, 'esbuild.bin');
  await sh('esbuild src/main.js --bundle --outdir=dist --log-level=error', dir);
  const { error } = await uploadFromPage(t, url, 'unused');
  assert.match(error, /^WASM_LOAD_FAILED: this bundle has no import\.meta\.url .*--format=esm/);
});

// ---------------------------------------------------------------- Node

test('webpack 5 (Node target): require("ossup") and import bundled into server code find the wasm and upload', async () => {
  const dir = project('webpack-node');
  await sh('webpack', dir);
  const file = sampleFile(dir, 'server-upload.bin');
  for (const kind of ['require', 'import']) {
    // The bundle and what webpack emitted beside it, moved away from node_modules, as deployed.
    const deployed = path.join(WORK, `deployed-${kind}`);
    cpSync(path.join(dir, `dist-${kind}`), deployed, { recursive: true });
    await uploadFromNode([path.join(deployed, 'server.cjs')], WORK, file);
  }
});

test('a Node build without its wasm file fails on load with the path and the externals hint', async () => {
  const dir = path.join(WORK, 'bundled-without-wasm');
  mkdirSync(dir, { recursive: true });
  cpSync(path.join(PACKAGE, 'dist', 'node.cjs'), path.join(dir, 'server.cjs'));
  const failed = await execFileP(process.execPath, [path.join(dir, 'server.cjs')]).catch((error) => error);
  assert.equal(failed.code, 1);
  assert.ok(
    failed.stderr.includes(`cannot read ossup.wasm at ${path.join(dir, 'ossup.wasm')} (ENOENT)`),
    failed.stderr,
  );
  assert.ok(failed.stderr.includes("serverExternalPackages: ['ossup']"), failed.stderr);
});

test('Node ESM and CommonJS: named imports from every entry; ossup uploads', async () => {
  const dir = project('node');
  const file = sampleFile(dir, 'node-upload.bin');
  const results = [];
  for (const consumer of ['consumer.mjs', 'consumer.cjs']) results.push(await uploadFromNode([consumer], dir, file));
  for (const result of results) {
    assert.deepEqual(result.engines, ['WebAssembly', 'wasm2js']);
    assert.equal(new Set(result.crc64).size, 1, `every entry computes the same CRC-64: ${result.crc64}`);
    assert.deepEqual(result.functions, ['function', 'function', 'function', 'function']);
    assert.equal(result.DEFAULT_WASM_PATH, '/miniprogram_npm/ossup/ossup.wasm.br');
  }
});

test('Node builds print a readable stack: an uncaught OssupError shows the source line, not 60 KB of it', async () => {
  const dir = path.join(WORK, 'node');
  for (const [args, name] of [
    [['-e', "require('ossup').validateKey('')"], 'require'],
    [['--input-type=module', '-e', "import { validateKey } from 'ossup'; validateKey('')"], 'import'],
  ]) {
    const failed = await execFileP(process.execPath, args, { cwd: dir }).catch((error) => error);
    assert.match(failed.stderr, /OssupError/, name);
    assert.ok(failed.stderr.length < 4000, `${name}: ${failed.stderr.length} characters on stderr`);
    assert.match(failed.stderr, /node_modules\/ossup\/dist\/node\.(c|m)js:\d+/, name);
  }
});

// ---------------------------------------------------------------- TypeScript

const MODES = {
  node: { module: 'commonjs', moduleResolution: 'node' },
  node16: { module: 'node16', moduleResolution: 'node16' },
  bundler: { module: 'esnext', moduleResolution: 'bundler' },
};
const DOM = ['es2020', 'dom'];
const NO_DOM = ['es2020'];

/** `tsc -p` over `files` (and not-a-file.ts) with these options; its diagnostics. */
async function tsc(dir, name, compilerOptions, files) {
  const config = path.join(dir, `tsconfig.${name}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, target: 'es2020', types: [], ...compilerOptions },
      files: [...files, 'not-a-file.ts'],
    }),
  );
  return sh(`tsc -p ${config}`, dir).then(
    () => '',
    (error) => error.stdout || error.message,
  );
}

test('tsc --strict: every entry in every moduleResolution mode, with and without lib dom, mini-program files typed; upload(123) an error', async () => {
  const dir = project('types');
  const runs = [
    ['node, dom', { ...MODES.node, lib: DOM }, ['usage.ts', 'dom.ts']],
    ['node16, dom', { ...MODES.node16, lib: DOM }, ['usage.ts', 'usage-require.cts', 'dom.ts']],
    ['bundler, dom', { ...MODES.bundler, lib: DOM }, ['usage.ts', 'dom.ts']],
    // Without lib dom, as in mini-program projects; skipLibCheck once (it made an unknown Blob `any`).
    ['node, no dom, skipLibCheck', { ...MODES.node, lib: NO_DOM, skipLibCheck: true }, ['usage.ts']],
    ['node16, no dom', { ...MODES.node16, lib: NO_DOM }, ['usage.ts', 'usage-require.cts']],
    [
      'bundler, no dom, WeChat types',
      { ...MODES.bundler, lib: NO_DOM, types: ['miniprogram-api-typings'] },
      ['usage.ts', 'wechat-page.ts'],
    ],
    // @mini-types/alipay 3.0.14 has errors of its own under --strict: skipLibCheck.
    [
      'bundler, no dom, Alipay types',
      { ...MODES.bundler, lib: NO_DOM, types: ['@mini-types/alipay'], skipLibCheck: true },
      ['alipay-page.ts'],
    ],
  ];
  const outputs = [];
  // Two compilers at a time (two cores).
  const queue = runs.map((run, i) => [i, ...run]);
  await Promise.all(
    [0, 1].map(async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [i, name, options, files] = next;
        outputs[i] = [name, await tsc(dir, `run${i}`, options, files)];
      }
    }),
  );
  for (const [name, output] of outputs) {
    const lines = output.trim().split('\n');
    assert.equal(lines.length, 1, `${name}: only upload(123) fails:\n${output}`);
    assert.match(lines[0], /^not-a-file\.ts\(4,\d+\): error TS2345: Argument of type 'number' is not assignable/, name);
  }
});

// ---------------------------------------------------------------- the registry page

test('the packed README links work on the registry page: absolute links, a repository field', () => {
  const manifest = JSON.parse(readFileSync(path.join(PACKAGE, 'package.json'), 'utf8'));
  assert.match(manifest.repository.url, /^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/);
  const readme = readFileSync(path.join(PACKAGE, 'README.md'), 'utf8');
  const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
  assert.ok(targets.length > 3);
  for (const target of targets) assert.match(target, /^(https:\/\/|#)/, target);
  assert.match(readme, /!\[[^\]]*\]\(https:\/\/raw\.githubusercontent\.com\/[^)]+\/docs\/demo\.png\)/);
});
