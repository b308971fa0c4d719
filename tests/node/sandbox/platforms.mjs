// What differs between the platforms: globals, defaults, result and error shapes, and the
// API objects (`wx`, `my`, `tt`, `uni`) assembled from the shared pieces. Each fact names its
// source; facts we could not confirm say so.

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { chooseResult, createFileSystemManager } from './files.mjs';

export const PLATFORMS = {
  // WeChat: developers.weixin.qq.com/miniprogram/dev/framework/performance/wasm.html (WXWebAssembly,
  // path-only, .wasm/.wasm.br, "export … iOS 平台暂不支持 Global"); network limits: 10 concurrent
  // request/uploadFile/downloadFile, timeout default and max 60 s, "fail interrupted" 5 s after
  // going to the background (segmentfault.com/a/1190000015441957, DESIGN-NOTES).
  wechat: {
    api: 'wx',
    wasmGlobal: 'WXWebAssembly',
    keepGlobalThis: true,
    keepBigInt: true,
    randomValues: true,
    maxConcurrent: 10,
    timeoutMs: 60_000,
    bundle: 'miniprogram.cjs',
    engine: 'WXWebAssembly',
    chooseApi: 'chooseMedia',
    userDataPath: 'wxfile://usr',
    rejectGlobalExports: true,
  },
  // uni-app compiled to mp-weixin: the same runtime as WeChat, with `uni` beside `wx`.
  uni: {
    api: 'wx',
    extraApi: 'uni',
    wasmGlobal: 'WXWebAssembly',
    keepGlobalThis: true,
    keepBigInt: true,
    randomValues: true,
    maxConcurrent: 10,
    timeoutMs: 60_000,
    bundle: 'miniprogram.cjs',
    engine: 'WXWebAssembly',
    chooseApi: 'chooseImage',
    userDataPath: 'wxfile://usr',
    rejectGlobalExports: true,
  },
  // Douyin: developer.open-douyin.com …/mini-app/develop/tutorial/experience-optimization/list/wasm
  // (TTWebAssembly since 2.34.0.0, .wasm.br since 2.92.0.0, resolves { module, instance },
  // exports may include Global); tt.getRandomValues is asynchronous, { length ≤ 1048576 }.
  douyin: {
    api: 'tt',
    wasmGlobal: 'TTWebAssembly',
    keepGlobalThis: false,
    keepBigInt: true,
    randomValues: true,
    maxConcurrent: 0,
    timeoutMs: 60_000,
    bundle: 'miniprogram.cjs',
    engine: 'TTWebAssembly',
    chooseApi: 'chooseImage',
    userDataPath: 'ttfile://user',
    rejectGlobalExports: false,
  },
  // Alipay: no WebAssembly, no globalThis, no BigInt, no secure random source (DESIGN-NOTES);
  // my.request takes `headers`, answers { data, status, headers }, HTTP ≥ 400 fails with error
  // 19 (NervJS/taro packages/taro-platform-alipay/src/apis.ts; wendux/fly src/adapter/ap.js);
  // storage takes objects: setStorageSync({ key, data }), getStorageSync({ key }) → { data }.
  alipay: {
    api: 'my',
    wasmGlobal: null,
    keepGlobalThis: false,
    keepBigInt: false,
    randomValues: false,
    maxConcurrent: 0,
    timeoutMs: 30_000,
    bundle: 'wasm2js.cjs',
    engine: 'wasm2js',
    chooseApi: 'chooseImage',
    userDataPath: 'https://usr',
    rejectGlobalExports: false,
  },
};

// ---------------------------------------------------------------- result and error shapes

/** WeChat, uni-app (on mp-weixin) and Douyin: `errMsg: '<api>:ok' | '<api>:fail …'`. */
const errMsgDialect = {
  ok: (api) => ({ errMsg: `${api}:ok` }),
  failure(api, kind, detail) {
    if (kind === 'overflow') {
      // Seen in the wild: "uploadFile:fail createUploadTask:fail exceed max upload connection count 10".
      const create = api === 'uploadFile' ? 'createUploadTask' : 'createRequestTask';
      return { errMsg: `${api}:fail ${create}:fail ${detail}` };
    }
    if (kind === 'fileNotFound') return { errMsg: `${api}:fail file not found` };
    return { errMsg: `${api}:fail ${detail}` };
  },
  fileNotFound: (api, filePath) => ({ errMsg: `${api}:fail no such file or directory, open ${filePath}` }),
  syncErrorMessage: (api, failure) => failure.errMsg,
  progressEvent: (progress, sent, total) => ({ progress, totalBytesSent: sent, totalBytesExpectedToSend: total }),
  // wx.uploadFile success: { data, statusCode } only; headers come through onHeadersReceived.
  uploadSuccess: (api, response) => ({
    data: response.body.toString('utf8'),
    statusCode: response.status,
    errMsg: `${api}:ok`,
  }),
  requestOutcome(api, response, opts) {
    let data;
    if (opts.responseType === 'arraybuffer') {
      data = response.body.buffer.slice(response.body.byteOffset, response.body.byteOffset + response.body.length);
    } else {
      data = response.body.toString('utf8');
      if ((opts.dataType ?? 'json') === 'json') {
        try {
          data = JSON.parse(data);
        } catch {
          // not JSON: the text as is
        }
      }
    }
    // Every HTTP status is a success; the app checks statusCode.
    return {
      success: { data, statusCode: response.status, header: response.headers, cookies: [], errMsg: `${api}:ok` },
    };
  },
};

// Alipay error codes (DESIGN-NOTES for uploadFile; wendux/fly ap.js for request: 12 network,
// 13 timeout, 14 decode, 19 HTTP). 2 (invalid parameter) is Alipay's generic code: unconfirmed
// for a missing fileType. The file-system codes are unconfirmed: 11 "file does not exist" reused.
const ALIPAY_CODES = {
  uploadFile: {
    abort: 9,
    fileNotFound: 11,
    timeout: 12,
    network: 12,
    interrupted: 12,
    overflow: 12,
    param: 2,
    https: 20,
  },
  request: {
    abort: 9,
    timeout: 13,
    network: 12,
    interrupted: 12,
    overflow: 12,
    decode: 14,
    http: 19,
    param: 2,
    https: 20,
  },
};

const alipayDialect = {
  ok: () => ({}),
  failure(api, kind, detail) {
    const codes = ALIPAY_CODES[api] || { fileNotFound: 11, invalidParam: 2 };
    return { error: codes[kind] ?? 3, errorMessage: detail };
  },
  fileNotFound: (api, filePath) => ({ error: 11, errorMessage: `file does not exist: ${filePath}` }),
  syncErrorMessage: (api, failure) => failure.errorMessage,
  // Alipay's UploadTask progress names (unconfirmed: from memory of the Alipay docs).
  progressEvent: (progress, sent, total) => ({ progress, totalBytesWritten: sent, totalBytesExpectedToWrite: total }),
  uploadSuccess: (api, response) => ({
    data: response.body.toString('utf8'),
    statusCode: response.status,
    header: response.headers,
  }),
  requestOutcome(api, response, opts, settings) {
    const dataType = opts.dataType ?? settings.alipayDataTypeDefault;
    const text = response.body.toString('utf8');
    let data = text;
    if (dataType === 'arraybuffer') {
      data = response.body.buffer.slice(response.body.byteOffset, response.body.byteOffset + response.body.length);
    } else if (dataType === 'base64') {
      data = response.body.toString('base64');
    } else if (dataType === 'json' || dataType === 'json_or_text') {
      try {
        data = JSON.parse(text);
      } catch {
        if (dataType === 'json')
          return {
            failure: {
              error: 14,
              errorMessage: 'JSON parse data error',
              status: response.status,
              data: text,
              headers: response.headers,
            },
          };
      }
    }
    if (response.status >= 400) {
      return {
        failure: {
          error: 19,
          errorMessage: 'http status error',
          status: response.status,
          data,
          headers: response.headers,
        },
      };
    }
    return { success: { data, status: response.status, headers: response.headers } };
  },
};

export function dialectFor(platform) {
  return platform === 'alipay' ? alipayDialect : errMsgDialect;
}

// ---------------------------------------------------------------- WXWebAssembly / TTWebAssembly

/**
 * `WXWebAssembly.instantiate(path, imports)`: only a string path to a .wasm / .wasm.br file
 * inside the code package; resolves `{ module, instance }` like the standard API (the WeChat
 * page: "和标准 WebAssembly.instantiate 类似"; the Douyin page says so explicitly).
 */
export function createWasmGlobal({ name, intrinsics, packageDir, rejectGlobalExports, record, realmError, adopt }) {
  const WA = intrinsics.WebAssembly;
  const packageRoot = realpathSync(packageDir);
  const load = async (wasmPath) => {
    if (typeof wasmPath !== 'string') {
      throw realmError(
        `${name}.instantiate: the first argument must be a path (string) to a .wasm or .wasm.br file in the code package, not ${Object.prototype.toString.call(wasmPath)}`,
        'TypeError',
      );
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(wasmPath)) {
      throw realmError(`${name}.instantiate: only paths inside the code package are supported, not URLs: ${wasmPath}`);
    }
    if (!wasmPath.startsWith('/')) {
      throw realmError(
        `${name}.instantiate: use a path from the code package root (starting with "/"), got ${wasmPath}`,
      );
    }
    if (!/\.wasm(\.br)?$/.test(wasmPath)) {
      throw realmError(`${name}.instantiate: the path must end with .wasm or .wasm.br: ${wasmPath}`);
    }
    const file = path.resolve(packageRoot, `.${path.posix.normalize(wasmPath)}`);
    if (!file.startsWith(packageRoot + path.sep) || !existsSync(file)) {
      throw realmError(`${name}.instantiate: file not found in the code package: ${wasmPath}`);
    }
    let bytes = readFileSync(file);
    if (wasmPath.endsWith('.br')) bytes = brotliDecompressSync(bytes);
    const module = await WA.compile(bytes);
    const globals = WA.Module.exports(module).filter((e) => e.kind === 'global');
    if (rejectGlobalExports && globals.length) {
      // iOS WeChat: "export 支持函数、Memory、Table，iOS 平台暂不支持 Global".
      throw realmError(
        `${name}.instantiate: exporting a Global is not supported (iOS): ${globals.map((g) => g.name).join(', ')}`,
        'LinkError',
      );
    }
    return module;
  };
  const promise = (work) =>
    new intrinsics.Promise((resolve, reject) =>
      work().then(resolve, (error) => reject(error instanceof intrinsics.Error ? error : realmError(error.message))),
    );
  const api = {
    instantiate(wasmPath, imports) {
      record(`${name}.instantiate`, { path: wasmPath });
      return promise(async () => {
        const module = await load(wasmPath);
        const instance = await WA.instantiate(module, imports || {});
        return adopt({ module, instance });
      });
    },
    Memory: WA.Memory,
    Table: WA.Table,
    Global: WA.Global,
  };
  if (name === 'TTWebAssembly') {
    api.compile = (wasmPath) => {
      record(`${name}.compile`, { path: wasmPath });
      return promise(() => load(wasmPath));
    };
    api.Module = WA.Module;
    api.Instance = WA.Instance;
  }
  return api;
}

// ---------------------------------------------------------------- storage

function serialize(value) {
  return JSON.stringify({
    v: JSON.parse(
      JSON.stringify(value === undefined ? null : value, function replacer(key, item) {
        const raw = this[key];
        return Object.prototype.toString.call(raw) === '[object Date]' ? { $sandboxDate: raw.getTime() } : item;
      }) ?? 'null',
    ),
  });
}

function deserialize(text) {
  return JSON.parse(text, (key, item) =>
    item && typeof item === 'object' && Object.keys(item).length === 1 && '$sandboxDate' in item
      ? new Date(item.$sandboxDate)
      : item,
  ).v;
}

function storageInfo(storage) {
  const keys = [...storage.keys()];
  const bytes = keys.reduce((sum, key) => sum + key.length + storage.get(key).length, 0);
  return { keys, currentSize: Math.ceil(bytes / 1024), limitSize: 10240 };
}

// ---------------------------------------------------------------- API objects

/**
 * Builds the platform's API object(s). `ctx` carries the shared pieces:
 * `{ platform, facts, dialect, adopt, invoke, record, realmError, intrinsics, store, network,
 *    storage, choices, lifecycle, settings }`.
 */
export function buildApis(ctx) {
  const { platform, facts, dialect, adopt, invoke, record, realmError, intrinsics, store, network, storage } = ctx;
  const alipay = platform === 'alipay';

  /** An async API: callbacks, or a Promise when none is given (WeChat ≥ 2.10.2, Alipay, Douyin). */
  const asyncApi = (prefix, name, work) => (options) => {
    record(`${prefix}.${name}`, options);
    const opts = options || {};
    const outcome = () => {
      try {
        return work(opts);
      } catch (error) {
        return { failure: dialect.failure(name, 'param', error.message) };
      }
    };
    const deliver = (result, resolve, reject) => {
      if (result.failure) {
        const res = adopt(result.failure);
        if (reject) return reject(res);
        invoke(opts.fail, res);
        invoke(opts.complete, res);
      } else {
        const res = adopt({ ...result.success, ...dialect.ok(name) });
        if (resolve) return resolve(res);
        invoke(opts.success, res);
        invoke(opts.complete, res);
      }
    };
    const result = outcome();
    if (!opts.success && !opts.fail && !opts.complete) {
      return new intrinsics.Promise((resolve, reject) => setTimeout(() => deliver(result, resolve, reject), 0));
    }
    setTimeout(() => deliver(result), 0);
    return undefined;
  };

  const syncApi =
    (prefix, name, work) =>
    (...args) => {
      record(`${prefix}.${name}`, args.length === 1 ? args[0] : args);
      return work(...args);
    };

  const build = (prefix) => {
    const api = {};
    const fsm = createFileSystemManager({
      store,
      dialect,
      adopt,
      invoke,
      record,
      realmError,
      prefix: `${prefix}.FileSystemManager`,
    });
    api.getFileSystemManager = syncApi(prefix, 'getFileSystemManager', () => adopt(fsm));
    api.env = { USER_DATA_PATH: facts.userDataPath };

    api.request = (options) => {
      record(`${prefix}.request`, options);
      return adopt(network.request(prefix, options || {}));
    };
    api.uploadFile = (options) => {
      record(`${prefix}.uploadFile`, options);
      return adopt(network.uploadFile(prefix, options || {}));
    };

    if (facts.randomValues && prefix !== 'uni') {
      // wx/tt.getRandomValues({ length }) → { randomValues: ArrayBuffer }, asynchronous, ≤ 1 MiB.
      api.getRandomValues = asyncApi(prefix, 'getRandomValues', (opts) => {
        const { length } = opts;
        if (!Number.isInteger(length) || length < 1 || length > 1048576) {
          return { failure: dialect.failure('getRandomValues', 'param', `invalid length ${length}: 1 to 1048576`) };
        }
        const bytes = randomBytes(length);
        return { success: { randomValues: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + length) } };
      });
    }

    // Storage.
    if (alipay) {
      api.setStorageSync = syncApi(prefix, 'setStorageSync', (opts = {}) => {
        storage.set(String(opts.key), serialize(opts.data));
        return adopt({ success: true });
      });
      api.getStorageSync = syncApi(prefix, 'getStorageSync', (opts = {}) => {
        const text = storage.get(String(opts.key));
        return adopt({ data: text === undefined ? null : deserialize(text) });
      });
      api.removeStorageSync = syncApi(prefix, 'removeStorageSync', (opts = {}) => {
        storage.delete(String(opts.key));
        return adopt({ success: true });
      });
      api.setStorage = asyncApi(prefix, 'setStorage', (opts) => {
        storage.set(String(opts.key), serialize(opts.data));
        return { success: { success: true } };
      });
      api.getStorage = asyncApi(prefix, 'getStorage', (opts) => {
        const text = storage.get(String(opts.key));
        return { success: { data: text === undefined ? null : deserialize(text) } };
      });
      api.removeStorage = asyncApi(prefix, 'removeStorage', (opts) => {
        storage.delete(String(opts.key));
        return { success: { success: true } };
      });
    } else {
      const checkKey = (name, key) => {
        if (typeof key !== 'string' || !key) {
          throw realmError(`${name}:fail parameter error: parameter.key should be String instead of ${typeof key};`);
        }
      };
      api.setStorageSync = syncApi(prefix, 'setStorageSync', (key, data) => {
        checkKey('setStorageSync', key);
        storage.set(key, serialize(data));
      });
      api.getStorageSync = syncApi(prefix, 'getStorageSync', (key) => {
        checkKey('getStorageSync', key);
        const text = storage.get(key);
        return text === undefined ? '' : adopt(deserialize(text));
      });
      api.removeStorageSync = syncApi(prefix, 'removeStorageSync', (key) => {
        checkKey('removeStorageSync', key);
        storage.delete(key);
      });
      api.setStorage = asyncApi(prefix, 'setStorage', (opts) => {
        storage.set(String(opts.key), serialize(opts.data));
        return { success: {} };
      });
      api.getStorage = asyncApi(prefix, 'getStorage', (opts) => {
        const text = storage.get(String(opts.key));
        if (text === undefined) return { failure: dialect.failure('getStorage', 'notFound', 'data not found') };
        return { success: { data: deserialize(text) } };
      });
      api.removeStorage = asyncApi(prefix, 'removeStorage', (opts) => {
        storage.delete(String(opts.key));
        return { success: {} };
      });
    }
    api.clearStorageSync = syncApi(prefix, 'clearStorageSync', () => {
      storage.clear();
    });
    api.getStorageInfoSync = syncApi(prefix, 'getStorageInfoSync', () => adopt(storageInfo(storage)));

    // Files and pickers.
    if (alipay) {
      api.getFileInfo = asyncApi(prefix, 'getFileInfo', (opts) => {
        const entry = store.resolve(opts.apFilePath ?? opts.filePath);
        if (!entry) return { failure: dialect.fileNotFound('getFileInfo', opts.apFilePath) };
        return { success: { size: entry.size } };
      });
    } else {
      api.getFileInfo = asyncApi(prefix, 'getFileInfo', (opts) => {
        const entry = store.resolve(opts.filePath);
        if (!entry) return { failure: dialect.failure('getFileInfo', 'notFound', 'file not exist') };
        return { success: { size: entry.size } };
      });
    }
    const picker = (name) =>
      asyncApi(prefix, name, () => {
        const next = ctx.choices.shift();
        if (!next)
          return {
            failure: alipay ? { error: 11, errorMessage: 'user canceled' } : dialect.failure(name, 'cancel', 'cancel'),
          };
        return { success: chooseResult(platform, store, next, name, {}) };
      });
    api.chooseImage = picker('chooseImage');
    api.chooseVideo = picker('chooseVideo');
    if (!alipay) api.chooseMedia = picker('chooseMedia');

    // System and lifecycle.
    api.getSystemInfoSync = syncApi(prefix, 'getSystemInfoSync', () =>
      adopt(
        alipay
          ? { platform: 'Android', version: '10.5.0', SDKVersion: '2.9.0', brand: 'sandbox', model: 'sandbox' }
          : { platform: 'android', SDKVersion: '3.0.0', version: '8.0.50', brand: 'sandbox', model: 'sandbox' },
      ),
    );
    api.canIUse = syncApi(prefix, 'canIUse', (schema) => typeof api[String(schema).split('.')[0]] !== 'undefined');
    api.onAppHide = (listener) => ctx.lifecycle.hide.add(listener);
    api.offAppHide = (listener) => ctx.lifecycle.hide.delete(listener);
    api.onAppShow = (listener) => ctx.lifecycle.show.add(listener);
    api.offAppShow = (listener) => ctx.lifecycle.show.delete(listener);
    return api;
  };

  const apis = { [facts.api]: build(facts.api) };
  if (facts.extraApi) apis[facts.extraApi] = build(facts.extraApi);
  return apis;
}
