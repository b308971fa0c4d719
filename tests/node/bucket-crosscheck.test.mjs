// Cross-check the server's PostObject verification against ali-oss on generated inputs:
// random keys (non-ASCII, spaces, `+`, emoji), policies, sizes (including 0), V1/V4, permanent
// and STS credentials. ali-oss signs; the server must accept and store identical bytes, and
// must refuse the same form once one character of the signature changes.

import assert from 'node:assert/strict';
import test from 'node:test';
import { buildForm, expectError, getObject, post, startTestServer, v1Fields, v4Fields } from './bucket-helpers.mjs';

const SEED = Number(process.env.OSSUP_SEED ?? 20231203);
const ROUNDS = 48;

/** mulberry32: small, seedable, good enough to pick test inputs. */
function random(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min, max) => min + Math.floor(next() * (max - min + 1));
  const pick = (list) => list[int(0, list.length - 1)];
  const bytes = (n) => Buffer.from(Array.from({ length: n }, () => int(0, 255)));
  return { next, int, pick, bytes, chance: (p) => next() < p };
}

const KEY_PIECES = [
  'a',
  'Z',
  '9',
  ' ',
  '+',
  '上传',
  '文件',
  '🐱',
  '🚀',
  'é',
  'ß',
  '%',
  '&',
  '=',
  '?',
  '#',
  '~',
  '(',
  ')',
  "'",
  '"',
  ',',
  ';',
  '@',
  '!',
  '*',
  '-',
  '_',
  '.jpg',
];

function randomKey(r) {
  const segments = Array.from({ length: r.int(1, 3) }, () =>
    Array.from({ length: r.int(1, 6) }, () => r.pick(KEY_PIECES)).join(''),
  );
  return `xc/${segments.join('/')}`; // never a leading slash, never a "." or ".." segment
}

function randomExpiration(r) {
  const iso = new Date(Date.now() + r.int(2, 600) * 60_000).toISOString();
  return r.chance(0.5) ? iso : iso.replace(/\.\d{3}Z$/, 'Z'); // milliseconds are optional (§1a)
}

function randomCase(r, name) {
  return r.chance(0.3) ? name.toUpperCase() : name;
}

/** Conditions that the generated form satisfies; every form (§1a) appears somewhere. */
function randomConditions(r, { key, size, contentType, bucket, meta }) {
  const conditions = [];
  if (r.chance(0.7)) conditions.push({ bucket });
  if (r.chance(0.7)) conditions.push(['starts-with', randomCase(r, '$key'), key.slice(0, r.int(0, key.length))]);
  if (r.chance(0.3)) conditions.push(['eq', '$key', key]);
  if (r.chance(0.3)) conditions.push({ key });
  if (r.chance(0.7)) conditions.push(['content-length-range', r.int(0, size), size + r.int(0, 10_000)]);
  if (r.chance(0.5))
    conditions.push(['in', '$content-type', r.chance(0.5) ? [contentType, 'image/png'] : [contentType]]);
  if (r.chance(0.5)) conditions.push(['not-in', '$cache-control', ['no-cache', 'no-store']]);
  if (r.chance(0.5)) conditions.push({ 'x-oss-meta-note': meta });
  if (r.chance(0.3)) conditions.push(['starts-with', '$x-oss-meta-note', meta.slice(0, 2)]);
  return conditions;
}

test(`ali-oss-signed random PostObject forms are accepted, stored byte-exact, and refused once the signature changes (seed ${SEED})`, async (t) => {
  const server = await startTestServer(t);
  const r = random(SEED);
  for (let round = 0; round < ROUNDS; round++) {
    const label = `round ${round} (seed ${SEED})`;
    const key = randomKey(r);
    const size = r.chance(0.1) ? 0 : r.int(1, 40_000);
    const bytes = r.bytes(size);
    const contentType = r.pick(['image/jpeg', 'video/mp4', 'application/octet-stream', 'text/plain; charset=utf-8']);
    const meta = r.pick(['备注', 'note +1', 'ok', '🐱 cat', 'a=b&c']);
    const conditions = randomConditions(r, { key, size, contentType, bucket: server.bucket, meta });
    const extra = { 'Content-Type': contentType, 'x-oss-meta-note': meta, 'Cache-Control': 'max-age=5' };
    const useSts = r.chance(0.4);
    const credentials = {};
    if (useSts) {
      const sts = server.issueSts({ ttlSeconds: 600 });
      Object.assign(credentials, {
        accessKeyId: sts.accessKeyId,
        accessKeySecret: sts.accessKeySecret,
        stsToken: sts.securityToken,
      });
    }
    const v4 = r.chance(0.5);
    const fields = v4
      ? v4Fields({ key, conditions, expiration: randomExpiration(r), extra, ...credentials })
      : v1Fields({ key, policy: { expiration: randomExpiration(r), conditions }, extra, ...credentials });
    const fileName = r.pick(['a.bin', '上传.mp4', 'space name.jpg', '🐱.png']);

    const accepted = await post(
      server,
      buildForm(fields, { file: bytes, fileName, fileType: 'application/x-from-part' }),
    );
    assert.equal(
      accepted.status,
      204,
      `${label}: ${v4 ? 'V4' : 'V1'} ${useSts ? 'STS' : 'permanent'} key=${JSON.stringify(key)}: ${await accepted.text()}`,
    );
    const { response, body } = await getObject(server, key);
    assert.equal(response.status, 200, label);
    assert.ok(body.equals(bytes), `${label}: stored bytes differ`);
    assert.equal(response.headers.get('content-type'), contentType, label);
    assert.equal(Buffer.from(response.headers.get('x-oss-meta-note'), 'latin1').toString('utf8'), meta, label);

    const signatureField = v4 ? 'x-oss-signature' : 'Signature';
    const signature = fields[signatureField];
    const at = r.int(0, v4 ? signature.length - 1 : 25); // V1: stay clear of base64 padding
    const alphabet = v4 ? '0123456789abcdef' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const replacement = alphabet[(alphabet.indexOf(signature[at]) + r.int(1, alphabet.length - 1)) % alphabet.length];
    const tampered = {
      ...fields,
      key: `${key}-tampered`,
      [signatureField]: signature.slice(0, at) + replacement + signature.slice(at + 1),
    };
    // the key field is outside the signature, so the tampered form differs only in its signature
    if (conditions.some((c) => (Array.isArray(c) ? c[0] === 'eq' && c[1] === '$key' : 'key' in c))) tampered.key = key;
    await expectError(assert, await post(server, buildForm(tampered, { file: bytes, fileName })), {
      status: 403,
      code: 'SignatureDoesNotMatch',
    });
  }
  const posts = server.requests.filter((entry) => entry.op === 'PostObject');
  assert.equal(posts.length, ROUNDS * 2);
  assert.equal(posts.filter((entry) => entry.status === 204).length, ROUNDS);
});
