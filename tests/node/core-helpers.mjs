// Shared helpers for the core-*.test.mjs files: the two builds of the package, the shared
// vectors and spec (tests/vectors/, oss-spec §8), a seeded PRNG with reproducible per-case streams, and
// generators for the awkward inputs the spec asks for (non-ASCII keys and policies, STS tokens,
// spaces and `+` in keys, regions with and without `oss-`).
//
// Reproduce a failure: every generated case prints `OSSUP_TEST_SEED=<seed> … index <i>`; run the
// same file with that environment variable and the same case comes back.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { testData } from './test-data.mjs';

export { loadVectors } from './test-data.mjs';

export const require = createRequire(import.meta.url);

/** The WebAssembly build (what Node gets from `require('ossup')` / `import 'ossup'`). */
export const wasm = await import('../../pkg/dist/node.mjs');
/** The pure-JS (wasm2js) build of the same core. */
export const wasm2js = await import('../../pkg/dist/wasm2js.mjs');
export const builds = [
  ['wasm', wasm],
  ['wasm2js', wasm2js],
];

/**
 * A wasm2js instance of its own (a module URL with a query is a new module record), for tests
 * that may leave an instance broken (oss-spec-independent bugs: see core-wasm2js.test.mjs).
 */
export function freshWasm2js(tag) {
  return import(`../../pkg/dist/wasm2js.mjs?instance=${encodeURIComponent(tag)}`);
}

/**
 * The V1 sub-resource whitelist, read from the spec text itself (oss-spec §2), so the reference
 * signer in the tests does not share a copy with src/sign/v1.rs.
 */
export function specSubResources() {
  const spec = testData('oss-spec.md');
  const line = spec.split('\n').find((l) => l.includes('The whitelist (oss2'));
  assert.ok(line, 'oss-spec §2 whitelist line not found');
  const list = line.slice(line.indexOf(':'), line.indexOf('. ', line.indexOf(':')));
  const names = [...list.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  const count = Number(/(\d+) names/.exec(line)[1]);
  assert.equal(names.length, count, 'whitelist size as the spec states it');
  return new Set(names);
}

// ---- seeded randomness ----

export const SEED = process.env.OSSUP_TEST_SEED === undefined ? 0x0551_2024 : Number(process.env.OSSUP_TEST_SEED);

function fnv1a(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A small PRNG (mulberry32) with helpers. */
export function makeRng(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const r = {
    u32: next,
    float: () => next() / 4294967296,
    int: (min, max) => min + Math.floor((next() / 4294967296) * (max - min + 1)),
    chance: (p) => next() / 4294967296 < p,
    pick: (list) => list[Math.floor((next() / 4294967296) * list.length)],
    bytes(n) {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = next() & 0xff;
      return out;
    },
    shuffle(list) {
      const out = [...list];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor((next() / 4294967296) * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
  };
  return r;
}

/** The PRNG of case `index` of `label`: independent of the other cases, so one index replays alone. */
export function caseRng(label, index) {
  return makeRng(fnv1a(`${SEED}/${label}/${index}`));
}

function preview(value) {
  let text;
  try {
    text = JSON.stringify(value, (k, v) =>
      v instanceof Uint8Array ? `<${v.length} bytes>` : typeof v === 'bigint' ? `${v}n` : v,
    );
  } catch {
    text = String(value);
  }
  return text && text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

/**
 * Runs `check(input, index, r)` on `count` generated cases; a failure names the seed, the index
 * and the input.
 */
export function forEachCase(label, count, generate, check) {
  for (let index = 0; index < count; index++) {
    const r = caseRng(label, index);
    const input = generate(r, index);
    try {
      check(input, index, r);
    } catch (error) {
      error.message = `[${label}] OSSUP_TEST_SEED=${SEED} index ${index}: ${error.message}\ninput: ${preview(input)}`;
      throw error;
    }
  }
}

// ---- text generators ----

const POOLS = {
  alnum: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  symbols: ' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
  cjk: '上传文件测试中文对象存储阿里云北京杭州',
  latin: 'éüßñÅçøÆœ',
  emoji: ['😀', '🎉', '👍🏽', '🇨🇳', '𝄞', '🚀'],
  controls: ['\u0000', '\u0001', '\b', '\t', '\n', '\f', '\r', '\u001b', '\u001f', '\u007f', '\u2028', '\u2029'],
  json: ['"', '\\', '/', '$', '\\$', '${filename}', '\\u0041', "'"],
};

function poolChars(name) {
  const pool = POOLS[name];
  return typeof pool === 'string' ? [...pool] : pool;
}

/** A string of code points drawn from the named pools (no lone surrogates). */
export function text(r, { min = 0, max = 16, pools = ['alnum'] } = {}) {
  const n = r.int(min, max);
  let out = '';
  while ([...out].length < n) out += r.pick(poolChars(r.pick(pools)));
  return out;
}

/** Any non-empty secret: ASCII, symbols, non-ASCII, emoji. */
export function genSecret(r) {
  return text(r, { min: 1, max: 48, pools: ['alnum', 'alnum', 'symbols', 'cjk', 'latin', 'emoji'] });
}

/** An AccessKey ID: no white space or controls (the core rejects those, oss-spec §1b header/field safety). */
export function genAccessKeyId(r) {
  if (r.chance(0.15)) return `STS.${text(r, { min: 8, max: 30, pools: ['alnum'] })}`;
  if (r.chance(0.1)) return `LTAI${text(r, { min: 4, max: 10, pools: ['alnum', 'cjk'] })}`;
  return `LTAI${text(r, { min: 12, max: 24, pools: ['alnum'] })}`;
}

/** An STS token shaped like the real ones: long, base64 alphabet with `+`, `/` and `=`. */
export function genToken(r) {
  const alphabet = `${POOLS.alnum}+/`;
  let out = 'CAIS';
  const n = r.int(20, 400);
  for (let i = 0; i < n; i++) out += alphabet[r.int(0, alphabet.length - 1)];
  return out + '='.repeat(r.int(0, 2));
}

const REGIONS = [
  'cn-hangzhou',
  'cn-shanghai',
  'cn-beijing',
  'ap-southeast-1',
  'us-west-1',
  'eu-central-1',
  'cn-shanghai-finance-1',
];

/** `{ given, standard }`: the Region ID and what a caller may pass (oss-spec §7.2: `oss-` prefix optional). */
export function genRegion(r) {
  const standard = r.chance(0.8)
    ? r.pick(REGIONS)
    : `${text(r, { min: 2, max: 4, pools: ['alnum'] }).toLowerCase()}-${r.int(1, 9)}`;
  return { given: r.chance(0.5) ? `oss-${standard}` : standard, standard };
}

export function genBucket(r) {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789-';
  const n = r.int(3, r.chance(0.1) ? 63 : 20);
  let out = '';
  for (let i = 0; i < n; i++) out += chars[r.int(0, i === 0 || i === n - 1 ? chars.length - 2 : chars.length - 1)];
  return out;
}

/** What oss-spec §6 and the core accept as an object key. */
export function isValidKey(key) {
  if (key.length === 0 || Buffer.byteLength(key) > 1023) return false;
  if (key.startsWith('/') || key.startsWith('\\')) return false;
  if ([...key].some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f')) return false;
  return !key.split(/[/\\]/).some((s) => s === '.' || s === '..');
}

/** Keys with spaces, `+`, `%`, CJK, emoji, `?`, `#`, `=`, `&` and folders. */
export function genKey(r) {
  const specials = [' ', '+', '%', '%2F', '?', '#', '=', '&', '~', '*', "'", '(', ')', '!', ':', '@', ',', ';'];
  for (;;) {
    const segments = [];
    const count = r.int(1, 5);
    for (let i = 0; i < count; i++) {
      let segment = '';
      const parts = r.int(1, 4);
      for (let j = 0; j < parts; j++) {
        segment += r.chance(0.35)
          ? r.pick(specials)
          : text(r, { min: 1, max: 8, pools: ['alnum', 'alnum', 'cjk', 'latin', 'emoji'] });
      }
      segments.push(segment);
    }
    let key = segments.join('/');
    if (r.chance(0.1)) key += '/';
    if (r.chance(0.05)) key = `${key}.${r.pick(['png', 'JPG', 'tar.gz', 'mp4'])}`;
    if (r.chance(0.03)) key = 'k'.repeat(r.int(900, 1023));
    if (isValidKey(key)) return key;
  }
}

/** A value for a policy condition: quotes, backslashes, controls, `$`, `/`, non-ASCII, emoji. */
export function genValue(r, max = 24) {
  return text(r, { min: 0, max, pools: ['alnum', 'alnum', 'symbols', 'cjk', 'latin', 'emoji', 'controls', 'json'] });
}

const FIELDS = [
  'bucket',
  'key',
  'success_action_status',
  'Content-Type',
  'Cache-Control',
  'x-oss-meta-owner',
  'x-oss-forbid-overwrite',
  'x-oss-object-acl',
  'callback',
  'x:uid',
  'x-oss-security-token',
  '上传',
  'a/b',
  'a"b',
];

function genField(r) {
  return r.chance(0.8) ? r.pick(FIELDS) : text(r, { min: 1, max: 12, pools: ['alnum', 'symbols', 'cjk', 'emoji'] });
}

/** One condition in its canonical written form (oss-spec §1a). */
export function genCondition(r) {
  switch (r.int(0, 5)) {
    case 0:
      return { [genField(r)]: genValue(r) };
    case 1:
      return ['eq', `$${genField(r)}`, genValue(r)];
    case 2:
      return ['starts-with', `$${genField(r)}`, genValue(r)];
    case 3: {
      const min = r.chance(0.5) ? r.int(0, 1000) : r.int(0, 2 ** 31);
      return ['content-length-range', min, r.chance(0.1) ? 9007199254740991 : min + r.int(0, 2 ** 31)];
    }
    case 4:
      return ['in', `$${genField(r)}`, Array.from({ length: r.int(1, 4) }, () => genValue(r, 12))];
    default:
      return ['not-in', `$${genField(r)}`, Array.from({ length: r.int(1, 4) }, () => genValue(r, 12))];
  }
}

/** A time between 2000 and 2099, ms since the epoch; sometimes on a second or day boundary. */
export function genTime(r) {
  const ms = Date.UTC(2000, 0, 1) + Math.floor(r.float() * (Date.UTC(2099, 11, 31) - Date.UTC(2000, 0, 1)));
  if (r.chance(0.2)) return ms - (ms % 1000);
  if (r.chance(0.1)) return ms - (ms % 86400000) - r.int(0, 1);
  return ms;
}

/** `{ expiration (ms), conditions }` of a policy. */
export function genPolicy(r) {
  return {
    expiration: genTime(r),
    conditions: Array.from({ length: r.int(0, 8) }, () => genCondition(r)),
  };
}

/** The policy JSON as ali-oss and `JSON.stringify` write it (oss-spec §7.1). */
export function policyJson({ expiration, conditions }) {
  return JSON.stringify({ expiration: new Date(expiration).toISOString(), conditions });
}

// ---- dates (oss-spec §1c, §2, §3) ----

export const yyyymmdd = (ms) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
export const v4DateTime = (ms) => `${yyyymmdd(ms)}T${new Date(ms).toISOString().slice(11, 19).replaceAll(':', '')}Z`;
export const httpDate = (ms) => new Date(ms).toUTCString();

// ---- error checks ----

/**
 * Asserts that `fn` throws an OssupError of `mod` (not a wasm trap turned into CORE_FAILURE) with
 * `code`, and that the message matches `names` (the offending option, when given).
 */
export function assertOssupError(mod, fn, code, names, label = '') {
  let thrown = null;
  let value;
  try {
    value = fn();
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown, `${label}: expected ${code}, got a result: ${preview(value)}`);
  assert.ok(thrown instanceof mod.OssupError, `${label}: not an OssupError: ${thrown && thrown.stack}`);
  assert.notEqual(thrown.code, 'CORE_FAILURE', `${label}: the core failed: ${thrown.message}`);
  if (code) assert.equal(thrown.code, code, `${label}: code (message: ${thrown.message})`);
  if (names)
    assert.match(
      thrown.message,
      names instanceof RegExp ? names : new RegExp(escapeRegExp(names)),
      `${label}: message names the option`,
    );
  return thrown;
}

export function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---- request generators (multipart-shaped, oss-spec §3 "Multipart calls") ----

const KEY_TYPES = { png: 'image/png', jpg: 'image/jpeg', gz: 'application/gzip', mp4: 'video/mp4' };

const SUB_RESOURCE_EXTRAS = [
  'acl',
  'response-content-type',
  'response-content-disposition',
  'x-oss-process',
  'versionId',
  'tagging',
  'callback',
  'callback-var',
  'security-token',
  'x-oss-traffic-limit',
];
const OTHER_EXTRAS = [
  'max-parts',
  'part-number-marker',
  'encoding-type',
  'prefix',
  'Zeta',
  'a b',
  '中文',
  'a+b',
  'x/y',
  'x-oss-custom',
  'UPPER',
  '_under',
  '~tilde',
];

function caseVariant(r, name) {
  const pick = r.int(0, 3);
  if (pick === 0) return name.toUpperCase();
  if (pick === 1) return name.replace(/(^|-)([a-z])/g, (m, dash, c) => dash + c.toUpperCase());
  return name;
}

function pad(r, value) {
  if (!r.chance(0.2)) return value;
  return `${r.pick([' ', '\t', '  '])}${value}${r.pick(['', ' ', '\t '])}`;
}

function headerValue(r) {
  return text(r, { min: 0, max: 20, pools: ['alnum', 'alnum', 'symbols', 'cjk', 'latin', 'emoji'] }).trim();
}

/** A header-signing request for `version` (`v1`/`v4`) with everything `signRequestV*` accepts. */
export function genRequest(r, version) {
  const level = r.float();
  const bucket = level < 0.05 ? '' : genBucket(r);
  const key = level < 0.15 ? '' : genKey(r);
  const uploadId = text(r, { min: 8, max: 32, pools: ['alnum'] }).toUpperCase();
  const shapes = [
    ['POST', { uploads: r.pick([null, '']) }],
    ['PUT', { partNumber: r.chance(0.5) ? String(r.int(1, 10000)) : r.int(1, 10000), uploadId }],
    ['POST', { uploadId }],
    ['GET', { uploadId }],
    ['DELETE', { uploadId }],
    ['PUT', {}],
  ];
  const [method, base] = r.pick(shapes);
  const query = { ...base };
  for (let i = r.int(0, 3); i > 0; i--) {
    const name = r.chance(0.5) ? r.pick(SUB_RESOURCE_EXTRAS) : r.pick(OTHER_EXTRAS);
    query[name] = r.chance(0.2) ? r.pick([null, '']) : genValue(r, 16).replace(/[\u0000-\u001f\u007f]/g, '');
  }

  const lower = {};
  const when = genTime(r);
  if (version === 'v1') {
    const dateChoice = r.int(0, 2);
    if (dateChoice !== 1) lower['x-oss-date'] = httpDate(when);
    if (dateChoice !== 0) lower.date = httpDate(when + r.int(0, 1) * 1000);
  } else {
    lower['x-oss-date'] = v4DateTime(when);
    lower['x-oss-content-sha256'] = r.chance(0.85)
      ? 'UNSIGNED-PAYLOAD'
      : createHash('sha256').update(String(when)).digest('hex');
  }
  if (r.chance(0.5))
    lower['content-type'] = r.pick([
      'application/octet-stream',
      'image/png',
      'text/plain; charset=utf-8',
      'application/xml',
    ]);
  if (r.chance(0.3)) lower['content-md5'] = createHash('md5').update(String(when)).digest('base64');
  if (r.chance(0.3)) lower['x-oss-security-token'] = genToken(r);
  if (r.chance(0.3)) lower['x-oss-forbid-overwrite'] = r.pick(['true', 'false']);
  if (r.chance(0.2))
    lower['x-oss-callback'] = Buffer.from(
      JSON.stringify({ callbackUrl: 'https://example.com/cb', callbackBody: genValue(r) }),
    ).toString('base64');
  if (r.chance(0.2)) lower['x-oss-server-side-encryption'] = 'AES256';
  for (let i = r.int(0, 3); i > 0; i--)
    lower[`x-oss-meta-${text(r, { min: 1, max: 8, pools: ['alnum'] }).toLowerCase()}`] = headerValue(r);
  const others = [
    'host',
    'range',
    'content-length',
    'cache-control',
    'content-disposition',
    'user-agent',
    'x-forwarded-for',
  ];
  for (const name of others)
    if (r.chance(0.3))
      lower[name] = name === 'host' ? `${bucket || 'b'}.oss-cn-hangzhou.aliyuncs.com` : headerValue(r) || 'v';

  const headers = {};
  for (const [name, value] of Object.entries(lower)) headers[caseVariant(r, name)] = pad(r, value);

  const request = {
    accessKeyId: genAccessKeyId(r),
    accessKeySecret: genSecret(r),
    method: r.chance(0.1) ? method.toLowerCase() : method,
    bucket,
    key,
    headers,
    query,
  };
  if (version === 'v4') {
    request.region = genRegion(r).given;
    const present = Object.keys(lower).filter(
      (n) => n !== 'content-type' && n !== 'content-md5' && !n.startsWith('x-oss-'),
    );
    const additional = [];
    for (const name of present) if (r.chance(0.4)) additional.push(caseVariant(r, name));
    if (additional.length && r.chance(0.3)) additional.push(r.pick(additional).toUpperCase());
    if (r.chance(0.2)) additional.push(r.pick(['content-type', 'x-oss-date', 'Content-MD5', 'x-oss-meta-absent']));
    if (r.chance(0.2)) additional.push(r.pick(['if-match', 'x-absent', 'authorization']));
    if (r.chance(0.1)) additional.push(' range ');
    request.additionalHeaders = r.shuffle(additional);
  }
  if (!bucket) request.key = '';
  if (r.chance(0.1) && !bucket) delete request.bucket;
  return request;
}

function formValue(r) {
  return text(r, { min: 1, max: 16, pools: ['alnum', 'alnum', 'symbols', 'cjk', 'latin', 'emoji'] });
}

/** `{ options, region }` for `buildPostForm`, with a fixed `now`. */
export function genFormOptions(r) {
  const version = r.pick(['v4', 'v4', 'v1', undefined]);
  const region = genRegion(r);
  const now = genTime(r);
  const o = { accessKeyId: genAccessKeyId(r), accessKeySecret: genSecret(r), now };
  if (version) o.version = version;
  if (version !== 'v1' || r.chance(0.5)) o.region = region.given;
  if (r.chance(0.6)) o.bucket = genBucket(r);
  const key = genKey(r);
  // A prefix gets a `/` appended and must leave room for a name (oss-spec §6: 1023 bytes).
  const shape = Buffer.byteLength(key) > 1000 ? 0 : r.int(0, 2);
  if (shape === 0) o.key = key;
  else if (shape === 1) o.keyPrefix = r.chance(0.3) ? `/${key.replace(/^[/\\]+/, '')}` : key;
  else {
    o.keyPrefix = key;
    o.key = `${key.endsWith('/') ? key : `${key}/`}${r.chance(0.5) ? '${filename}' : 'file name.dat'}`; // .dat: no type of its own to disagree with contentType
    if (Buffer.byteLength(o.key) > 1023) delete o.keyPrefix;
  }
  if (r.chance(0.3)) o.securityToken = genToken(r);
  const expiry = r.int(0, 2);
  if (expiry === 1) o.expiresIn = r.int(1, 7 * 86400);
  if (expiry === 2)
    o.expiration = r.chance(0.5)
      ? now + r.int(1000, 7 * 86400 * 1000)
      : new Date(now + r.int(1, 7 * 86400) * 1000).toISOString();
  if (r.chance(0.4)) {
    const min = r.int(0, 1000);
    o.contentLengthRange = [min, min + r.int(0, 10 * 1024 * 1024)];
  }
  if (r.chance(0.3)) o.contentTypes = ['image/png', 'image/jpeg', 'video/mp4'].slice(0, r.int(1, 3));
  if (r.chance(0.4))
    o.contentType = o.contentTypes ? r.pick(o.contentTypes) : r.pick(['image/png', 'text/plain; charset=utf-8']);
  // A fixed key's extension decides its type (KEY_TYPE_MISMATCH otherwise): the extensions genKey adds.
  const ext = o.key && !o.contentTypes && o.contentType && /\.(png|jpg|gz|mp4)$/i.exec(o.key);
  if (ext) o.contentType = KEY_TYPES[ext[1].toLowerCase()];
  if (r.chance(0.3)) o.successActionStatus = r.pick([200, 201, 204]);
  if (r.chance(0.3)) o.forbidOverwrite = r.chance(0.5);
  if (r.chance(0.3))
    o.headers = {
      'Cache-Control': r.pick(['no-cache', 'max-age=60']),
      'Content-Disposition': `attachment; filename="${formValue(r)}"`,
      'x-oss-object-acl': 'private',
    };
  if (r.chance(0.3)) o.meta = { owner: formValue(r), Note_1: formValue(r) };
  if (r.chance(0.3))
    o.callback = {
      callbackUrl: 'https://example.com/oss/callback',
      callbackBody: 'bucket=${bucket}&object=${object}&uid=${x:uid}',
      callbackBodyType: 'application/x-www-form-urlencoded',
    };
  if (r.chance(0.3)) o.callbackVar = { 'x:uid': formValue(r), 'x:note_2': formValue(r) };
  if (r.chance(0.3)) o.conditions = Array.from({ length: r.int(1, 3) }, () => genCondition(r));
  return { options: o, region };
}
