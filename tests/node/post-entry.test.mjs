// ossup/post (pkg/dist/post.mjs, post-miniprogram.cjs, ossup-post.wasm) against the full core
// (pkg/dist/node.mjs): the same forms, keys, codes and CRC-64s on generated inputs, forms the
// local verifying bucket server accepts, the uploader in the WeChat and Douyin sandboxes on the
// small core, and how ready() fails. Both run the same Rust core (ossup/post's built without
// `full`); the edge cases where an earlier JS copy of its rules differed are kept one by one.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBucketServer, DEFAULT_ACCESS_KEYS } from '../../www/server/bucket.mjs';
import { crc64 as referenceCrc64, crc64Header } from '../../www/server/crc64.mjs';
import * as full from '../../pkg/dist/node.mjs';
import * as post from '../../pkg/dist/post.mjs';
import { DIST_DIR, createSandbox } from './sandbox/index.mjs';
import { makeRng } from './core-helpers.mjs';

const POST_WASM = readFileSync(path.join(DIST_DIR, 'ossup-post.wasm'));
await post.ready({ wasm: POST_WASM });

const [ACCESS_KEY_ID, ACCESS_KEY_SECRET] = Object.entries(DEFAULT_ACCESS_KEYS)[0];
const SEED = Number(process.env.OSSUP_POST_SEED || 0x5eed2024);
const KiB = 1024;
const MiB = 1024 * KiB;

// ---------------------------------------------------------------- helpers

/** core-helpers' seeded PRNG (mulberry32), with `int(n)` in [0, n) and `subset`. */
function prng(seed) {
  const r = makeRng(seed);
  const int = (n) => r.int(0, n - 1);
  const subset = (list, p = 0.5) => r.shuffle(list).filter(() => r.chance(p));
  return { next: r.float, int, pick: r.pick, chance: r.chance, shuffle: r.shuffle, subset, bytes: r.bytes };
}

/** `{ value }` or `{ error: { name, code } }`: what a call did. */
function outcome(fn) {
  try {
    return { value: fn() };
  } catch (error) {
    return { error: { name: error && error.name, code: error && error.code, message: error && error.message } };
  }
}

/** Both threw an OssupError with the same code (messages may differ), or both gave deepEqual values. */
function assertSameOutcome(a, b, label) {
  if (a.error || b.error) {
    assert.ok(a.error && b.error, `${label}: post ${describeOutcome(a)}, full ${describeOutcome(b)}`);
    assert.equal(a.error.name, 'OssupError', `${label}: post threw ${a.error.name}: ${a.error.message}`);
    assert.equal(b.error.name, 'OssupError', `${label}: full threw ${b.error.name}: ${b.error.message}`);
    assert.equal(a.error.code, b.error.code, `${label}: post "${a.error.message}", full "${b.error.message}"`);
    return;
  }
  assert.deepStrictEqual(a.value, b.value, label);
}

function describeOutcome(o) {
  return o.error ? `threw ${o.error.code} (${o.error.message})` : `returned ${JSON.stringify(o.value).slice(0, 300)}`;
}

/** The whole form, and the order of its fields (a JS object keeps insertion order). */
function assertSameForm(postForm, fullForm, label) {
  assert.deepStrictEqual(postForm, fullForm, label);
  assert.deepStrictEqual(Object.keys(postForm.fields), Object.keys(fullForm.fields), `${label}: field order`);
}

const compactDateTime = (ms) =>
  new Date(ms)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');

/**
 * What a form must be, checked with node:crypto and not with either core: the policy field is
 * the policy text in base64, every field but the signature's own and the `x:` variables is
 * pinned by an exact condition, and the signature is HMAC-SHA1 (V1) or the V4 derived-key
 * HMAC-SHA256 of the policy field.
 */
function checkFormIndependently(options, form, label) {
  const { fields } = form;
  assert.equal(Buffer.from(fields.policy, 'base64').toString('utf8'), form.policy, `${label}: policy field`);
  const document = JSON.parse(form.policy);
  const expiresAt = options.now + (options.expiresIn === undefined ? 900 : options.expiresIn) * 1000;
  assert.equal(form.expiration, new Date(expiresAt).toISOString(), `${label}: expiration`);
  assert.equal(document.expiration, form.expiration, `${label}: policy expiration`);
  const exact = new Map(document.conditions.filter((c) => !Array.isArray(c)).map((c) => Object.entries(c)[0]));
  const unpinned = new Set(['policy', 'OSSAccessKeyId', 'Signature', 'x-oss-signature']);
  for (const [name, value] of Object.entries(fields)) {
    if (unpinned.has(name) || name.startsWith('x:')) continue;
    if (name === 'key' && options.keyPrefix !== undefined) continue; // starts-with, not exact
    const listed = options.contentTypes && options.contentTypes.length;
    if ((name === 'Content-Type' || name === 'x-oss-content-type') && listed) continue; // `in`
    assert.equal(exact.get(name), value, `${label}: field ${name} is pinned by the policy`);
  }
  if (options.bucket !== undefined) assert.equal(exact.get('bucket'), options.bucket, `${label}: bucket`);
  if (options.version === 'v1') {
    assert.equal(fields.OSSAccessKeyId, options.accessKeyId, label);
    const signature = createHmac('sha1', options.accessKeySecret).update(fields.policy).digest('base64');
    assert.equal(fields.Signature, signature, `${label}: V1 signature`);
    return;
  }
  const date = compactDateTime(options.now);
  const region = options.region.trim().replace(/^oss-/, '');
  const credential = `${options.accessKeyId}/${date.slice(0, 8)}/${region}/oss/aliyun_v4_request`;
  assert.equal(fields['x-oss-date'], date, `${label}: x-oss-date`);
  assert.equal(fields['x-oss-credential'], credential, `${label}: x-oss-credential`);
  assert.equal(fields['x-oss-signature-version'], 'OSS4-HMAC-SHA256', label);
  let key = createHmac('sha256', `aliyun_v4${options.accessKeySecret}`).update(date.slice(0, 8)).digest();
  for (const part of [region, 'oss', 'aliyun_v4_request']) key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(fields.policy).digest('hex');
  assert.equal(fields['x-oss-signature'], signature, `${label}: V4 signature`);
}

// ---------------------------------------------------------------- generated options

const KEY_PIECES = [
  'photo',
  'IMG_0001',
  'a b',
  'c+d',
  '100%',
  '%2F',
  '%E4%B8%8A',
  '上传',
  '照片',
  '猫',
  '😀',
  '🐱‍👤',
  'x=y&z',
  '#hash',
  'q?',
  "it's",
  'tilde~',
  'dots..x',
  '.hidden',
  'a\\b',
  '  lead',
  'trail ',
  'Ünïcödé',
  '(1)[2]{3}',
  '$dollar',
  '"quoted"',
  '\u2028sep',
];
const EXTENSIONS = ['', '.jpg', '.MP4', '.tar.gz', '.视频', '.'];
// [given, as normalizePrefix writes it]
const PREFIXES = [
  ['user/42', 'user/42/'],
  ['/uploads/', 'uploads/'],
  ['//用户/照片', '用户/照片/'],
  ['a b+c%20', 'a b+c%20/'],
  ['😀/x/', '😀/x/'],
  ['\\win\\dir', 'win\\dir/'],
  ['', ''],
];
const META_NAMES = ['Owner', 'USER-ID', 'a_b', 'X1', 'camelCase', 'with-dash', '9lives', 'UPPER_CASE'];
const VALUES = [
  'eric',
  '张三',
  '😀 emoji',
  '',
  'a "quoted" \\ value',
  'x\u2028y\u2029z',
  '\u0001ctl\u007f',
  'v'.repeat(300),
  '  spaced  ',
  '100% + 1',
];
const HEADERS = [
  ['Cache-Control', ['max-age=60', 'no-cache, no-store']],
  [
    'Content-Disposition',
    [
      'attachment; filename="照片 1.jpg"',
      "inline; filename*=UTF-8''%E7%85%A7%E7%89%87.jpg",
      'attachment; filename="😀.png"',
    ],
  ],
  ['Content-Encoding', ['gzip', 'identity']],
  ['Expires', ['Wed, 21 Oct 2030 07:28:00 GMT']],
  ['x-oss-object-acl', ['public-read', 'private']],
  ['x-oss-storage-class', ['Standard', 'IA']],
  ['Content-Language', ['zh-CN', 'en']],
  ['x-oss-tagging', ['a=1&b=中']],
];
const TYPE_OF_EXTENSION = { jpg: 'image/jpeg', mp4: 'video/mp4', gz: 'application/gzip' };
const CONTENT_TYPES = ['image/png', 'image/jpeg', 'video/mp4', 'text/plain; charset=utf-8', 'application/octet-stream'];
const NOWS = [
  Date.UTC(2000, 1, 29, 0, 0, 0), // leap day (a century that is one)
  Date.UTC(2024, 1, 29, 23, 59, 59, 999), // the last ms of a leap day
  Date.UTC(2024, 1, 28, 23, 59, 59, 500),
  Date.UTC(2023, 11, 31, 23, 59, 59, 999), // year boundary
  Date.UTC(2024, 0, 1, 0, 0, 0, 0),
  Date.UTC(1999, 11, 31, 23, 59, 59),
  Date.UTC(2100, 1, 28, 23, 59, 59), // 2100 is not a leap year
  Date.UTC(1970, 0, 1, 0, 0, 0, 1),
  Date.UTC(2038, 0, 19, 3, 14, 8),
  Date.UTC(9999, 11, 24, 12, 0, 0),
];
const LATE = Date.UTC(9999, 0, 1);

function generateKey(r, { long = true } = {}) {
  if (long && r.chance(0.05)) return '猫'.repeat(341); // 1023 bytes of UTF-8: the longest key
  const segments = Array.from({ length: 1 + r.int(4) }, () =>
    Array.from({ length: 1 + r.int(3) }, () => r.pick(KEY_PIECES)).join(''),
  );
  return segments.join('/') + r.pick(EXTENSIONS);
}

/**
 * The callback as an object (members in the order the full core writes them: callbackUrl,
 * callbackBody, callbackHost, callbackBodyType, callbackSNI) or as JSON text in any order.
 */
function generateCallback(r) {
  const document = {
    callbackUrl: r.pick(['https://app.example.com/oss-callback', 'http://10.0.0.1:8080/cb;https://b.example.com/cb']),
    callbackBody: r.pick([
      'bucket=${bucket}&object=${object}&size=${size}&uid=${x:uid}',
      '{"object":${object},"mime":${mimeType},"name":"张三 😀"}',
    ]),
  };
  if (r.chance(0.5)) document.callbackHost = 'app.example.com';
  if (r.chance(0.5)) document.callbackBodyType = r.pick(['application/x-www-form-urlencoded', 'application/json']);
  if (r.chance(0.3)) document.callbackSNI = r.chance(0.5);
  if (r.chance(0.5)) return document;
  return JSON.stringify(Object.fromEntries(r.shuffle(Object.entries(document))), null, r.pick([0, 2, '\t']));
}

function generateFormOptions(r) {
  const version = r.pick([undefined, 'v4', 'v1']);
  const v1 = version === 'v1';
  const o = { version, accessKeyId: r.pick(['FAKE_ID', 'FAKE_ID_2', 'STS.FAKE_ID']) };
  o.accessKeySecret = r.pick(['fake-secret', 'fake-secret-密钥-😀', 'fake+secret/=']);
  if (r.chance(0.4)) o.securityToken = `fake-token/${Buffer.from(r.bytes(1 + r.int(60))).toString('base64')}`;
  if (!v1 || r.chance(0.5)) {
    o.region = r.pick([
      'cn-hangzhou',
      'oss-cn-hangzhou',
      'cn-shanghai',
      'oss-ap-southeast-1',
      'us-west-1',
      ' cn-beijing ',
    ]);
  }
  if (r.chance(0.5)) o.bucket = r.pick(['examplebucket', 'a-b-c', 'b12', 'x'.repeat(63)]);
  if (r.chance(0.5)) {
    const [given, normalized] = r.pick(PREFIXES);
    o.keyPrefix = given;
    if (r.chance(0.5)) o.key = normalized + generateKey(r, { long: false });
  } else {
    o.key = generateKey(r);
  }
  o.now = r.chance(0.7) ? r.pick(NOWS) : r.int(Date.UTC(2200, 0, 1));
  if (o.now >= LATE) o.expiresIn = r.pick([undefined, 1, 60, 900]);
  else if (r.chance(0.6)) o.expiresIn = r.pick([1, 59, 60, 900, 3600, 86400, 7 * 86400, ...(v1 ? [30 * 86400] : [])]);
  if (r.chance(0.4))
    o.contentLengthRange = r.pick([
      [0, 0],
      [1, 1],
      [1, 5 * 1024 ** 3],
      [0, 2 ** 53 - 1],
      [10, 10_000],
    ]);
  const types = r.chance(0.4) ? r.subset(CONTENT_TYPES) : [];
  if (types.length) o.contentTypes = types;
  if (r.chance(0.5)) o.contentType = types.length ? r.pick(types) : r.pick(CONTENT_TYPES);
  // A fixed key pins the type its extension belongs to (KEY_TYPE_MISMATCH otherwise).
  const ext = o.key && !types.length && o.contentType && /\.([A-Za-z0-9]{1,10})$/.exec(o.key);
  if (ext && TYPE_OF_EXTENSION[ext[1].toLowerCase()]) o.contentType = TYPE_OF_EXTENSION[ext[1].toLowerCase()];
  if (r.chance(0.5)) o.successActionStatus = r.pick([200, 201, 204]);
  if (r.chance(0.5)) o.forbidOverwrite = r.chance(0.5);
  if (r.chance(0.5)) {
    o.headers = Object.fromEntries(r.subset(HEADERS).map(([name, values]) => [name, r.pick(values)]));
  }
  if (r.chance(0.5)) o.meta = Object.fromEntries(r.subset(META_NAMES).map((name) => [name, r.pick(VALUES)]));
  if (r.chance(0.4)) o.callback = generateCallback(r);
  if (r.chance(0.4)) {
    const vars = [
      ['x:uid', '42'],
      ['x:name', '张三 😀'],
      ['x:empty', ''],
      ['x:a-b_c', 'v=1&w=2'],
    ];
    o.callbackVar = Object.fromEntries(r.subset(vars));
  }
  for (const name of Object.keys(o)) if (o[name] === undefined) delete o[name];
  return o;
}

// ---------------------------------------------------------------- 1. the same forms

describe('buildPostForm: post and full build the same form', () => {
  test(`generated valid options, both versions (seed ${SEED})`, () => {
    const r = prng(SEED);
    const seen = { v1: 0, v4: 0, prefixOnly: 0, callback: 0, callbackText: 0, token: 0 };
    for (let i = 0; i < 400; i++) {
      const options = generateFormOptions(r);
      const label = `seed ${SEED} case ${i} ${JSON.stringify(options).slice(0, 400)}`;
      const fullForm = outcome(() => full.buildPostForm(options));
      assert.ok(!fullForm.error, `${label}: full rejected it: ${fullForm.error && fullForm.error.message}`);
      const postForm = outcome(() => post.buildPostForm(options));
      assert.ok(!postForm.error, `${label}: post rejected it: ${postForm.error && postForm.error.message}`);
      assertSameForm(postForm.value, fullForm.value, label);
      checkFormIndependently(options, postForm.value, label);
      seen[options.version === 'v1' ? 'v1' : 'v4']++;
      if (options.key === undefined) seen.prefixOnly++;
      if (options.securityToken) seen.token++;
      if (typeof options.callback === 'object') seen.callback++;
      if (typeof options.callback === 'string') seen.callbackText++;
    }
    // The generator reached every kind of form.
    for (const [kind, count] of Object.entries(seen)) assert.ok(count >= 10, `only ${count} ${kind} cases`);
  });

  test('a fixed V4 form with every option, and the same in V1', () => {
    const options = {
      accessKeyId: 'FAKE_ID',
      accessKeySecret: 'fake-secret',
      securityToken: 'fake-token+/=',
      region: 'oss-cn-hangzhou',
      bucket: 'examplebucket',
      keyPrefix: '/用户/42',
      key: '用户/42/2024/02/29/猫 + dog 🐱 100%.jpg',
      now: Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      expiresIn: 7 * 86400,
      contentLengthRange: [1, 10 * MiB],
      contentTypes: ['image/jpeg', 'image/png'],
      contentType: 'image/jpeg',
      successActionStatus: 201,
      forbidOverwrite: false,
      headers: { 'Cache-Control': 'max-age=60', 'Content-Disposition': 'attachment; filename="照片.jpg"' },
      meta: { Owner: 'eric', 'USER-ID': '张三' },
      callback: { callbackUrl: 'https://app.example.com/cb', callbackBody: 'object=${object}&uid=${x:uid}' },
      callbackVar: { 'x:uid': '42' },
    };
    for (const version of ['v4', 'v1']) {
      const o = { ...options, version };
      const form = post.buildPostForm(o);
      assertSameForm(form, full.buildPostForm(o), version);
      checkFormIndependently(o, form, version);
      const expectedNames = [
        'key',
        'success_action_status',
        'x-oss-forbid-overwrite',
        'Content-Type',
        'x-oss-content-type',
        'Content-Disposition',
        'Cache-Control',
        'Content-Encoding',
        'Expires',
        'x-oss-meta-owner',
        'x-oss-meta-user-id',
        'callback',
        'x:uid',
        'x-oss-security-token',
        ...(version === 'v1'
          ? ['OSSAccessKeyId', 'policy', 'Signature']
          : ['policy', 'x-oss-signature-version', 'x-oss-credential', 'x-oss-date', 'x-oss-signature']),
      ];
      assert.deepEqual(Object.keys(form.fields), expectedNames, version);
      assert.equal(form.expiration, '2024-03-07T23:59:59.999Z');
    }
  });
});

// ---------------------------------------------------------------- 2. the same errors

const BASE = {
  accessKeyId: 'FAKE_ID',
  accessKeySecret: 'fake-secret',
  region: 'cn-hangzhou',
  bucket: 'examplebucket',
  key: 'a/b.txt',
  now: Date.UTC(2024, 1, 29, 12),
};

/** [label, options (over BASE; `undefined` removes one), the code both must throw]. */
const INVALID = [
  ['missing accessKeySecret', { accessKeySecret: undefined }, 'MISSING_OPTION'],
  ['empty accessKeySecret', { accessKeySecret: '' }, 'MISSING_OPTION'],
  ['missing accessKeyId', { accessKeyId: undefined }, 'MISSING_OPTION'],
  ['accessKeyId with a space', { accessKeyId: 'FAKE ID' }, 'INVALID_OPTION'],
  ['accessKeyId with a line break', { accessKeyId: 'FAKE_ID\n' }, 'INVALID_OPTION'],
  ['securityToken with a space', { securityToken: 'fake token' }, 'INVALID_OPTION'],
  ['bucket with upper case and _', { bucket: 'Bad_Bucket' }, 'INVALID_OPTION'],
  ['bucket of 2 characters', { bucket: 'ab' }, 'INVALID_OPTION'],
  ['bucket starting with -', { bucket: '-abc' }, 'INVALID_OPTION'],
  ['bucket of 64 characters', { bucket: 'a'.repeat(64) }, 'INVALID_OPTION'],
  ['bucket not a string', { bucket: 5 }, 'INVALID_OPTION'],
  ['key with a leading slash', { key: '/a.txt' }, 'INVALID_OBJECT_KEY'],
  ['key with a leading backslash', { key: '\\a.txt' }, 'INVALID_OBJECT_KEY'],
  ['key with a .. segment', { key: 'a/../b.txt' }, 'INVALID_OBJECT_KEY'],
  ['key with a . segment', { key: 'a/./b.txt' }, 'INVALID_OBJECT_KEY'],
  ['key ..', { key: '..' }, 'INVALID_OBJECT_KEY'],
  ['key with a control character', { key: 'a\u0001b' }, 'INVALID_OBJECT_KEY'],
  ['key with DEL', { key: 'a\u007f' }, 'INVALID_OBJECT_KEY'],
  ['key of 1024 bytes', { key: 'a'.repeat(1024) }, 'INVALID_OBJECT_KEY'],
  ['key of 1026 bytes of CJK', { key: '猫'.repeat(342) }, 'INVALID_OBJECT_KEY'],
  ['empty key', { key: '' }, 'INVALID_OBJECT_KEY'],
  ['neither key nor keyPrefix', { key: undefined }, 'MISSING_OPTION'],
  ['key not under keyPrefix', { keyPrefix: 'user/42', key: 'user/43/a.txt' }, 'INVALID_OPTION'],
  ['key under the prefix text but not the folder', { keyPrefix: 'user', key: 'username.txt' }, 'INVALID_OPTION'],
  ['keyPrefix with a .. segment', { keyPrefix: 'a/../b', key: undefined }, 'INVALID_OBJECT_KEY'],
  ['successActionStatus 302', { successActionStatus: 302 }, 'INVALID_OPTION'],
  ['successActionStatus 0', { successActionStatus: 0 }, 'INVALID_OPTION'],
  ['successActionStatus 70000', { successActionStatus: 70000 }, 'INVALID_OPTION'],
  ['successActionStatus as text', { successActionStatus: '200' }, 'INVALID_OPTION'],
  ['contentLengthRange [5, 1]', { contentLengthRange: [5, 1] }, 'INVALID_OPTION'],
  ['contentLengthRange [1]', { contentLengthRange: [1] }, 'INVALID_OPTION'],
  ['contentLengthRange [-1, 5]', { contentLengthRange: [-1, 5] }, 'INVALID_OPTION'],
  ['contentLengthRange [1.5, 2]', { contentLengthRange: [1.5, 2] }, 'INVALID_OPTION'],
  ['contentLengthRange as text', { contentLengthRange: '1-5' }, 'INVALID_OPTION'],
  ['contentType not in contentTypes', { contentType: 'image/gif', contentTypes: ['image/png'] }, 'INVALID_OPTION'],
  ['contentTypes not an array', { contentTypes: 'image/png' }, 'INVALID_OPTION'],
  ['contentTypes with a number', { contentTypes: ['image/png', 5] }, 'INVALID_OPTION'],
  ['contentType with a line break', { contentType: 'text/plain\r\nX: y' }, 'INVALID_OPTION'],
  ['meta name with a space', { meta: { 'a b': 'v' } }, 'INVALID_OPTION'],
  ['meta name with non-ASCII', { meta: { ä: 'v' } }, 'INVALID_OPTION'],
  ['meta name empty', { meta: { '': 'v' } }, 'INVALID_OPTION'],
  ['meta value with a line break', { meta: { a: 'x\ny' } }, 'INVALID_OPTION'],
  ['meta value null', { meta: { a: null } }, 'INVALID_OPTION'],
  ['meta not an object', { meta: 'owner=eric' }, 'INVALID_OPTION'],
  ['header policy', { headers: { policy: 'x' } }, 'INVALID_OPTION'],
  ['header Policy', { headers: { Policy: 'x' } }, 'INVALID_OPTION'],
  ['header x-oss-meta-a', { headers: { 'x-oss-meta-a': 'x' } }, 'INVALID_OPTION'],
  ['header X-OSS-META-A', { headers: { 'X-OSS-META-A': 'x' } }, 'INVALID_OPTION'],
  ['header key', { headers: { key: 'x' } }, 'INVALID_OPTION'],
  ['header Content-Type', { headers: { 'Content-Type': 'x' } }, 'INVALID_OPTION'],
  ['header x-oss-content-type', { headers: { 'X-OSS-Content-Type': 'text/html' } }, 'INVALID_OPTION'],
  ['header x-oss-forbid-overwrite', { headers: { 'x-oss-forbid-overwrite': 'false' } }, 'INVALID_OPTION'],
  ['a header named twice', { headers: { Expires: 'a', expires: 'b' } }, 'INVALID_OPTION'],
  ['key .html pinned as image/png', { key: 'a/x.html', contentType: 'image/png' }, 'KEY_TYPE_MISMATCH'],
  ['key .SVG pinned as image/png', { key: 'a/x.SVG', contentType: 'image/png' }, 'KEY_TYPE_MISMATCH'],
  ['key .php pinned as image/jpeg', { key: 'x.php', contentType: 'image/jpeg' }, 'KEY_TYPE_MISMATCH'],
  ['key .png pinned as text/html', { key: 'x.png', contentType: 'text/html' }, 'KEY_TYPE_MISMATCH'],
  ['key .txt pinned as image/png', { key: 'x.txt', contentType: 'image/png' }, 'KEY_TYPE_MISMATCH'],
  ['key .svg with a list of images', { key: 'x.svg', contentTypes: ['image/png'] }, 'KEY_TYPE_MISMATCH'],
  [
    'key .html with a list and a matching contentType',
    { key: 'x.html', contentTypes: ['text/html', 'image/png'], contentType: 'text/html' },
    'KEY_TYPE_MISMATCH',
  ],
  ['header x-oss-security-token', { headers: { 'x-oss-security-token': 'x' } }, 'INVALID_OPTION'],
  ['header x:uid', { headers: { 'x:uid': '1' } }, 'INVALID_OPTION'],
  ['header bucket', { headers: { bucket: 'x' } }, 'INVALID_OPTION'],
  ['header OSSAccessKeyId', { headers: { OSSAccessKeyId: 'x' } }, 'INVALID_OPTION'],
  ['header x-oss-signature', { headers: { 'x-oss-signature': 'x' } }, 'INVALID_OPTION'],
  ['header success_action_redirect', { headers: { success_action_redirect: 'x' } }, 'INVALID_OPTION'],
  ['header file', { headers: { file: 'x' } }, 'INVALID_OPTION'],
  ['header name with a space', { headers: { 'Cache Control': 'x' } }, 'INVALID_OPTION'],
  ['header name with a colon', { headers: { 'a:b': 'x' } }, 'INVALID_OPTION'],
  ['header name of digits', { headers: { 123: 'x' } }, 'INVALID_OPTION'],
  ['header name non-ASCII', { headers: { 名字: 'x' } }, 'INVALID_OPTION'],
  ['header value with CRLF', { headers: { 'Cache-Control': 'a\r\nb' } }, 'INVALID_OPTION'],
  ['header value over 2 MB', { headers: { 'Cache-Control': 'a'.repeat(2 * MiB + 1) } }, 'INVALID_OPTION'],
  ['headers as an array', { headers: [['Cache-Control', 'x']] }, 'INVALID_OPTION'],
  ['callback text without callbackUrl', { callback: '{"callbackBody":"b"}' }, 'INVALID_OPTION'],
  ['callback text without callbackBody', { callback: '{"callbackUrl":"u"}' }, 'INVALID_OPTION'],
  ['callback text with an empty callbackUrl', { callback: '{"callbackUrl":"","callbackBody":"b"}' }, 'INVALID_OPTION'],
  ['callback not JSON', { callback: '{callbackUrl: "u"}' }, 'INVALID_OPTION'],
  ['callback JSON array text', { callback: '[]' }, 'INVALID_OPTION'],
  ['callback an array', { callback: [] }, 'INVALID_OPTION'],
  ['callback a number', { callback: 5 }, 'INVALID_OPTION'],
  ['callback empty text', { callback: '' }, 'MISSING_OPTION'],
  ['callback blank text', { callback: ' \n ' }, 'MISSING_OPTION'],
  [
    'callback bodyType text/plain',
    { callback: { callbackUrl: 'u', callbackBody: 'b', callbackBodyType: 'text/plain' } },
    'INVALID_OPTION',
  ],
  ['callback over 5 KB encoded', { callback: { callbackUrl: 'u', callbackBody: 'b'.repeat(4000) } }, 'INVALID_OPTION'],
  ['callbackVar name without x:', { callbackVar: { uid: '1' } }, 'INVALID_OPTION'],
  ['callbackVar name with upper case', { callbackVar: { 'x:Uid': '1' } }, 'INVALID_OPTION'],
  ['callbackVar name x:', { callbackVar: { 'x:': '1' } }, 'INVALID_OPTION'],
  ['callbackVar value with a line break', { callbackVar: { 'x:uid': '1\n2' } }, 'INVALID_OPTION'],
  ['lone surrogate in key', { key: 'a\ud800.txt' }, 'INVALID_OPTION'],
  ['lone low surrogate in a meta value', { meta: { a: '\udc00x' } }, 'INVALID_OPTION'],
  ['lone surrogate in a header value', { headers: { 'Cache-Control': 'x\ud83d' } }, 'INVALID_OPTION'],
  ['lone surrogate in a callbackVar value', { callbackVar: { 'x:a': '\ud800' } }, 'INVALID_OPTION'],
  ['lone surrogate in accessKeySecret', { accessKeySecret: 'fake\ud800' }, 'INVALID_OPTION'],
  ['lone surrogate in the callback', { callback: { callbackUrl: 'u', callbackBody: '\udfff' } }, 'INVALID_OPTION'],
  ['region CN_HANGZHOU', { region: 'CN_HANGZHOU' }, 'INVALID_OPTION'],
  ['region with a space inside', { region: 'cn hangzhou' }, 'INVALID_OPTION'],
  ['region empty (V4)', { region: '' }, 'MISSING_OPTION'],
  ['region missing (V4)', { region: undefined }, 'MISSING_OPTION'],
  ['region oss- only', { region: 'oss-' }, 'MISSING_OPTION'],
  ['expiresIn 0', { expiresIn: 0 }, 'INVALID_OPTION'],
  ['expiresIn -1', { expiresIn: -1 }, 'INVALID_OPTION'],
  ['expiresIn 1.5', { expiresIn: 1.5 }, 'INVALID_OPTION'],
  ['expiresIn as text', { expiresIn: '60' }, 'INVALID_OPTION'],
  ['expiresIn over 7 days for V4', { expiresIn: 7 * 86400 + 1 }, 'INVALID_OPTION'],
  ['expiresIn of 8 days for V4', { version: 'v4', expiresIn: 8 * 86400 }, 'INVALID_OPTION'],
  [
    'expiration after 9999 (V1)',
    { version: 'v1', now: Date.UTC(9999, 11, 31, 23, 59), expiresIn: 3600 },
    'INVALID_OPTION',
  ],
  ['now -1', { now: -1 }, 'INVALID_OPTION'],
  ['now 1.5', { now: 1.5 }, 'INVALID_OPTION'],
  ['now NaN', { now: NaN }, 'INVALID_OPTION'],
  ['now Infinity', { now: Infinity }, 'INVALID_OPTION'],
  ['now as text', { now: '1709208000000' }, 'INVALID_OPTION'],
  ['now a BigInt', { now: 1709208000000n }, 'INVALID_OPTION'],
  ['now in the year 10000', { now: Date.UTC(10000, 0, 1) }, 'INVALID_OPTION'],
  ['version v2', { version: 'v2' }, 'INVALID_OPTION'],
  ['version V4', { version: 'V4' }, 'INVALID_OPTION'],
  ['forbidOverwrite as text', { forbidOverwrite: 'yes' }, 'INVALID_OPTION'],
  ['unknown option', { foo: 1 }, 'INVALID_OPTION'],
  ['option in the wrong case', { Key: 'a' }, 'INVALID_OPTION'],
  ['expiresAt (not an option)', { expiresAt: 5 }, 'INVALID_OPTION'],
];

function withOverrides(overrides) {
  const o = { ...BASE, ...overrides };
  for (const name of Object.keys(overrides)) if (overrides[name] === undefined) delete o[name];
  return o;
}

describe('the MIME tables of both entries agree', () => {
  // Every extension and type of src/key.rs MIME_TYPES, a few the table lacks, and spellings.
  const EXTENSIONS = (
    'jpg jpeg png gif webp avif heic heif bmp ico tif tiff mp4 m4v mov webm 3gp avi mkv mp3 m4a aac wav ogg flac ' +
    'amr silk pdf doc docx xls xlsx ppt pptx txt csv md json zip gz tar 7z rar html htm xhtml svg xml js mjs php ' +
    'jsp asp aspx dat bin exe unknownext JPG Html'
  ).split(' ');
  const TYPES = [
    ...'image/jpeg image/png image/gif image/webp image/avif image/heic image/heif image/bmp image/x-icon image/tiff'.split(
      ' ',
    ),
    ...'video/mp4 video/x-m4v video/quicktime video/webm video/3gpp video/x-msvideo video/avi video/x-matroska'.split(
      ' ',
    ),
    ...'audio/mpeg audio/mp3 audio/mp4 audio/x-m4a audio/aac audio/x-aac audio/wav audio/x-wav audio/wave'.split(' '),
    ...'audio/ogg audio/flac audio/amr audio/silk application/pdf application/msword application/vnd.ms-excel'.split(
      ' ',
    ),
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'application/vnd.ms-powerpoint',
    'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    ...'text/plain text/csv text/markdown application/json application/zip application/x-zip-compressed'.split(' '),
    ...'application/gzip application/x-gzip application/x-tar application/x-7z-compressed application/vnd.rar'.split(
      ' ',
    ),
    ...'text/html application/xhtml+xml image/svg+xml application/xml text/xml text/javascript'.split(' '),
    ...'application/javascript application/x-httpd-php application/x-jsp application/x-asp application/x-aspx'.split(
      ' ',
    ),
    ...'application/octet-stream application/x-unknown'.split(' '),
    'Text/HTML; charset=utf-8',
    ' image/png ;q=1',
    '\timage/JPEG',
    'image/png\u00a0',
    'image/png\n',
    '\fimage/gif\r',
    '\u000bimage/gif',
  ];
  const now = Date.UTC(2026, 0, 1);

  test('buildPostForm: every extension with every type (and none), same form or same code', () => {
    let mismatches = 0;
    for (const ext of EXTENSIONS) {
      for (const contentType of [undefined, ...TYPES]) {
        const o = { ...BASE, key: `k/a.${ext}`, contentType };
        const label = `a.${ext} as ${JSON.stringify(contentType)}`;
        const p = outcome(() => post.buildPostForm(o));
        assertSameOutcome(
          p,
          outcome(() => full.buildPostForm(o)),
          label,
        );
        if (p.error) {
          // (a type with a line break is no field value at all: INVALID_OPTION)
          const expected = /[\r\n]/.test(contentType) ? 'INVALID_OPTION' : 'KEY_TYPE_MISMATCH';
          assert.equal(p.error.code, expected, `${label}: ${p.error.message}`);
          if (expected === 'KEY_TYPE_MISMATCH') mismatches++;
        } else {
          assertSameForm(p.value, full.buildPostForm(o), label);
          assert.equal(p.value.fields['Content-Type'], p.value.fields['x-oss-content-type'], label);
        }
        const listed = { ...BASE, key: `k/a.${ext}`, contentTypes: [contentType || 'image/png', 'text/html'] };
        assertSameOutcome(
          outcome(() => post.buildPostForm(listed)),
          outcome(() => full.buildPostForm(listed)),
          `${label}, listed`,
        );
      }
    }
    assert.ok(mismatches > 1000, `only ${mismatches} mismatches`);
  });

  test('objectKey: the extension a type gives, for every type and name', () => {
    for (const contentType of [undefined, '', ...TYPES]) {
      for (const ext of [...EXTENSIONS, '']) {
        const o = { name: ext ? `photo.${ext}` : 'photo', contentType, now, dateFolders: false };
        const tail = (key) => key.replace(/^\d+-[0-9a-f]{16}/, '');
        assert.equal(tail(post.objectKey(o)), tail(full.objectKey(o)), JSON.stringify(o));
      }
    }
  });
});

describe('buildPostForm: post and full reject the same options with the same code', () => {
  test('invalid option sets', () => {
    for (const [label, overrides, code] of INVALID) {
      for (const version of ['v4', 'v1']) {
        // The V4-only rules (region, 7 days) are valid in V1: there both must succeed alike.
        const o = withOverrides({ version, ...overrides });
        const fullResult = outcome(() => full.buildPostForm(o));
        const postResult = outcome(() => post.buildPostForm(o));
        assertSameOutcome(postResult, fullResult, `${label} (${version})`);
        const v4Only = /region|7 days|8 days/.test(label);
        if (version === 'v4' || !v4Only) {
          assert.ok(postResult.error, `${label} (${version}): post accepted it`);
          assert.equal(postResult.error.code, code, `${label} (${version}): ${postResult.error.message}`);
        }
      }
    }
  });

  test('options that are not objects', () => {
    for (const value of [null, undefined, [], 'key=a', 5]) {
      const label = `options ${JSON.stringify(value)}`;
      assertSameOutcome(
        outcome(() => post.buildPostForm(value)),
        outcome(() => full.buildPostForm(value)),
        label,
      );
      assert.equal(outcome(() => post.buildPostForm(value)).error.code, 'INVALID_OPTION', label);
    }
  });

  test('post refuses `conditions` and `expiration` (custom policies), pointing at the full entry', () => {
    const cases = [
      { conditions: [['starts-with', '$key', 'a/']] },
      { conditions: [] },
      { expiration: new Date(BASE.now + 3600_000).toISOString() },
      { expiration: BASE.now + 3600_000 },
    ];
    for (const extra of cases) {
      const o = { ...BASE, ...extra };
      const label = JSON.stringify(extra);
      assert.ok(!outcome(() => full.buildPostForm(o)).error, `${label}: the full entry takes it`);
      const { error } = outcome(() => post.buildPostForm(o));
      assert.ok(error, `${label}: post accepted it`);
      assert.equal(error.name, 'OssupError', label);
      assert.equal(error.code, 'INVALID_OPTION', label);
      assert.match(error.message, new RegExp(`\`${Object.keys(extra)[0]}\``), label);
      assert.match(error.message, /full ossup entry/, label);
    }
    // Absent (undefined) they are no option at all, as in the full entry.
    assertSameForm(post.buildPostForm({ ...BASE, conditions: undefined }), full.buildPostForm(BASE), 'undefined');
  });
});

// ---------------------------------------------------------------- where post and full differ today

/**
 * Edge cases the first version of post/core.js got wrong (each name says how it differed):
 * post and full must agree on each.
 */
const EDGE_CASES = [
  [
    'a callback object whose members are not in callbackUrl, callbackBody order (full re-serialises it, post keeps the order)',
    { ...BASE, callback: { callbackBody: 'b', callbackUrl: 'https://a.example.com/cb' } },
  ],
  [
    'a callback object with a null member (full drops it, post writes "callbackHost":null)',
    { ...BASE, callback: { callbackUrl: 'u', callbackBody: 'b', callbackHost: null } },
  ],
  [
    'a callback object with an unknown member (full: INVALID_OPTION, post signs it)',
    { ...BASE, callback: { callbackUrl: 'u', callbackBody: 'b', callbackFoo: 'x' } },
  ],
  [
    'a callback object with a non-boolean callbackSNI (full: INVALID_OPTION, post signs it)',
    { ...BASE, callback: { callbackUrl: 'u', callbackBody: 'b', callbackSNI: 'yes' } },
  ],
  [
    'a callback object without callbackUrl (full: MISSING_OPTION, post: INVALID_OPTION)',
    { ...BASE, callback: { callbackBody: 'b' } },
  ],
  [
    'callback text with an escaped lone surrogate (full: INVALID_OPTION, post signs it)',
    { ...BASE, callback: '{"callbackUrl":"u","callbackBody":"\\ud800"}' },
  ],
  [
    'callback text nested deeper than 32 (full: INVALID_OPTION, post signs it)',
    { ...BASE, callback: `{"callbackUrl":"u","callbackBody":"b","x":${'['.repeat(40)}${']'.repeat(40)}}` },
  ],
  ['forbidOverwrite: null (full: absent, so true; post: INVALID_OPTION)', { ...BASE, forbidOverwrite: null }],
  ['a number as a meta value (full writes "5", post: INVALID_OPTION)', { ...BASE, meta: { a: 5 } }],
  [
    'a boolean as a header value (full writes "true", post: INVALID_OPTION)',
    { ...BASE, headers: { 'x-oss-object-acl': true } },
  ],
  ['a number as a callbackVar value (full writes "1", post: INVALID_OPTION)', { ...BASE, callbackVar: { 'x:a': 1 } }],
  [
    'meta name U+212A KELVIN SIGN (post lower-cases it to x-oss-meta-k, full: INVALID_OPTION)',
    { ...BASE, meta: { '\u212a': 'v' } },
  ],
  [
    'contentLengthRange beyond 2^53 (full: INVALID_OPTION, post signs 1152921504606847000)',
    { ...BASE, contentLengthRange: [0, 2 ** 60] },
  ],
  [
    'contentLengthRange [0, 1e300] (full: INVALID_OPTION, post signs ["content-length-range",0,1e+300])',
    { ...BASE, contentLengthRange: [0, 1e300] },
  ],
  [
    'a header named __proto__ (post loses the field but pins it in the policy)',
    { ...BASE, headers: JSON.parse('{"__proto__":"x"}') },
  ],
  ['accessKeyId with U+FEFF (full accepts it, post: INVALID_OPTION)', { ...BASE, accessKeyId: 'FAKE\ufeffID' }],
  ['V1 with a non-string region (full: INVALID_OPTION, post ignores it)', { ...BASE, version: 'v1', region: 5 }],
  [
    'two mistakes: a bad version and no secret (full: MISSING_OPTION, post: INVALID_OPTION)',
    { ...BASE, version: 'v3', accessKeySecret: undefined },
  ],
  [
    'two mistakes: a bad key and a mistyped expiresIn (full: INVALID_OPTION, post: INVALID_OBJECT_KEY)',
    { ...BASE, key: '/a', expiresIn: '60' },
  ],
  [
    'a function as an option value (JSON drops it in full: MISSING_OPTION; post: INVALID_OPTION)',
    { ...BASE, key: () => 'a' },
  ],
];

describe('buildPostForm: dates written by arithmetic, not Date', () => {
  // post/core.js formats its dates from the milliseconds itself (a first Date costs 0.2 ms in
  // a cold page); node's Date and the full core (src/time.rs) are the two references.
  test('generated times from 1970 to 9999: expiration, x-oss-date and key folders', () => {
    const r = prng(SEED + 7);
    const DAY = 86_400_000;
    const edges = [0, 1, DAY - 1, DAY, Date.UTC(2000, 1, 29, 23, 59, 59, 999), Date.UTC(2100, 1, 28, 23, 59, 59, 999)];
    edges.push(Date.UTC(2100, 2, 1), Date.UTC(2400, 1, 29), Date.UTC(1972, 11, 31, 23, 59, 59, 999));
    edges.push(Date.UTC(9999, 11, 31, 23, 44, 59, 999), Date.UTC(9999, 11, 31, 23, 59, 59, 999) - 1000);
    const times = [...edges];
    for (let i = 0; i < 400; i++) times.push(r.int(Date.UTC(9999, 11, 24)));
    for (let i = 0; i < 100; i++) times.push(Date.UTC(1970 + r.int(8030), r.int(12), 1) - r.int(2) * r.int(DAY)); // month ends
    for (const now of times) {
      const late = now + 7 * DAY >= Date.UTC(9999, 11, 31, 23, 59, 59, 999);
      const options = { ...BASE, now, expiresIn: late ? 1 : 1 + r.int(7 * 86_400) };
      const label = `now ${now} (${new Date(now).toISOString()}), expiresIn ${options.expiresIn}`;
      const form = post.buildPostForm(options);
      assert.equal(form.expiration, new Date(now + options.expiresIn * 1000).toISOString(), label);
      assert.equal(form.fields['x-oss-date'], compactDateTime(now), label);
      assertSameForm(form, full.buildPostForm(options), label);
      const key = post.objectKey({ now, name: 'a.jpg' });
      assert.equal(key.slice(0, 11), `${new Date(now).toISOString().slice(0, 10).replace(/-/g, '/')}/`, label);
    }
  });

  test('a clock that setClockOffset took out of range: INVALID_OPTION in both, as for `now`', () => {
    const { now, ...withoutNow } = BASE;
    assert.ok(now);
    for (const offset of [1e17, -Date.now() - 86_400_000, 0.5e16]) {
      post.setClockOffset(offset);
      full.setClockOffset(offset);
      try {
        const postResult = outcome(() => post.buildPostForm(withoutNow));
        assertSameOutcome(
          postResult,
          outcome(() => full.buildPostForm(withoutNow)),
          `offset ${offset}`,
        );
        assert.equal(postResult.error && postResult.error.code, 'INVALID_OPTION', `offset ${offset}`);
        assert.match(postResult.error.message, /setClockOffset/);
      } finally {
        post.setClockOffset(0);
        full.setClockOffset(0);
      }
    }
    // and back in range: the clock's time, signed
    const form = post.buildPostForm(withoutNow);
    assert.ok(Math.abs(Date.parse(form.expiration) - (Date.now() + 900_000)) < 60_000, form.expiration);
  });
});

describe('buildPostForm: edge cases where the two entries once differed', () => {
  for (const [what, options] of EDGE_CASES) {
    test(what, () => {
      const postResult = outcome(() => post.buildPostForm(options));
      const fullResult = outcome(() => full.buildPostForm(options));
      assertSameOutcome(postResult, fullResult, what);
      if (!postResult.error) assertSameForm(postResult.value, fullResult.value, what);
    });
  }

  test('callback text with a repeated member: one core, one reading', () => {
    // The core's reader keeps the first of repeated members (JSON.parse the last); OSS's own
    // reading is not documented. Both entries run the same Rust rules, so they agree.
    const options = { ...BASE, callback: '{"callbackUrl":"u","callbackUrl":"","callbackBody":"b"}' };
    assertSameForm(post.buildPostForm(options), full.buildPostForm(options), 'repeated member');
  });
});

// ---------------------------------------------------------------- 3. the real bucket server

async function bucket(t) {
  const root = await mkdtemp(path.join(tmpdir(), 'ossup-post-entry-'));
  const server = await startBucketServer({ root, testMode: true });
  t.after(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });
  return server;
}

/** multipart/form-data: the fields in order, then `file`. */
function submit(server, fields, bytes, { fileName = 'upload.bin', type = 'application/octet-stream' } = {}) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([bytes], { type }), fileName);
  return fetch(`${server.url}/`, { method: 'POST', body: form });
}

const objectUrl = (server, key) => `${server.url}/${key.split('/').map(encodeURIComponent).join('/')}`;

/**
 * GET an object with node:http; `header(name)` reads a header back as the UTF-8 text the
 * server stored (the server writes UTF-8 bytes, which Node reads as Latin-1).
 */
function getObject(server, key) {
  return new Promise((resolve, reject) => {
    http
      .get(objectUrl(server, key), (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          const header = (name) => {
            const value = res.headers[name.toLowerCase()];
            if (value === undefined) return null;
            // Node itself decodes Content-Disposition as UTF-8: keep what is already decoded.
            return /[^\u0000-\u00ff]/.test(value) ? value : Buffer.from(value, 'latin1').toString('utf8');
          };
          resolve({ status: res.statusCode, header, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

const errorCode = (text) => (/<Code>([^<]*)<\/Code>/.exec(text) || [])[1];

// RFC 6266 / 5987: the non-ASCII file name percent-encoded. (The local server's GET sends a raw
// non-ASCII Content-Disposition mangled on Node 20, so the non-ASCII value checked here is meta.)
const DISPOSITION = 'attachment; filename="photo.jpg"; filename*=UTF-8\'\'%E7%85%A7%E7%89%87.jpg';

describe('post forms against the local verifying bucket server', () => {
  for (const version of ['v1', 'v4']) {
    test(`${version}: permanent keys, an ASCII and a non-ASCII key, stored byte for byte`, async (t) => {
      const server = await bucket(t);
      const cases = [
        { key: 'post/plain-ascii.dat', status: 204, bytes: randomBytes(1) },
        { key: 'post/猫 + dog 🐱 100% #1.bin', status: 201, bytes: randomBytes(70_000) },
        { key: 'post/空 格/照片.xpt', status: 200, bytes: randomBytes(4097) },
      ];
      for (const { key, status, bytes } of cases) {
        const { fields } = post.buildPostForm({
          version,
          accessKeyId: ACCESS_KEY_ID,
          accessKeySecret: ACCESS_KEY_SECRET,
          region: server.region,
          bucket: server.bucket,
          key,
          contentType: 'image/x-post-test',
          contentLengthRange: [bytes.length, bytes.length],
          successActionStatus: status,
          meta: { Owner: 'eric', City: '杭州' },
          headers: { 'Cache-Control': 'max-age=60', 'Content-Disposition': DISPOSITION },
        });
        const response = await submit(server, fields, bytes);
        const text = await response.text();
        assert.equal(response.status, status, `${key}: ${text}`);
        if (status === 201) assert.match(text, new RegExp(`<Key>${key.replace(/[+?]/g, '\\$&')}</Key>`));
        assert.equal(response.headers.get('x-oss-hash-crc64ecma'), post.crc64(bytes), key);

        const got = await getObject(server, key);
        assert.equal(got.status, 200, key);
        assert.ok(got.body.equals(bytes), `${key}: the bucket holds different bytes`);
        assert.equal(got.header('content-type'), 'image/x-post-test');
        assert.equal(got.header('x-oss-meta-owner'), 'eric');
        assert.equal(got.header('x-oss-meta-city'), '杭州');
        assert.equal(got.header('cache-control'), 'max-age=60');
        assert.equal(got.header('content-disposition'), DISPOSITION);
        assert.ok((await readFile(server.objectPath(key))).equals(bytes));
      }
      // forbidOverwrite (the default): the same form again is refused.
      const again = post.buildPostForm({
        version,
        accessKeyId: ACCESS_KEY_ID,
        accessKeySecret: ACCESS_KEY_SECRET,
        region: server.region,
        key: cases[0].key,
      });
      const refused = await submit(server, again.fields, Buffer.from('other'));
      assert.equal(refused.status, 409);
      assert.equal(errorCode(await refused.text()), 'FileAlreadyExists');
    });

    test(`${version}: STS credentials from issueSts, a keyPrefix form whose key the client picks`, async (t) => {
      const server = await bucket(t);
      const sts = server.issueSts({ ttlSeconds: 900 });
      const bytes = randomBytes(12_345);
      const { fields } = post.buildPostForm({
        version,
        accessKeyId: sts.accessKeyId,
        accessKeySecret: sts.accessKeySecret,
        securityToken: sts.securityToken,
        region: `oss-${server.region}`,
        bucket: server.bucket,
        keyPrefix: '/sts/user-7',
        contentType: 'image/png', // pinned: without it a prefix form pins application/octet-stream
        contentLengthRange: [1, 100_000],
        expiresIn: 300,
      });
      assert.equal(fields.key, undefined, 'a prefix form leaves the key to the client');
      assert.equal(fields['x-oss-security-token'], sts.securityToken);
      const key = 'sts/user-7/2024/照片 😀.png';
      const response = await submit(server, { key, ...fields }, bytes, { type: 'image/png' });
      assert.equal(response.status, 200, await response.clone().text());
      const got = await getObject(server, key);
      assert.equal(got.status, 200);
      assert.ok(got.body.equals(bytes));
      assert.equal(got.header('content-type'), 'image/png');

      // Outside the prefix, the same signed form is refused.
      const outside = await submit(server, { key: 'sts/user-8/x.png', ...fields }, bytes);
      assert.equal(outside.status, 403);
      assert.equal(errorCode(await outside.text()), 'AccessDenied');
      assert.equal((await getObject(server, 'sts/user-8/x.png')).status, 404);
    });

    test(`${version}: a tampered form is rejected and nothing is stored`, async (t) => {
      const server = await bucket(t);
      const sts = server.issueSts();
      const bytes = randomBytes(2000);
      const key = 'tamper/目标.bin';
      const { fields } = post.buildPostForm({
        version,
        accessKeyId: sts.accessKeyId,
        accessKeySecret: sts.accessKeySecret,
        securityToken: sts.securityToken,
        region: server.region,
        bucket: server.bucket,
        key,
        contentLengthRange: [bytes.length, bytes.length],
        meta: { Owner: 'eric' },
      });
      const flip = (text) => text.slice(0, -2) + (text.at(-2) === 'A' ? 'B' : 'A') + text.at(-1);
      const signatureField = version === 'v1' ? 'Signature' : 'x-oss-signature';
      const tampers = [
        ['x-oss-meta-owner', 'mallory', 'AccessDenied'],
        ['key', 'tamper/other.bin', 'AccessDenied'],
        ['success_action_status', '201', 'AccessDenied'],
        ['x-oss-forbid-overwrite', 'false', 'AccessDenied'],
        [signatureField, flip(fields[signatureField]), 'SignatureDoesNotMatch'],
        ['policy', flip(fields.policy), null],
      ];
      for (const [name, value, code] of tampers) {
        assert.notEqual(value, fields[name], name);
        const changed = { ...fields, [name]: value };
        const response = await submit(server, changed, bytes);
        const text = await response.text();
        assert.ok(response.status === 403 || response.status === 400, `${name} → ${response.status} ${text}`);
        if (code) assert.equal(errorCode(text), code, `${name}: ${text}`);
      }
      // More bytes than the pinned length.
      const longer = await submit(server, fields, Buffer.concat([bytes, Buffer.from('x')]));
      assert.equal(longer.status, 400);
      assert.equal(errorCode(await longer.text()), 'EntityTooLarge');
      for (const k of [key, 'tamper/other.bin']) assert.equal((await getObject(server, k)).status, 404);
      // The untouched form still works: the rejections were the tampering's.
      const response = await submit(server, fields, bytes);
      assert.equal(response.status, 200, await response.clone().text());
      assert.ok((await getObject(server, key)).body.equals(bytes));
    });
  }
});

// ---------------------------------------------------------------- 4. keys

const PREFIX_PIECES = [
  'user',
  '42',
  '上传',
  '😀',
  'a b',
  'c+d%',
  '.',
  '..',
  '...',
  '',
  '\\',
  '/',
  'x\u0001',
  '\u007f',
  'é',
];
const NAMES = [
  '',
  'IMG_0001.JPG',
  'wxfile://tmp/a.b.MP4',
  'C:\\photos\\x.HEIC',
  '.bashrc',
  'a.abcdefghij',
  'a.abcdefghijk',
  'a.p%6g',
  '视频.mp4',
  'noext',
  'a.',
  'x.y/',
  'dir.d/file',
  'a.tar.GZ',
  'http://tmp/猫.webp',
  '😀.png',
  '..',
];
const KEY_ALPHABET = [
  'a',
  'Z',
  '0',
  '/',
  '\\',
  '.',
  '..',
  ' ',
  '+',
  '%',
  '猫',
  '😀',
  '\u0000',
  '\u001f',
  '\u007f',
  '\u0085',
  '\u2028',
  '\ud800',
  '\udc00',
  'é',
];

function generatedText(r, alphabet, maxPieces) {
  let text = '';
  const n = r.int(maxPieces + 1);
  for (let i = 0; i < n; i++) text += r.pick(alphabet);
  return text;
}

describe('objectKey, validateKey, normalizePrefix: post and full agree', () => {
  test(`objectKey on generated options with the same random bytes (seed ${SEED})`, (t) => {
    t.after(() => {
      const system = (n) => globalThis.crypto.getRandomValues(new Uint8Array(n));
      post.setRandomSource(system, 'crypto.getRandomValues');
      full.setRandomSource(system, 'crypto.getRandomValues');
    });
    const r = prng(SEED + 4);
    let keys = 0;
    let errors = 0;
    for (let i = 0; i < 400; i++) {
      const bytes = r.bytes(8);
      post.setRandomSource((n) => bytes.slice(0, n));
      full.setRandomSource((n) => bytes.slice(0, n));
      const o = {};
      if (r.chance(0.8)) {
        o.prefix = Array.from({ length: r.int(4) }, () => generatedText(r, PREFIX_PIECES, 3)).join(r.pick(['/', '\\']));
        if (r.chance(0.3)) o.prefix = '/'.repeat(r.int(3)) + o.prefix;
      }
      if (r.chance(0.8)) o.name = r.pick(NAMES);
      if (r.chance(0.9)) o.now = r.chance(0.5) ? r.pick(NOWS) : r.int(Date.UTC(9999, 11, 31));
      if (r.chance(0.5)) o.dateFolders = r.pick([true, false, undefined, null]);
      if (r.chance(0.05)) o.prefix = 'p/'.repeat(520); // too long
      if (r.chance(0.05)) o.now = r.pick([-1, 1.5, NaN, '1700000000000']);
      if (o.now === undefined) o.now = NOWS[0]; // both clocks read separately: pin it
      const label = `seed ${SEED} case ${i} ${JSON.stringify(o).slice(0, 200)}`;
      const a = outcome(() => post.objectKey(o));
      const b = outcome(() => full.objectKey(o));
      assertSameOutcome(a, b, label);
      if (a.error) errors++;
      else {
        keys++;
        const hex = Buffer.from(bytes).toString('hex');
        assert.ok(a.value.includes(`${o.now}-${hex}`), `${label}: ${a.value}`);
        assert.equal(post.validateKey(a.value), a.value);
      }
    }
    assert.ok(keys > 200 && errors > 20, `${keys} keys, ${errors} errors`);
  });

  test('objectKey: fixed shapes', () => {
    const bytes = Uint8Array.from([0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89]);
    post.setRandomSource(() => bytes.slice());
    try {
      const now = Date.UTC(2024, 1, 29, 23, 59, 59, 999);
      assert.equal(
        post.objectKey({ prefix: '/user/42', name: 'wxfile://tmp/IMG_0001.JPG', now }),
        `user/42/2024/02/29/${now}-abcdef0123456789.jpg`,
      );
      assert.equal(post.objectKey({ now: 5, dateFolders: false }), '5-abcdef0123456789');
      assert.equal(post.objectKey({ now: Date.UTC(2023, 11, 31, 23, 59, 59, 999) }).slice(0, 11), '2023/12/31/');
    } finally {
      post.setRandomSource((n) => globalThis.crypto.getRandomValues(new Uint8Array(n)), 'crypto.getRandomValues');
    }
  });

  test('validateKey and normalizePrefix on generated text, valid and not', () => {
    const r = prng(SEED + 5);
    const results = { validKeys: 0, invalidKeys: 0 };
    const inputs = [];
    for (let i = 0; i < 600; i++) inputs.push(generatedText(r, KEY_ALPHABET, 12));
    for (let i = 0; i < 40; i++) {
      const unit = r.pick(['a', 'é', '猫', '😀']);
      const bytes = Buffer.byteLength(unit);
      const around = Math.floor(1023 / bytes) + r.int(3) - 1;
      inputs.push(unit.repeat(around) + r.pick(['', '/', 'a']));
    }
    inputs.push(
      '',
      '/',
      '//',
      '\\/a',
      'a//',
      'a/..b',
      'a..',
      '.a',
      'a/.',
      'a/../b',
      'a\\..\\b',
      ...[5, null, undefined, {}, []],
    );
    for (const [i, input] of inputs.entries()) {
      const label = `seed ${SEED} input ${i} ${JSON.stringify(input)?.slice(0, 80)}`;
      const valid = outcome(() => post.validateKey(input));
      assertSameOutcome(
        valid,
        outcome(() => full.validateKey(input)),
        `validateKey ${label}`,
      );
      if (valid.error) {
        results.invalidKeys++;
        assert.equal(valid.error.code, 'INVALID_OBJECT_KEY', label);
      } else {
        results.validKeys++;
        assert.equal(valid.value, input);
      }
      const prefix = outcome(() => post.normalizePrefix(input));
      assertSameOutcome(
        prefix,
        outcome(() => full.normalizePrefix(input)),
        `normalizePrefix ${label}`,
      );
      if (!prefix.error && prefix.value) {
        assert.ok(prefix.value.endsWith('/'), label);
        assert.equal(post.validateKey(`${prefix.value}x`), `${prefix.value}x`, label);
      }
    }
    assert.ok(results.validKeys > 50 && results.invalidKeys > 50, JSON.stringify(results));
    // The prefixes the form generator relies on.
    for (const [given, normalized] of PREFIXES) assert.equal(post.normalizePrefix(given), normalized, given);
  });

  const keyDifferences = [
    [
      'a random source that returns more than 8 bytes (post once put all of them in the key; both take the first 8)',
      16,
      { now: 5, name: 'a.jpg' },
    ],
    ['dateFolders as text (post once treated it as true; both INVALID_OPTION)', 8, { now: 5, dateFolders: 'no' }],
    [
      'now after the year 9999 (post once wrote a "+010000/01" folder; both INVALID_OPTION)',
      8,
      { now: Date.UTC(10000, 0, 1) },
    ],
    ['now beyond what a Date holds (post once threw a RangeError; both INVALID_OPTION)', 8, { now: 1e20 }],
  ];
  for (const [what, length, options] of keyDifferences) {
    test(`objectKey: ${what}`, () => {
      const bytes = Uint8Array.from({ length }, (_, i) => i * 17);
      post.setRandomSource(() => bytes);
      full.setRandomSource(() => bytes);
      try {
        assertSameOutcome(
          outcome(() => post.objectKey(options)),
          outcome(() => full.objectKey(options)),
          what,
        );
      } finally {
        const system = (n) => globalThis.crypto.getRandomValues(new Uint8Array(n));
        post.setRandomSource(system, 'crypto.getRandomValues');
        full.setRandomSource(system, 'crypto.getRandomValues');
      }
    });
  }
});

// ---------------------------------------------------------------- 5. CRC-64

describe('crc64 and createCrc64 in post', () => {
  const reference = (bytes, previous = 0n) => crc64Header(referenceCrc64(bytes, previous));
  const SIZES = [0, 1, 7, 8, 65535, 65536, 262144 + 13, 3 * MiB];

  test('random buffers: post = www/server/crc64.mjs = full, and continuation', () => {
    const r = prng(SEED + 6);
    for (const size of SIZES) {
      const bytes = randomBytes(size);
      const label = `size ${size}`;
      const value = post.crc64(bytes);
      assert.equal(value, reference(bytes), label);
      assert.equal(value, full.crc64(bytes), label);
      assert.match(value, /^\d{1,20}$/);
      // crc64(b, crc64(a)) === crc64(a‖b), at a few cuts.
      for (const cut of [0, size, r.int(size + 1), r.int(size + 1)]) {
        const a = bytes.subarray(0, cut);
        const b = bytes.subarray(cut);
        assert.equal(post.crc64(b, post.crc64(a)), value, `${label} cut ${cut}`);
        assert.equal(post.crc64(b, full.crc64(a)), value, `${label} cut ${cut}, previous from full`);
      }
    }
    assert.equal(post.crc64(new Uint8Array(0)), '0');
    assert.equal(post.crc64(Buffer.from('123456789')), '11051210869376104954'); // CRC-64/XZ check value
    const previous = '18446744073709551615';
    const tail = randomBytes(100);
    assert.equal(post.crc64(tail, previous), reference(tail, 18446744073709551615n));
    assert.equal(post.crc64(tail, previous), full.crc64(tail, previous));
    assert.equal(post.crc64(tail, '00000000000000000001'), full.crc64(tail, '1'));
  });

  test('createCrc64 in uneven chunks, and from a previous value', () => {
    const r = prng(SEED + 7);
    const bytes = randomBytes(3 * MiB + 5);
    const stream = post.createCrc64();
    let at = 0;
    let chunks = 0;
    while (at < bytes.length) {
      const n = r.pick([0, 1, 7, 8, 13, 4095, 65536, 65537, 300_001]);
      stream.update(bytes.subarray(at, at + n));
      at += n;
      chunks++;
    }
    assert.ok(chunks > 10);
    assert.equal(stream.digest(), reference(bytes));
    assert.equal(stream.digest(), stream.digest(), 'digest does not end the stream');
    assert.equal(post.createCrc64().digest(), '0');
    const head = bytes.subarray(0, 1000);
    const rest = bytes.subarray(1000, 5000);
    const continued = post.createCrc64(post.crc64(head)).update(rest);
    assert.equal(continued.digest(), reference(bytes.subarray(0, 5000)));
    assert.equal(
      continued.update(new Uint8Array(0)).digest(),
      full.createCrc64(full.crc64(head)).update(rest).digest(),
    );
  });

  test('ArrayBuffer, DataView and other views: the bytes they show', () => {
    const bytes = randomBytes(1000);
    const backing = new Uint8Array(1010);
    backing.set(bytes, 5);
    const expected = reference(bytes);
    assert.equal(post.crc64(backing.buffer.slice(5, 1005)), expected, 'ArrayBuffer');
    assert.equal(post.crc64(new DataView(backing.buffer, 5, 1000)), expected, 'DataView with an offset');
    assert.equal(post.crc64(backing.subarray(5, 1005)), expected, 'Uint8Array with an offset');
    assert.equal(post.crc64(new Uint16Array(backing.buffer, 6, 2)), reference(backing.subarray(6, 10)), 'Uint16Array');
    assert.equal(
      post
        .createCrc64()
        .update(new DataView(backing.buffer, 5, 1000))
        .digest(),
      expected,
    );
    for (const view of [new DataView(backing.buffer, 5, 1000), backing.buffer.slice(5, 1005), new Float64Array(3)]) {
      assert.equal(post.crc64(view), full.crc64(view));
    }
  });

  test('bad input: INVALID_CRC64 for a bad previous, INVALID_OPTION for what is not bytes', () => {
    const bytes = randomBytes(10);
    for (const previous of [
      '-1',
      '1e3',
      '1'.repeat(21),
      '',
      ' 1',
      '0x10',
      '18446744073709551616',
      '99999999999999999999',
      5,
      5n,
      {},
    ]) {
      const label = `previous ${typeof previous} ${String(previous)}`;
      for (const [name, fn] of [
        ['crc64', () => post.crc64(bytes, previous)],
        ['createCrc64', () => post.createCrc64(previous).update(bytes)],
      ]) {
        const { error } = outcome(fn);
        assert.ok(error, `${name} ${label}: accepted`);
        assert.equal(error.name, 'OssupError', `${name} ${label}`);
        assert.equal(error.code, 'INVALID_CRC64', `${name} ${label}: ${error.message}`);
      }
      if (typeof previous === 'string')
        assert.equal(outcome(() => full.crc64(bytes, previous)).error.code, 'INVALID_CRC64', label);
    }
    for (const data of [5, null, undefined, [1, 2, 3], { length: 3 }]) {
      const label = `data ${JSON.stringify(data)}`;
      const { error } = outcome(() => post.crc64(data));
      assert.ok(error, `${label}: accepted`);
      assert.equal(error.code, 'INVALID_OPTION', `${label}: ${error.message}`);
      assert.equal(outcome(() => post.createCrc64().update(data)).error.code, 'INVALID_OPTION', label);
    }
  });

  test('a string is the CRC of its UTF-8, as in the full entry', () => {
    assert.equal(post.crc64('abc 猫'), full.crc64('abc 猫'));
    assert.equal(post.crc64('abc 猫'), crc64Header(referenceCrc64(Buffer.from('abc 猫', 'utf8'))));
    assert.equal(post.createCrc64().update('abc').update(' 猫').digest(), full.crc64('abc 猫'));
  });
});

// ---------------------------------------------------------------- 6. the uploader in the sandboxes

/** A code package holding ossup-post.wasm.br where ossup/post looks for it by default. */
async function postPackage(t) {
  const dir = await mkdtemp(path.join(tmpdir(), 'ossup-post-package-'));
  const target = path.join(dir, post.DEFAULT_WASM_PATH);
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(path.join(DIST_DIR, 'ossup-post.wasm.br'), target);
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function postSandbox(t, platform, options = {}) {
  const packageDir = options.packageDir || (await postPackage(t));
  const sandbox = createSandbox(platform, {
    bundle: path.join(DIST_DIR, 'post-miniprogram.cjs'),
    packageDir,
    ...options,
  });
  t.after(() => sandbox.close());
  return sandbox;
}

/** The app's server: STS credentials, and one form per file signed with the full core. */
async function appServer(t, server) {
  const hits = { sts: 0, form: 0 };
  const routes = {
    '/api/sts': () => {
      hits.sts++;
      return server.issueSts({ ttlSeconds: 900 });
    },
    '/api/upload-form': ({ name, size, contentType }) => {
      hits.form++;
      const { fields } = full.buildPostForm({
        accessKeyId: ACCESS_KEY_ID,
        accessKeySecret: ACCESS_KEY_SECRET,
        region: server.region,
        bucket: server.bucket,
        key: full.objectKey({ prefix: 'signed/user-42', name }),
        contentType,
        contentLengthRange: [size, size],
        expiresIn: 600,
      });
      return { host: server.url, fields };
    },
  };
  const app = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const route = routes[new URL(req.url, 'http://x').pathname];
      if (!route || req.method !== 'POST') {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        return res.end('{"message":"no such route"}');
      }
      const body = Buffer.concat(chunks).toString('utf8');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(route(body ? JSON.parse(body) : {})));
    });
  });
  await new Promise((resolve) => app.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise((resolve) => {
        app.closeAllConnections();
        app.close(resolve);
      }),
  );
  return { url: `http://127.0.0.1:${app.address().port}`, hits };
}

/**
 * A page: the package (post-miniprogram.cjs), ready(), an uploader, and an upload of what the
 * picker returned. Locals: `cfg`, `mode` ('sts' | 'localSts' | 'signForm'), `options`, `picked`, `sts`.
 */
const PAGE = `
  const api = typeof wx !== 'undefined' ? wx : tt;
  const postJson = (url, data) =>
    new Promise((resolve, reject) =>
      api.request({
        url,
        method: 'POST',
        data: JSON.stringify(data || {}),
        dataType: 'json',
        header: { 'content-type': 'application/json' },
        success: (res) => (res.statusCode === 200 ? resolve(res.data) : reject(new Error('HTTP ' + res.statusCode))),
        fail: (err) => reject(new Error(err.errMsg)),
      }),
    );
  const ossup = require('ossup');
  const loaded = await ossup.ready();
  const base = { bucket: cfg.bucket, region: cfg.region, endpoint: cfg.endpoint, keyPrefix: 'post/' + cfg.platform, retry: { limit: 2, delay: 20, backoffLimit: 100 } };
  const modes = {
    sts: Object.assign({}, base, { credentials: () => postJson(cfg.app + '/api/sts') }),
    localSts: Object.assign({}, base, { credentials: async () => sts }),
    signForm: { signForm: (file) => postJson(cfg.app + '/api/upload-form', file) },
  };
  const uploader = ossup.createUploader(Object.assign({}, modes[mode], options));
  const results = await uploader.upload(picked);
  const errorOf = (e) => e && { name: e.name, code: e.code, message: e.message };
  return {
    loaded,
    engine: ossup.engine(),
    isReady: ossup.isReady(),
    credentialMode: uploader.credentialMode,
    results: results.map((r) => Object.assign({}, r, { error: errorOf(r.error) })),
  };
`;

async function runPage(sandbox, { server, app, mode = 'sts', options = {}, picked, sts }) {
  const out = await sandbox.run(PAGE, {
    cfg: {
      bucket: server.bucket,
      region: server.region,
      endpoint: server.url,
      app: app && app.url,
      platform: sandbox.platform,
    },
    mode,
    options,
    picked,
    sts,
  });
  return sandbox.toHost(out);
}

const md5Upper = (bytes) => createHash('md5').update(bytes).digest('hex').toUpperCase();

async function assertUploaded(server, sandbox, result, platformPath) {
  assert.equal(result.status, 'success', result.error && `${result.error.code}: ${result.error.message}`);
  const source = sandbox.fileBytes(platformPath);
  const stored = await readFile(server.objectPath(result.key));
  assert.ok(stored.equals(source), `${result.key}: the bucket holds different bytes`);
  const got = await getObject(server, result.key);
  assert.equal(got.status, 200);
  assert.ok(got.body.equals(source), `${result.key}: GET gives different bytes`);
  assert.equal(result.size, source.length);
  assert.equal(result.multipart, undefined, `${result.key}: one PostObject, not multipart`);
  assert.equal(result.etag, md5Upper(source));
  assert.equal(result.crc64, crc64Header(referenceCrc64(source)));
  assert.equal(result.integrity, 'verified', `${result.key}: the CRC-64 was compared with OSS's`);
}

const ENGINES = { wechat: ['WXWebAssembly', 'wx'], douyin: ['TTWebAssembly', 'tt'] };

for (const [platform, [engine, api]] of Object.entries(ENGINES)) {
  describe(`${platform}: the ossup/post uploader in the sandbox`, () => {
    test('STS mode: three picked files go up byte for byte, on the small core', async (t) => {
      const server = await bucket(t);
      const app = await appServer(t, server);
      const sandbox = await postSandbox(t, platform);
      const paths = [
        sandbox.addFile('tiny.jpg', 1),
        sandbox.addFile('photo.png', 70_000),
        sandbox.addFile('clip.mp4', 300_017),
      ];
      const out = await runPage(sandbox, { server, app, picked: sandbox.chooseResult(paths) });

      assert.equal(out.engine, engine);
      assert.deepEqual(out.loaded, { engine });
      assert.equal(out.isReady, true);
      assert.equal(out.credentialMode, 'credentials');
      assert.equal(out.results.length, 3);
      for (let i = 0; i < 3; i++) {
        await assertUploaded(server, sandbox, out.results[i], paths[i]);
        assert.match(
          out.results[i].key,
          new RegExp(`^post/${platform}/\\d{4}/\\d{2}/\\d{2}/\\d+-[0-9a-f]{16}\\.(jpg|png|mp4)$`),
        );
      }
      // The small core, loaded the platform's way from its default path.
      const loads = sandbox.calls.filter((c) => c.api === `${engine}.instantiate`);
      assert.deepEqual(
        loads.map((c) => c.options.path),
        [post.DEFAULT_WASM_PATH],
      );
      assert.equal(app.hits.sts, 1);
      assert.deepEqual(
        server.requests.filter((r) => r.op !== 'GetObject').map((r) => [r.op, r.status]),
        [
          ['PostObject', 200],
          ['PostObject', 200],
          ['PostObject', 200],
        ],
      );
      assert.equal(sandbox.http.filter((e) => e.api === `${api}.uploadFile`).length, 3);
      assert.deepEqual(sandbox.errors, []);
    });

    test('server-signed mode: forms from an app server that signs with the full core', async (t) => {
      const server = await bucket(t);
      const app = await appServer(t, server);
      const sandbox = await postSandbox(t, platform);
      const paths = [sandbox.addFile('a.jpg', 3000), sandbox.addFile('猫 视频.mp4', 150_000)];
      const out = await runPage(sandbox, { server, app, mode: 'signForm', picked: sandbox.chooseResult(paths) });
      assert.equal(out.engine, engine);
      assert.equal(out.credentialMode, 'signForm');
      for (let i = 0; i < 2; i++) {
        await assertUploaded(server, sandbox, out.results[i], paths[i]);
        assert.match(out.results[i].key, /^signed\/user-42\/\d{4}\/\d{2}\/\d{2}\/\d+-[0-9a-f]{16}\.(jpg|mp4)$/);
      }
      assert.equal(app.hits.form, 2);
      assert.equal(app.hits.sts, 0);
    });

    test('no VOD (NOT_IN_POST_ENTRY); a file over multipartThreshold still goes up as one PostObject', async (t) => {
      const server = await bucket(t);
      const sandbox = await postSandbox(t, platform);
      const vod = await sandbox.thrown(
        `const o = require('ossup'); await o.ready(); o.createUploader({ vodCredentials: async () => ({}) });`,
      );
      assert.ok(vod, 'createUploader took vodCredentials');
      assert.deepEqual([vod.name, vod.code], ['OssupError', 'NOT_IN_POST_ENTRY']);
      assert.match(vod.message, /VOD/);
      assert.match(vod.message, /import 'ossup'/);

      const big = sandbox.addFile('big.mp4', 200 * KiB);
      const out = await runPage(sandbox, {
        server,
        mode: 'localSts',
        sts: server.issueSts(),
        options: { multipartThreshold: 64 * KiB, partSize: 100 * KiB },
        picked: sandbox.chooseResult([big]),
      });
      await assertUploaded(server, sandbox, out.results[0], big);
      assert.deepEqual(
        server.requests.filter((r) => r.op !== 'GetObject').map((r) => r.op),
        ['PostObject'],
        'no InitiateMultipartUpload / UploadPart',
      );
      assert.deepEqual(sandbox.errors, []);
    });
  });
}

// ---------------------------------------------------------------- 7. ready() failing

describe('ready() when the small core cannot be loaded', () => {
  test('plain Node without options: an OssupError that says to pass ready({ wasm }); then it can load', async () => {
    const fresh = await import('../../pkg/dist/post.mjs?fresh=1');
    assert.notEqual(fresh.buildPostForm, post.buildPostForm, 'a separate module instance');
    assert.equal(fresh.isReady(), false);
    assert.equal(fresh.engine(), null);
    const before = outcome(() => fresh.buildPostForm(BASE));
    assert.equal(before.error && before.error.code, 'NOT_READY');
    assert.equal(outcome(() => fresh.crc64(new Uint8Array(1))).error.code, 'NOT_READY');

    await assert.rejects(fresh.ready(), (error) => {
      assert.ok(error instanceof fresh.OssupError, 'an OssupError of that instance');
      assert.equal(error.name, 'OssupError');
      assert.equal(error.code, 'UNSUPPORTED_PLATFORM');
      assert.match(error.message, /pass ready\(\{ wasm \}\)/);
      return true;
    });
    assert.equal(fresh.isReady(), false, 'a failed ready() leaves it unloaded');
    // A failure is not cached: ready({ wasm }) afterwards loads it.
    assert.deepEqual(await fresh.ready({ wasm: new WebAssembly.Module(POST_WASM) }), { engine: 'WebAssembly' });
    assert.equal(fresh.isReady(), true);
    assertSameForm(fresh.buildPostForm(BASE), full.buildPostForm(BASE), 'after loading');
    // And success is cached: no options needed any more.
    assert.deepEqual(await fresh.ready(), { engine: 'WebAssembly' });
  });

  test('bytes that are not ossup-post.wasm: WASM_LOAD_FAILED', async () => {
    const fresh = await import('../../pkg/dist/post.mjs?fresh=2');
    for (const wasm of [new Uint8Array([0, 1, 2, 3]), new TextEncoder().encode('<!doctype html>')]) {
      await assert.rejects(fresh.ready({ wasm }), (error) => {
        assert.equal(error.name, 'OssupError');
        assert.equal(error.code, 'WASM_LOAD_FAILED');
        return true;
      });
      assert.equal(fresh.isReady(), false);
    }
  });

  test('mini programs: Alipay (no WebAssembly) and a package without the wasm file', async (t) => {
    const alipay = await postSandbox(t, 'alipay');
    const noWasm = await alipay.thrown(`const o = require('ossup'); await o.ready();`);
    assert.ok(noWasm, 'ready() resolved on Alipay');
    assert.deepEqual([noWasm.name, noWasm.code], ['OssupError', 'UNSUPPORTED_PLATFORM']);
    assert.match(noWasm.message, /pass ready\(\{ wasm \}\)/);

    const empty = await mkdtemp(path.join(tmpdir(), 'ossup-post-empty-package-'));
    t.after(() => rm(empty, { recursive: true, force: true }));
    const wechat = await postSandbox(t, 'wechat', { packageDir: empty });
    const missing = await wechat.thrown(`const o = require('ossup'); await o.ready();`);
    assert.ok(missing, 'ready() resolved without the wasm file');
    assert.equal(missing.name, 'OssupError');
    assert.equal(missing.code, 'WASM_LOAD_FAILED');
    assert.match(missing.message, /ossup-post\.wasm\.br/);
    // With the file at another path, ready({ wasmPath }) finds it.
    const custom = path.join(empty, 'lib', 'ossup-post.wasm.br');
    mkdirSync(path.dirname(custom), { recursive: true });
    copyFileSync(path.join(DIST_DIR, 'ossup-post.wasm.br'), custom);
    const loaded = await wechat.run(
      `const o = require('ossup'); const r = await o.ready({ wasmPath: '/lib/ossup-post.wasm.br' }); return [r.engine, o.crc64(new Uint8Array([49, 50, 51, 52, 53, 54, 55, 56, 57]))];`,
    );
    assert.deepEqual(wechat.toHost(loaded), ['WXWebAssembly', '11051210869376104954']);
  });
});
