// Every export of every entry ('ossup' on WebAssembly, its wasm2js build, 'ossup/post', the
// mini-program bundle under a stand-in WXWebAssembly) called with generated bad input: wrong
// types, huge strings (64 MiB, and one character over the per-call limit), lone surrogates,
// NaN/Infinity, cyclic and deeply nested objects, `__proto__`/`constructor` keys, toJSON
// hooks, throwing getters and Proxies. Each call returns a result or throws an OssupError with
// a code from a known list — never a trap, a TypeError/RangeError, CORE_FAILURE, a hang or a
// fake secret in what the error prints — and afterwards every core still signs the shared
// vectors right. Then the failures found this way, each pinned by name.
//
// Reproduce: OSSUP_TEST_SEED=<seed> (printed on failure), OSSUP_GENERATED_CASES=<calls per entry>.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import test from 'node:test';
import { inspect } from 'node:util';
import * as full from '../../pkg/dist/node.mjs';
import * as wasm2js from '../../pkg/dist/wasm2js.mjs';
import * as post from '../../pkg/dist/post.mjs';
import { DIST_DIR } from './sandbox/index.mjs';
import { SEED, caseRng, loadVectors } from './core-helpers.mjs';

const require = createRequire(import.meta.url);
await post.ready({ wasm: readFileSync(join(DIST_DIR, 'ossup-post.wasm')) });
// The mini-program bundle, with WXWebAssembly standing in for WeChat's (a package path → the module).
globalThis.WXWebAssembly = {
  instantiate: (path, imports) => WebAssembly.instantiate(readFileSync(join(DIST_DIR, 'ossup.wasm')), imports),
};
const mini = require('../../pkg/dist/miniprogram.cjs');
await mini.ready({ wasmPath: '/miniprogram_npm/ossup/ossup.wasm' });
globalThis.WXWebAssembly = {
  instantiate: (path, imports) => WebAssembly.instantiate(readFileSync(join(DIST_DIR, 'ossup-post.wasm')), imports),
};
const postMini = require('../../pkg/dist/post-miniprogram.cjs');
await postMini.ready({ wasmPath: '/miniprogram_npm/ossup/ossup-post.wasm' });
delete globalThis.WXWebAssembly;

const ENTRIES = [
  ['ossup (wasm)', full],
  ['ossup (wasm2js)', wasm2js],
  ['ossup/post', post],
  ['ossup/miniprogram', mini],
  ['ossup/post (mini program)', postMini],
];

const CALLS = Number(process.env.OSSUP_GENERATED_CASES || 2500);
const MAX_INPUT_UNITS = 8 * 1024 * 1024;

// Recognisable fake secrets: none may appear in anything an error prints.
const FAKE_SECRET = 'fakeSecret-DO-NOT-PRINT-4f1c9a';
const FAKE_TOKEN = 'fakeStsToken/DO-NOT-PRINT+7c2e==';
const SECRETS = [FAKE_SECRET, FAKE_TOKEN];

const KNOWN_CODES = new Set([
  'INVALID_OPTION',
  'KEY_TYPE_MISMATCH',
  'MISSING_OPTION',
  'INVALID_OBJECT_KEY',
  'INVALID_DATE',
  'INVALID_CRC64',
  'NOT_ENOUGH_ENTROPY',
  'INPUT_TOO_LARGE',
  'OUT_OF_MEMORY',
  'INVALID_STATE',
  'NOT_READY',
  'RANDOM_UNAVAILABLE',
  'MISSING_CREDENTIALS',
  'PERMANENT_KEY_REFUSED',
  'INVALID_CREDENTIALS',
  'UNSUPPORTED_PLATFORM',
  'NOT_IN_POST_ENTRY',
  'INVALID_FILE',
  'VOD_INVALID_UPLOAD_ADDRESS',
  'VOD_INVALID_UPLOAD_AUTH',
  'VOD_UPLOAD_AUTH_EXPIRED',
]);

const NOW = Date.UTC(2023, 11, 3, 12, 12, 12);
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64');
const POLICY_JSON = '{"expiration":"2030-01-01T00:00:00Z","conditions":[]}';

/** A valid first argument per export (the generator breaks one part of it, or all). */
const BASES = {
  buildPolicy: () => ({ now: NOW, expiresIn: 60, conditions: [['starts-with', '$key', 'a/']] }),
  encodePolicy: () => POLICY_JSON,
  signPostPolicyV1: () => ({ accessKeySecret: FAKE_SECRET, policy: Buffer.from(POLICY_JSON).toString('base64') }),
  signPostPolicyV4: () => ({
    accessKeySecret: FAKE_SECRET,
    region: 'cn-hangzhou',
    date: '20231203',
    policy: Buffer.from(POLICY_JSON).toString('base64'),
  }),
  buildPostForm: () => ({
    accessKeyId: 'STS.fakeAccessKeyId',
    accessKeySecret: FAKE_SECRET,
    securityToken: FAKE_TOKEN.replace(/[+=/]/g, 'x'),
    region: 'cn-hangzhou',
    bucket: 'examplebucket',
    key: 'user/a.png',
    contentType: 'image/png',
    now: NOW,
    meta: { uid: '1' },
  }),
  signRequestV1: () => ({
    accessKeyId: 'STS.fakeAccessKeyId',
    accessKeySecret: FAKE_SECRET,
    method: 'PUT',
    bucket: 'examplebucket',
    key: 'a.bin',
    headers: { 'x-oss-date': 'Sun, 03 Dec 2023 12:12:12 GMT', 'x-oss-security-token': FAKE_TOKEN },
    query: { partNumber: 1, uploadId: 'ID' },
  }),
  signRequestV4: () => ({
    accessKeyId: 'STS.fakeAccessKeyId',
    accessKeySecret: FAKE_SECRET,
    region: 'cn-hangzhou',
    method: 'PUT',
    bucket: 'examplebucket',
    key: 'a.bin',
    headers: {
      'x-oss-date': '20231203T121212Z',
      'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
      'x-oss-security-token': FAKE_TOKEN,
    },
    query: { uploads: '' },
  }),
  signHeaders: () => ({
    accessKeyId: 'STS.fakeAccessKeyId',
    accessKeySecret: FAKE_SECRET,
    securityToken: FAKE_TOKEN,
    region: 'cn-hangzhou',
    bucket: 'examplebucket',
    method: 'PUT',
    key: 'a.bin',
    now: NOW,
  }),
  encodeCallback: () => ({ callbackUrl: 'https://example.com/cb', callbackBody: 'key=${object}' }),
  encodeCallbackVar: () => ({ 'x:uid': '1' }),
  objectKey: () => ({ prefix: 'user', name: 'a.png', now: NOW }),
  validateKey: () => 'user/a.png',
  normalizePrefix: () => '/user',
  formatDates: () => NOW,
  crc64: () => 'abc',
  md5Hex: () => 'abc',
  md5Base64: () => 'abc',
  bucketUrl: () => ({ bucket: 'examplebucket', region: 'cn-hangzhou' }),
  objectUrl: () => 'https://examplebucket.oss-cn-hangzhou.aliyuncs.com',
  createUploader: () => ({
    bucket: 'examplebucket',
    region: 'cn-hangzhou',
    credentials: async () => ({
      accessKeyId: 'STS.fakeAccessKeyId',
      accessKeySecret: FAKE_SECRET,
      securityToken: FAKE_TOKEN,
    }),
  }),
  VODUpload: () => ({ region: 'cn-shanghai', onUploadstarted() {} }),
  decodeUploadAuth: () =>
    b64({
      AccessKeyId: 'STS.fakeAccessKeyId',
      AccessKeySecret: FAKE_SECRET,
      SecurityToken: FAKE_TOKEN,
      ExpireUTCTime: '2099-01-01T00:00:00Z',
    }),
  decodeUploadAddress: () => b64({ Endpoint: 'https://oss-cn-shanghai.aliyuncs.com', Bucket: 'b', FileName: 'f.mp4' }),
  explainRequestSignature: () => 'v4',
};

// Built once: generating 64 MiB per case would be the slow part.
const BIG = 'x'.repeat(64 * 1024 * 1024);
const OVER_LIMIT = 'A'.repeat(MAX_INPUT_UNITS + 1);
const OVER_LIMIT_JSON = `{"expiration":"2030-01-01T00:00:00Z","conditions":[{"a":"${'b'.repeat(MAX_INPUT_UNITS)}"}]}`;

function thrower(label) {
  return () => {
    throw new Error(`the caller's ${label} threw`);
  };
}

function cyclic() {
  const o = { a: 1 };
  o.self = o;
  o.list = [o, { back: o }];
  return o;
}

function deep(depth, array) {
  let v = 'leaf';
  for (let i = 0; i < depth; i++) v = array ? [v] : { k: v };
  return v;
}

function hostileProxy(target = {}) {
  const fail = thrower('Proxy trap');
  return new Proxy(target, {
    get: fail,
    has: fail,
    ownKeys: fail,
    getOwnPropertyDescriptor: fail,
    getPrototypeOf: fail,
    set: fail,
    defineProperty: fail,
  });
}

function revokedProxy() {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** A value of some wrong or awkward kind. */
function badValue(r, depth = 0) {
  const kinds = [
    () => undefined,
    () => null,
    () => r.pick([true, false]),
    () => r.pick([0, -0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, 1e308, -1e-308, 253402300800000]),
    () => r.pick([1n, -1n, 2n ** 64n]),
    () => Symbol('s'),
    () => () => 'a function',
    () => r.pick(['', ' ', 'a', 'v4', 'v1', 'PUT', '{', '[]', '\u0000', 'a\r\nb', '../x', '/lead', '$key']),
    () => r.pick(['\ud800', '\udc00', 'a\ud800b', 'ok\udfff', '\ud83d']),
    () => r.pick(['é😀密', 'x'.repeat(r.int(0, 5000)), '\ud800'.repeat(r.int(1, 100))]),
    () => (r.chance(0.05) ? r.pick([BIG, OVER_LIMIT]) : 'short'),
    () => r.pick([[], [1, 'a'], [null], new Array(3)]),
    () => ({}),
    () => Object.create(null),
    () => new Date(r.pick([NaN, 0, NOW])),
    () => /re/g,
    () =>
      r.pick([new Uint8Array(r.int(0, 64)), new ArrayBuffer(3), new DataView(new ArrayBuffer(4)), new Float64Array(2)]),
    () => cyclic(),
    () => deep(r.pick([10, 40, 5000]), r.chance(0.5)),
    () => JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}'),
    () => ({ toJSON: () => undefined }),
    () => ({ toJSON: thrower('toJSON') }),
    () => ({ toString: thrower('toString'), valueOf: thrower('valueOf') }),
    () => Object.defineProperty({}, 'x', { get: thrower('getter'), enumerable: true }),
    () => hostileProxy(),
    () => hostileProxy([]),
    () => revokedProxy(),
    () => new Proxy(new Uint8Array(4), { get: thrower('typed-array Proxy trap') }),
    () => (depth < 2 ? { a: badValue(r, depth + 1), b: [badValue(r, depth + 1)] } : 1),
  ];
  return r.pick(kinds)();
}

const BREAK_KEYS = ['__proto__', 'constructor', 'toJSON', 'prototype', 'x:uid', 'headers', 'query'];

/** The base argument with one part broken: a bad value, a throwing getter, or a Proxy around it. */
function brokenBase(r, name) {
  const base = BASES[name] ? BASES[name]() : undefined;
  if (base === undefined || base === null || typeof base !== 'object') return r.chance(0.5) ? base : badValue(r);
  const keys = [...Object.keys(base), ...BREAK_KEYS];
  const key = r.pick(keys);
  const roll = r.int(0, 5);
  if (roll === 0) Object.defineProperty(base, key, { get: thrower(`getter for ${key}`), enumerable: true });
  else if (roll === 1) Object.defineProperty(base, key, { value: badValue(r), enumerable: true, writable: true });
  else if (roll === 2) return new Proxy(base, { get: (t, k) => (k === key ? thrower(`get ${key}`)() : t[k]) });
  else if (roll === 3) return new Proxy(base, { ownKeys: thrower('ownKeys') });
  else if (roll === 4) base[key] = badValue(r);
  else if (typeof base[key] === 'string') base[key] = r.pick(['\ud800', OVER_LIMIT.slice(0, r.int(0, 64)), '']);
  return base;
}

function argumentsFor(r, name) {
  const args = [];
  const n = r.int(0, 3);
  for (let i = 0; i < n; i++) args.push(badValue(r));
  if (r.chance(0.6)) args[0] = brokenBase(r, name);
  if (name === 'explainRequestSignature' && r.chance(0.6)) {
    args[0] = r.pick(['v1', 'v4']);
    args[1] = brokenBase(r, 'signRequestV4');
  }
  return args;
}

/** Calls `fn` as the export is meant to be called (VODUpload is a constructor). */
function invoke(mod, name, args) {
  if (name === 'VODUpload') return new mod.VODUpload(...args);
  return mod[name](...args);
}

/** Everything an error prints, for the secret check. */
function printed(error) {
  let json = '';
  try {
    json = JSON.stringify(error);
  } catch (e) {
    json = `JSON.stringify threw ${e}`;
  }
  return [error.message, String(error), json, inspect(error, { depth: 4 }), error.stack || ''].join('\n');
}

/** Each export that takes input, and follow-up calls on what some return. */
function exportedFunctions(mod) {
  return Object.keys(mod)
    .filter((name) => typeof mod[name] === 'function' && name !== 'OssupError' && name !== 'default')
    .sort();
}

function checkThrown(entry, mod, where, error) {
  assert.ok(error !== null && typeof error === 'object', `${where}: threw ${String(error)}`);
  assert.ok(
    error instanceof mod.OssupError,
    `${where}: threw ${error.name} (${error.constructor && error.constructor.name}), not an OssupError: ${error.message}`,
  );
  assert.ok(KNOWN_CODES.has(error.code), `${where}: code ${error.code} is not in the known list: ${error.message}`);
  const text = printed(error);
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${where}: the error prints a secret: ${text}`);
}

const pristine = Object.getOwnPropertyNames(Object.prototype).sort();
const restore = (mod) => {
  if (mod.setClockOffset) mod.setClockOffset(0);
  if (mod.setRandomSource)
    mod.setRandomSource((n) => crypto.getRandomValues(new Uint8Array(n)), 'crypto.getRandomValues');
};

/**
 * Runs `count` generated calls against one entry and returns the failures (label → first
 * message), so one run shows every kind of failure rather than the first.
 */
async function run(entry, mod, count) {
  const names = exportedFunctions(mod);
  const failures = new Map();
  let slowest = { ms: 0 };
  for (let i = 0; i < count; i++) {
    const r = caseRng(`generated-${entry}`, i);
    const name = r.pick(names);
    const args = argumentsFor(r, name);
    const where = `[${entry}] ${name} OSSUP_TEST_SEED=${SEED} index ${i}`;
    const started = performance.now();
    try {
      let result = invoke(mod, name, args);
      if (result && typeof result.then === 'function') result = await result;
      // The streams: feed them bad input too.
      if (result && typeof result.update === 'function' && typeof result.digest === 'function') {
        result.update(badValue(r));
        result.digest(badValue(r));
      }
    } catch (error) {
      try {
        checkThrown(entry, mod, where, error);
      } catch (failure) {
        const kind = `${name}: ${error && error.name}${error && error.code ? ` ${error.code}` : ''}`;
        if (!failures.has(kind)) failures.set(kind, failure.message.slice(0, 400));
      }
    } finally {
      restore(mod);
    }
    const ms = performance.now() - started;
    if (ms > slowest.ms) slowest = { ms, where };
  }
  return { failures, slowest };
}

/** The core signs the shared vectors right (a failure must not poison it). */
function assertStillSigns(label, mod) {
  for (const v of loadVectors()) {
    const i = v.inputs;
    if (v.kind === 'post_v1' && mod.signPostPolicyV1)
      assert.equal(
        mod.signPostPolicyV1({ accessKeySecret: i.access_key_secret, policy: mod.encodePolicy(i.policy_json_utf8) }),
        v.expected.Signature,
        `${label}: ${v.name || 'post_v1'}`,
      );
    if (v.kind === 'post_v4' && mod.signPostPolicyV4)
      assert.equal(
        mod.signPostPolicyV4({
          accessKeySecret: i.access_key_secret,
          region: i.region,
          date: i.date,
          policy: v.expected.policy_field,
        }),
        v.expected['x-oss-signature'],
        `${label}: ${v.name || 'post_v4'}`,
      );
    if (v.kind === 'header_v4' && mod.signRequestV4)
      assert.equal(
        mod.signRequestV4({
          accessKeyId: i.access_key_id,
          accessKeySecret: i.access_key_secret,
          region: i.region,
          method: i.method,
          bucket: i.bucket,
          key: i.key,
          headers: i.headers,
          query: i.query,
        }),
        v.expected.authorization,
        `${label}: ${v.name || 'header_v4'}`,
      );
  }
  assert.equal(mod.crc64('123456789'), '11051210869376104954', `${label}: crc64`);
  if (mod.md5Hex) assert.equal(mod.md5Hex('abc'), '900150983cd24fb0d6963f7d28e17f72', `${label}: md5`);
  const form = BASES.buildPostForm();
  assert.deepEqual(mod.buildPostForm(form), full.buildPostForm(form), `${label}: buildPostForm`);
}

for (const [entry, mod] of ENTRIES) {
  test(`${entry}: ${CALLS} generated bad calls to its ${exportedFunctions(mod).length} exports give a result or a coded OssupError`, async (t) => {
    const started = performance.now();
    const rssBefore = process.memoryUsage().rss;
    const { failures, slowest } = await run(entry, mod, CALLS);
    t.diagnostic(`slowest call: ${Math.round(slowest.ms)} ms (${slowest.where})`);
    const report = [...failures].map(([kind, message]) => `- ${kind}\n    ${message}`).join('\n');
    assert.equal(failures.size, 0, `${failures.size} kinds of failure:\n${report}`);
    assertStillSigns(entry, mod);
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), pristine, 'Object.prototype untouched');
    assert.equal({}.polluted, undefined, 'no prototype pollution');
    assert.ok(slowest.ms < 5000, `no call hangs: the slowest took ${Math.round(slowest.ms)} ms (${slowest.where})`);
    const grown = process.memoryUsage().rss - rssBefore;
    assert.ok(grown < 1024 * 1024 * 1024, `memory stays bounded: RSS grew ${Math.round(grown / 2 ** 20)} MiB`);
    assert.ok(performance.now() - started < 60000, 'the run takes under a minute');
  });
}

// ---- each kind of failure, then the core again (issue 23, item 7) ----

const VECTOR_V1 = { accessKeySecret: 'fake', policy: Buffer.from(POLICY_JSON).toString('base64') };

for (const [entry, mod] of ENTRIES.filter(([, m]) => m.signPostPolicyV4)) {
  test(`${entry}: after each kind of failure the core still signs the vectors`, () => {
    const expected = full.signPostPolicyV1(VECTOR_V1);
    const failures = {
      // Two 360 MiB strings once threw a RuntimeError and left every later signature throwing.
      'two 360 MiB strings': () =>
        mod.signPostPolicyV4({
          accessKeySecret: 's',
          region: 'cn-hangzhou',
          date: '20231203',
          policy: BIG.repeat(5) + BIG.slice(0, 40 * 1024 * 1024),
          ...{ accessKeySecret: BIG.repeat(5) + BIG.slice(0, 40 * 1024 * 1024) },
        }),
      'one character over the limit': () => mod.signPostPolicyV1({ accessKeySecret: 's', policy: OVER_LIMIT }),
      'a policy JSON over the limit': () => mod.encodePolicy(OVER_LIMIT_JSON),
      'options JSON over the limit': () => mod.signRequestV4({ ...BASES.signRequestV4(), key: OVER_LIMIT }),
      'a lone surrogate': () => mod.signPostPolicyV1({ accessKeySecret: 'a\ud800', policy: VECTOR_V1.policy }),
      'a throwing getter': () =>
        mod.signPostPolicyV4(
          Object.defineProperty({ region: 'cn-hangzhou' }, 'accessKeySecret', {
            get: thrower('getter'),
            enumerable: true,
          }),
        ),
      'a toJSON giving undefined': () => mod.buildPolicy({ toJSON: () => undefined }),
      'a cycle': () => mod.signRequestV1(cyclic()),
      'a bad policy': () => mod.signPostPolicyV1({ accessKeySecret: 's', policy: 'not base64' }),
    };
    for (const [label, fail] of Object.entries(failures)) {
      let error;
      try {
        fail();
      } catch (e) {
        error = e;
      }
      assert.ok(error instanceof mod.OssupError, `${label}: threw ${error && error.name}: ${error && error.message}`);
      assert.notEqual(error.code, 'CORE_FAILURE', `${label}: ${error.message}`);
      assert.equal(mod.signPostPolicyV1(VECTOR_V1), expected, `${label}, then a V1 signature`);
      assertStillSigns(`${entry} after ${label}`, mod);
    }
  });
}

test('inputs over the limit are refused with INPUT_TOO_LARGE naming the argument and the limit', () => {
  for (const [entry, mod] of ENTRIES.filter(([, m]) => m.signPostPolicyV4)) {
    const cases = [
      [() => mod.signPostPolicyV1({ accessKeySecret: 's', policy: OVER_LIMIT }), '`policy`'],
      [
        () => mod.signPostPolicyV4({ accessKeySecret: OVER_LIMIT, region: 'r', date: 'd', policy: 'p' }),
        '`accessKeySecret`',
      ],
      [() => mod.encodePolicy(OVER_LIMIT_JSON), 'encodePolicy'],
      [() => mod.validateKey(OVER_LIMIT), 'object key'],
      [() => mod.buildPostForm({ ...BASES.buildPostForm(), meta: { a: OVER_LIMIT } }), 'buildPostForm'],
    ];
    for (const [call, named] of cases) {
      assert.throws(
        call,
        (error) =>
          error instanceof mod.OssupError &&
          error.code === 'INPUT_TOO_LARGE' &&
          error.message.includes(named) &&
          error.message.includes(String(MAX_INPUT_UNITS)),
        `${entry}: ${named}`,
      );
    }
    // Exactly at the limit still reaches the core (which says what is wrong with it).
    assert.throws(
      () => mod.signPostPolicyV1({ accessKeySecret: 's', policy: OVER_LIMIT.slice(2) }),
      (error) => error.code === 'INVALID_OPTION',
      entry,
    );
  }
  // ossup/post's one entry with options of that size.
  assert.throws(
    () => post.buildPostForm({ ...BASES.buildPostForm(), meta: { a: OVER_LIMIT } }),
    (error) => error.code === 'INPUT_TOO_LARGE' && error.message.includes(String(MAX_INPUT_UNITS)),
  );
});

test('16 MiB of bytes hash in pieces, with the right answers', () => {
  const bytes = new Uint8Array(16 * 1024 * 1024 + 5);
  for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i & 0xff;
  const expectedMd5 = require('node:crypto').createHash('md5').update(bytes).digest('hex');
  const crc = full.crc64(bytes);
  for (const [entry, mod] of ENTRIES) {
    assert.equal(mod.crc64(bytes), crc, `${entry}: crc64`);
    if (mod.md5Hex) assert.equal(mod.md5Hex(bytes), expectedMd5, `${entry}: md5Hex`);
    if (mod.createMd5) assert.equal(mod.createMd5().update(bytes).digest('hex'), expectedMd5, `${entry}: createMd5`);
  }
});

// ---- bad input that was not a coded error (issue 23, item 11) ----

test('bucketUrl() and bucketUrl(null): INVALID_OPTION, not a TypeError', () => {
  for (const [entry, mod] of ENTRIES) {
    for (const args of [[], [null], [5], ['examplebucket']]) {
      assert.throws(
        () => mod.bucketUrl(...args),
        (error) =>
          error instanceof mod.OssupError && error.code === 'INVALID_OPTION' && /bucketUrl/.test(error.message),
        `${entry} bucketUrl(${args.map(String).join(', ')})`,
      );
    }
    assert.throws(
      () => mod.bucketUrl({ bucket: 'b', region: { toString: thrower('toString') } }),
      (error) => error.code === 'INVALID_OPTION' && /`region`/.test(error.message),
    );
  }
});

test("options whose toJSON returns undefined, and the caller's throwing getters: INVALID_OPTION keeping the cause", () => {
  for (const [entry, mod] of ENTRIES) {
    const calls = {
      buildPostForm: (o) => mod.buildPostForm(o),
      objectKey: (o) => mod.objectKey(o),
      ...(mod.buildPolicy && {
        buildPolicy: (o) => mod.buildPolicy(o),
        signRequestV4: (o) => mod.signRequestV4(o),
        encodeCallbackVar: (o) => mod.encodeCallbackVar(o),
        signHeaders: (o) => mod.signHeaders(o),
      }),
      createUploader: (o) => mod.createUploader(o),
      bucketUrl: (o) => mod.bucketUrl(o),
    };
    for (const [name, call] of Object.entries(calls)) {
      const base = BASES[name] ? BASES[name]() : {};
      // (the calls that read their options as JSON; the others ignore a toJSON)
      if (['buildPostForm', 'objectKey', 'buildPolicy', 'signRequestV4', 'encodeCallbackVar'].includes(name))
        assert.throws(
          () => call({ ...base, toJSON: () => undefined }),
          (error) => error instanceof mod.OssupError && error.code !== 'CORE_FAILURE' && KNOWN_CODES.has(error.code),
          `${entry} ${name} toJSON → undefined`,
        );
      const original = new Error('the getter of the app');
      const withGetter = Object.defineProperty({ ...base }, 'region', {
        get() {
          throw original;
        },
        enumerable: true,
      });
      assert.throws(
        () => call(withGetter),
        (error) =>
          error instanceof mod.OssupError &&
          error.code === 'INVALID_OPTION' &&
          error.cause === original &&
          error.message.includes(name),
        `${entry} ${name} with a throwing getter`,
      );
    }
  }
});

// Room for a large input is asked for before wasm-bindgen copies it in: more than wasm32 can
// hold is a plain `false` (core.js makes it OUT_OF_MEMORY), not a trap, and the instance signs on.
test('ossup.wasm: canAllocate answers false for more than the memory can grow to, and the instance still signs', async () => {
  const fresh = await import('../../pkg/dist/glue.js?room=1');
  const module = new WebAssembly.Module(readFileSync(join(DIST_DIR, 'ossup.wasm')));
  fresh.__ossup_instantiated(new WebAssembly.Instance(module, fresh.__wbg_get_imports()));
  const expected = full.signPostPolicyV1(VECTOR_V1);
  assert.equal(fresh.signPostPolicyV1(VECTOR_V1.accessKeySecret, VECTOR_V1.policy), expected);
  assert.equal(fresh.canAllocate(1 << 20), true);
  for (const bytes of [0xffff_fff0, 0xc000_0000]) {
    assert.equal(fresh.canAllocate(bytes), false, `canAllocate(${bytes})`);
    assert.equal(fresh.signPostPolicyV1(VECTOR_V1.accessKeySecret, VECTOR_V1.policy), expected, `after ${bytes}`);
  }
});

// A trap unwinds nothing in wasm: the frames Rust took on its shadow stack stay taken. No input
// is known to trap any more, so a trap is simulated: an export that takes 64 KiB of stack and
// traps, 20 times (more than the whole 1 MiB stack). The core puts the stack pointer back after
// each, and then signs right; without that, every later call trapped.
test('after simulated traps that leak shadow stack, the core resets it and still signs', async () => {
  const bytes = readFileSync(join(DIST_DIR, 'ossup.wasm'));
  let real = null;
  let trap = false;
  const path = require.resolve('../../pkg/dist/miniprogram.cjs');
  delete require.cache[path];
  globalThis.WXWebAssembly = {
    async instantiate(p, imports) {
      const { instance } = await WebAssembly.instantiate(bytes, imports);
      real = instance.exports;
      const exports = { ...real };
      exports.encodePolicy = (...args) => {
        if (!trap) return real.encodePolicy(...args);
        real.__wbindgen_add_to_stack_pointer(-64 * 1024);
        throw new WebAssembly.RuntimeError('unreachable (simulated)');
      };
      return { instance: { exports } };
    },
  };
  let fresh;
  try {
    fresh = require(path);
    await fresh.ready();
  } finally {
    delete require.cache[path];
    delete globalThis.WXWebAssembly;
  }
  const base = real.__wbindgen_add_to_stack_pointer(0);
  const policy = fresh.encodePolicy(POLICY_JSON);
  trap = true;
  for (let i = 0; i < 20; i++) {
    assert.throws(
      () => fresh.encodePolicy(POLICY_JSON),
      (error) => error instanceof fresh.OssupError && error.code === 'CORE_FAILURE',
    );
  }
  trap = false;
  assert.equal(real.__wbindgen_add_to_stack_pointer(0), base, 'the stack pointer is back at its base');
  assert.equal(fresh.encodePolicy(POLICY_JSON), policy);
  assertStillSigns('after 20 traps', fresh);
});
