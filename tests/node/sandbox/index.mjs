// Mini-program sandboxes for Node's test runner: WeChat, Alipay, Douyin and uni-app (compiled
// to mp-weixin) logic layers, each a node:vm context with that platform's globals and APIs —
// real HTTP, real files, real WebAssembly loaded the platform's way — and nothing else.
//
//   const sandbox = createSandbox('wechat');
//   const path = sandbox.addFile('photo.jpg', 1024);
//   const engine = await sandbox.run("const o = require('ossup'); await o.ready(); return o.engine();");
//   await sandbox.close();
//
// The facts each platform is built from are in platforms.mjs, with their sources.

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { createAppRegistry } from './app.mjs';
import { chooseResult, createFileStore } from './files.mjs';
import { createNetwork } from './network.mjs';
import { PLATFORMS, buildApis, createWasmGlobal, dialectFor } from './platforms.mjs';
import { createConsole, createRealm, toHost } from './realm.mjs';

export { PLATFORMS } from './platforms.mjs';
export { fillerBytes, guessContentType } from './files.mjs';
export { parseDataPath } from './app.mjs';

/** pkg/dist: the bundles and the wasm the sandboxes load. */
export const DIST_DIR = fileURLToPath(new URL('../../../pkg/dist/', import.meta.url));
/** Where the WeChat npm build puts the package's wasm (the package's default `wasmPath`). */
export const PACKAGE_WASM_PATH = '/miniprogram_npm/ossup/ossup.wasm.br';

const PLATFORM_NAMES = Object.keys(PLATFORMS);

function snapshot(value, depth = 0) {
  if (typeof value === 'function') return '[Function]';
  if (value === null || typeof value !== 'object') return value;
  const tag = Object.prototype.toString.call(value);
  if (tag === '[object ArrayBuffer]') return { ArrayBuffer: value.byteLength };
  if (ArrayBuffer.isView(value)) return { [value.constructor.name]: value.byteLength };
  if (depth > 3) return '[…]';
  if (Array.isArray(value)) return value.map((item) => snapshot(item, depth + 1));
  const out = {};
  for (const key of Object.keys(value)) out[key] = snapshot(value[key], depth + 1);
  return out;
}

function refererFor(platform, appId) {
  if (platform === 'douyin') return `https://tmaservice.developer.toutiao.com/?appid=${appId}&version=0.0.1`;
  // Approximate: Alipay's logic layer sends the app's hybrid origin.
  if (platform === 'alipay') return `https://${appId}.hybrid.alipay-eco.com/${appId}/0.0.1/index.html`;
  return `https://servicewechat.com/${appId}/0/page-frame.html`; // version 0: develop/trial builds
}

function userAgentFor(platform) {
  if (platform === 'alipay') return 'Mozilla/5.0 (Linux; Android 12) AlipayClient/10.5.0 (ossup sandbox)';
  if (platform === 'douyin')
    return 'Mozilla/5.0 (Linux; Android 12) aweme/28.0.0 ToutiaoMicroApp/3.0.0 (ossup sandbox)';
  return 'Mozilla/5.0 (Linux; Android 12) MicroMessenger/8.0.50 miniProgram (ossup sandbox)';
}

/**
 * A sandbox for `platform` ('wechat' | 'alipay' | 'douyin' | 'uni'). Options:
 * - `packageDir`: the code package WXWebAssembly/TTWebAssembly load from (default: a temp dir
 *   holding pkg/dist/ossup.wasm.br at miniprogram_npm/ossup/ossup.wasm.br)
 * - `bundle`: the file `require('ossup')` evaluates (default: miniprogram.cjs; Alipay wasm2js.cjs)
 * - `miniprogramNpm`: a miniprogram_npm folder the WeChat npm build wrote: bare `require`s
 *   resolve there (and only there) instead of to pkg/dist
 * - `storage`: a Map backing the storage APIs (share one between sandboxes to simulate a restart)
 * - `timeoutMs`: default and maximum network timeout (WeChat/Douyin 60 000, Alipay 30 000)
 * - `maxConcurrent`: cap on simultaneous request/uploadFile (WeChat/uni 10; 0 = none)
 * - `overflow`: 'fail' (default: a call over the cap fails at once, as base libraries < 1.4.0
 *   did) or 'queue' (what current WeChat does: it waits for a free slot)
 * - `requireHttps`: fail http:// URLs as production would (default false: the local bucket is http)
 * - `rejectGlobalExports`: WXWebAssembly refuses modules exporting a Global (default: true on
 *   WeChat/uni, as iOS does; false on Douyin)
 * - `backgroundGraceMs`: after goBackground(), open requests fail "interrupted" (default 5000)
 * - `alipayDataTypeDefault`: my.request's default dataType (default 'json_or_text', base
 *   library ≥ 2.9.5; 'json' before)
 * - `allowEval`: allow eval/new Function inside (default false: the platforms forbid them)
 * - `appId`, `verbose` (print the sandbox console)
 */
export function createSandbox(platform, options = {}) {
  const facts = PLATFORMS[platform];
  if (!facts) throw new Error(`createSandbox: platform must be one of ${PLATFORM_NAMES.join(', ')}; got ${platform}`);

  const workDir = mkdtempSync(path.join(tmpdir(), `ossup-sandbox-${platform}-`));
  let packageDir = options.packageDir;
  if (!packageDir) {
    packageDir = path.join(workDir, 'package');
    const target = path.join(packageDir, PACKAGE_WASM_PATH);
    try {
      mkdirSync(path.dirname(target), { recursive: true });
      copyFileSync(path.join(DIST_DIR, 'ossup.wasm.br'), target);
    } catch (error) {
      rmSync(workDir, { recursive: true, force: true });
      throw new Error(`createSandbox: cannot copy pkg/dist/ossup.wasm.br (run \`make build\`): ${error.message}`);
    }
  }
  const filesDir = path.join(workDir, 'files');
  mkdirSync(filesDir);

  const calls = [];
  const logs = [];
  const errors = [];
  const storage = options.storage || new Map();
  const record = (api, callOptions) => calls.push({ api, options: snapshot(callOptions), at: Date.now() });

  let registry = null;
  const onError = (error, where) => {
    errors.push({ error, where });
    if (options.verbose) console.error(`[sandbox ${platform}] uncaught in ${where}:`, error);
    const app = registry && registry.app;
    if (app && typeof app.onError === 'function' && where !== 'App.onError') {
      try {
        app.onError(String((error && error.stack) || error));
      } catch (inner) {
        errors.push({ error: inner, where: 'App.onError' });
      }
    }
  };

  const realm = createRealm({
    name: `ossup-sandbox-${platform}`,
    allowEval: Boolean(options.allowEval),
    keepGlobalThis: facts.keepGlobalThis,
    keepBigInt: facts.keepBigInt,
    onError,
  });
  const { context, intrinsics, adopt } = realm;
  const invoke = (fn, arg) => {
    if (typeof fn !== 'function') return;
    try {
      fn(arg);
    } catch (error) {
      onError(error, 'callback');
    }
  };
  const realmError = (message, type = 'Error') => {
    const Constructor =
      type === 'TypeError'
        ? intrinsics.TypeError
        : type === 'LinkError'
          ? intrinsics.WebAssembly.LinkError
          : intrinsics.Error;
    return new Constructor(message);
  };

  const dialect = dialectFor(platform);
  const store = createFileStore(platform, filesDir);
  const appId =
    options.appId ||
    (platform === 'alipay' ? '2021000000000000' : platform === 'douyin' ? 'tt0000000000000000' : 'wx0000000000000000');
  const network = createNetwork({
    platform,
    dialect,
    adopt,
    invoke,
    record,
    store,
    timeoutMs: options.timeoutMs ?? facts.timeoutMs,
    maxConcurrent: options.maxConcurrent ?? facts.maxConcurrent,
    overflow: options.overflow || 'fail',
    requireHttps: Boolean(options.requireHttps),
    referer: refererFor(platform, appId),
    userAgent: userAgentFor(platform),
    alipayDataTypeDefault: options.alipayDataTypeDefault || 'json_or_text',
  });
  const lifecycle = { hide: new Set(), show: new Set() };
  const choices = [];
  const apis = buildApis({
    platform,
    facts,
    dialect,
    adopt,
    invoke,
    record,
    realmError,
    intrinsics,
    store,
    network,
    storage,
    choices,
    lifecycle,
  });
  const app = createAppRegistry({ adopt, invoke, record });
  registry = app.registry;

  // The globals a mini program's code sees.
  context.console = adopt(createConsole(logs, Boolean(options.verbose)));
  Object.assign(context, realm.timers.globals);
  for (const [name, api] of Object.entries(apis)) context[name] = adopt(api);
  if (facts.wasmGlobal) {
    context[facts.wasmGlobal] = adopt(
      createWasmGlobal({
        name: facts.wasmGlobal,
        intrinsics,
        packageDir,
        rejectGlobalExports: options.rejectGlobalExports ?? facts.rejectGlobalExports,
        record,
        realmError,
        adopt,
      }),
    );
  }
  Object.assign(context, app.globals);

  // CommonJS as the mini-program runtimes do it: `require` resolves only the app's own files
  // and the npm package (what the npm build copies into miniprogram_npm) — no Node modules.
  const bundleFor = {
    ossup: options.bundle || path.join(DIST_DIR, facts.bundle),
    'ossup/miniprogram': path.join(DIST_DIR, 'miniprogram.cjs'),
    'ossup/wasm2js': path.join(DIST_DIR, 'wasm2js.cjs'),
  };
  const modules = new Map();
  const resolveSpecifier = (specifier, fromFile) => {
    if (typeof specifier !== 'string') return null;
    if (options.miniprogramNpm && /^[^./]/.test(specifier)) {
      // What the WeChat npm build wrote: `x/y` is miniprogram_npm/x/y.js, `x` its index.js.
      const [name, ...sub] = specifier.split('/');
      const file = path.join(options.miniprogramNpm, name, `${sub.length ? sub.join('/') : 'index'}.js`);
      try {
        readFileSync(file);
        return file;
      } catch {
        return null;
      }
    }
    if (bundleFor[specifier]) return bundleFor[specifier];
    if (!/^\.{0,2}\//.test(specifier) || !fromFile) return null;
    const base = specifier.startsWith('/') && options.appRoot ? options.appRoot : path.dirname(fromFile);
    const target = path.resolve(base, specifier.startsWith('/') ? `.${specifier}` : specifier);
    for (const candidate of [target, `${target}.js`, path.join(target, 'index.js')]) {
      try {
        readFileSync(candidate);
        return candidate;
      } catch {
        // next candidate
      }
    }
    return null;
  };
  const makeRequire = (fromFile) => (specifier) => {
    const file = resolveSpecifier(specifier, fromFile);
    if (!file) throw realmError(`module '${specifier}' is not defined, require args is '${specifier}'`);
    return loadModule(file);
  };
  const loadModule = (file) => {
    const cached = modules.get(file);
    if (cached) return cached.exports;
    const module = adopt({ exports: {} });
    modules.set(file, module);
    try {
      const source = readFileSync(file, 'utf8');
      // WeChat and Douyin hand each module `global` (their global object) beside require/module/
      // exports; uni-app's runtime assigns to it unguarded. Alipay's modules get none.
      const wrapper = new vm.Script(`(function (require, module, exports, global) {${source}\n})`, {
        filename: file,
      });
      const global = platform === 'alipay' ? undefined : context;
      wrapper.runInContext(context).call(module.exports, makeRequire(file), module, module.exports, global);
    } catch (error) {
      modules.delete(file);
      throw error;
    }
    return module.exports;
  };
  const rootFile = path.join(options.appRoot || packageDir, 'app.js');

  let backgroundTimer = null;
  const sandbox = {
    platform,
    context,
    packageDir,
    calls,
    logs,
    errors,
    storage,
    /** Every HTTP exchange: { api, method, url, status, fields, file, bodyBytes, bytesSent, … }. */
    http: network.log,
    get maxConcurrent() {
      return network.state.maxConcurrent;
    },
    get activeRequests() {
      return network.state.active;
    },
    get app() {
      return registry.app;
    },
    get page() {
      return registry.pages[registry.pages.length - 1];
    },
    get pages() {
      return registry.pages.slice();
    },

    /** Evaluates `require(specifier)` inside the sandbox (default the package). */
    require: (specifier = 'ossup') => makeRequire(rootFile)(specifier),
    /** Loads an app file (e.g. a page's index.js) as a module; its Page() call is recorded. */
    requireFile: (file) => loadModule(path.resolve(file)),
    /** Runs `body` as an async function inside, with `require` and `locals` in scope. */
    run(body, locals = {}) {
      const names = Object.keys(locals);
      const fn = new vm.Script(`(async function (require${names.map((n) => `, ${n}`).join('')}) {\n${body}\n})`, {
        filename: `sandbox-run-${platform}.js`,
      }).runInContext(context);
      return fn(makeRequire(rootFile), ...names.map((n) => adopt(locals[n])));
    },
    /** Runs `body` like `run` and returns what it threw as plain `{ name, code, message }` (null if nothing). */
    async thrown(body, locals = {}) {
      const out = await this.run(
        `try { ${body} } catch (e) { return { name: e.name, code: e.code, message: e.message }; } return null;`,
        locals,
      );
      return toHost(out);
    },
    /** Evaluates a script in the sandbox's global scope and returns its completion value. */
    evaluate: (code) => realm.evaluate(code, `sandbox-evaluate-${platform}.js`),
    /** Copies a value out of the sandbox realm into plain host objects. */
    toHost,
    /** Moves a host value into the sandbox realm. */
    adopt,

    /** Adds a local file (bytes, a string or a size in bytes) and returns its platform path. */
    addFile: (name, bytes) => store.add(name, bytes),
    /** The real file behind a platform path (or null). */
    hostPath: (platformPath) => store.resolve(platformPath)?.hostPath ?? null,
    /** The bytes behind a platform path. */
    fileBytes: (platformPath) => {
      const entry = store.resolve(platformPath);
      if (!entry) throw new Error(`fileBytes: no such file ${platformPath}`);
      return readFileSync(entry.hostPath);
    },
    /** What the platform's picker (`api`, default chooseMedia/chooseImage) returns for `paths`. */
    chooseResult: (paths, api = facts.chooseApi) =>
      adopt(chooseResult(platform, store, paths, api, platform === 'alipay' ? {} : { errMsg: `${api}:ok` })),
    /** Queues `paths` as the user's next choice in chooseImage / chooseMedia / chooseVideo. */
    queueChoice: (paths) => {
      choices.push(paths);
    },

    /** The app goes to the background: onAppHide/App.onHide/Page.onHide, then "interrupted". */
    goBackground({ graceMs = options.backgroundGraceMs ?? 5000 } = {}) {
      for (const listener of lifecycle.hide) invoke(listener, adopt({}));
      if (registry.app) invoke(registry.app.onHide && registry.app.onHide.bind(registry.app));
      for (const page of registry.pages) invoke(page.onHide && page.onHide.bind(page));
      clearTimeout(backgroundTimer);
      backgroundTimer = network.background(graceMs);
    },
    goForeground() {
      clearTimeout(backgroundTimer);
      network.foreground();
      for (const listener of lifecycle.show) invoke(listener, adopt({}));
      if (registry.app) invoke(registry.app.onShow && registry.app.onShow.bind(registry.app), adopt({}));
      for (const page of registry.pages) invoke(page.onShow && page.onShow.bind(page));
    },

    /** Aborts open requests silently, cancels timers, removes the temp files. */
    async close() {
      clearTimeout(backgroundTimer);
      network.close();
      realm.timers.clearAll();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
  return sandbox;
}
