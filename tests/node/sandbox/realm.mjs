// The JS realm of a mini program's logic layer: a node:vm context holding only the language's
// intrinsics, with the platform's missing globals really missing (DESIGN-NOTES), timers that
// return numbers, a console that records, and helpers to move values across the realm boundary.
//
// Values handed to code in the sandbox are made in the sandbox's own realm (`adopt`), because
// a mini program's callbacks receive that realm's objects: `res.data instanceof ArrayBuffer`
// must be true there, as it is on a phone.

import vm from 'node:vm';

const ADOPT_SOURCE = `(function () {
  var toString = Object.prototype.toString;
  function adopt(value, depth) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return value;
    if (typeof value === 'function') return value;
    if (depth > 64) throw new Error('sandbox: value nested too deeply to adopt');
    var tag = toString.call(value);
    if (tag === '[object ArrayBuffer]') {
      var buffer = new ArrayBuffer(value.byteLength);
      new Uint8Array(buffer).set(new Uint8Array(value));
      return buffer;
    }
    if (ArrayBuffer.isView(value)) {
      var bytes = new Uint8Array(value.byteLength);
      bytes.set(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      return bytes;
    }
    if (Array.isArray(value)) {
      var list = [];
      for (var i = 0; i < value.length; i++) list.push(adopt(value[i], depth + 1));
      return list;
    }
    if (tag === '[object Date]') return new Date(value.getTime());
    if (tag === '[object Error]') {
      var error = new Error(value.message);
      for (var k in value) error[k] = adopt(value[k], depth + 1);
      return error;
    }
    var proto = Object.getPrototypeOf(value);
    var plain = proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null;
    if (!plain) return value; // WebAssembly.Instance, Module, … pass through untouched
    var out = {};
    var keys = Object.keys(value);
    for (var j = 0; j < keys.length; j++) out[keys[j]] = adopt(value[keys[j]], depth + 1);
    return out;
  }
  return function (value) { return adopt(value, 0); };
})()`;

/**
 * A fresh context named `name`. `keepGlobalThis` / `keepBigInt` say whether the platform has
 * them; eval and new Function throw unless `allowEval`; `onError` receives exceptions thrown by
 * timer callbacks. Returns `{ context, intrinsics, adopt, evaluate, timers }`.
 */
export function createRealm({ name, allowEval, keepGlobalThis, keepBigInt, onError }) {
  const context = vm.createContext({}, { name, codeGeneration: { strings: allowEval, wasm: true } });
  const evaluate = (code, filename = `${name}.js`) => new vm.Script(code, { filename }).runInContext(context);
  // Captured before the globals are deleted: the sandbox's own WebAssembly backs WXWebAssembly
  // and TTWebAssembly, so instances, memories and their ArrayBuffers belong to the sandbox realm.
  const intrinsics = evaluate(
    '({ WebAssembly: WebAssembly, Promise: Promise, Error: Error, TypeError: TypeError, ArrayBuffer: ArrayBuffer, Uint8Array: Uint8Array, Object: Object })',
  );
  const adopt = evaluate(ADOPT_SOURCE);

  // Present in every V8 context but absent from the platforms' logic layers.
  const deletions = ['WebAssembly', 'console'];
  if (!keepBigInt) deletions.push('BigInt', 'BigInt64Array', 'BigUint64Array');
  if (!keepGlobalThis) deletions.push('globalThis'); // last: the others are reached through it
  evaluate(deletions.map((global) => `delete this.${global};`).join('\n'));

  const timers = createTimers(onError);
  return { context, intrinsics, adopt, evaluate, timers };
}

/** setTimeout & co. with numeric ids, as in the platforms, all cancelled by `clearAll()`. */
function createTimers(onError) {
  const handles = new Map();
  let nextId = 1;
  const start =
    (repeat) =>
    (callback, delay, ...args) => {
      if (typeof callback !== 'function') throw new TypeError('setTimeout: callback must be a function (no strings)');
      const id = nextId++;
      const run = () => {
        if (!repeat) handles.delete(id);
        try {
          callback(...args);
        } catch (error) {
          onError(error, repeat ? 'setInterval' : 'setTimeout');
        }
      };
      const ms = Math.max(0, Number(delay) || 0);
      handles.set(id, repeat ? setInterval(run, ms) : setTimeout(run, ms));
      return id;
    };
  const stop = (id) => {
    const handle = handles.get(id);
    if (handle === undefined) return;
    clearTimeout(handle);
    clearInterval(handle);
    handles.delete(id);
  };
  return {
    globals: { setTimeout: start(false), setInterval: start(true), clearTimeout: stop, clearInterval: stop },
    clearAll() {
      for (const id of [...handles.keys()]) stop(id);
    },
    get pending() {
      return handles.size;
    },
  };
}

/** A console that records `{ level, args }` and prints only when `verbose`. */
export function createConsole(logs, verbose) {
  const method =
    (level) =>
    (...args) => {
      logs.push({ level, args });
      if (verbose) console[level === 'log' || level === 'debug' ? 'log' : level](`[sandbox ${level}]`, ...args);
    };
  return {
    log: method('log'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
    debug: method('debug'),
  };
}

/**
 * Copies a value out of the sandbox realm into plain host objects (so `assert.deepStrictEqual`
 * can compare it): objects and arrays are copied, ArrayBuffers become Uint8Arrays.
 */
export function toHost(value, depth = 0) {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 64) throw new Error('sandbox: value nested too deeply');
  const tag = Object.prototype.toString.call(value);
  if (tag === '[object ArrayBuffer]') return new Uint8Array(value.slice(0));
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
  // Array.from, not value.map: map would build the array in the sandbox realm (species).
  if (Array.isArray(value)) return Array.from(value, (item) => toHost(item, depth + 1));
  if (tag === '[object Error]') return Object.assign(new Error(value.message), toHost({ ...value }, depth + 1));
  const out = {};
  for (const key of Object.keys(value)) out[key] = toHost(value[key], depth + 1);
  return out;
}
