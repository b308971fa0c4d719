// A signed form stores only what its policy says (issue 23, item 1). Forms from the demo's
// /api/upload-form, from examples/server, and built with buildPostForm (V1 with the permanent
// key, V4 with STS credentials, and ossup/post's twin) go to the local bucket over real HTTP;
// a hostile client adds or changes one object-header field, or puts its own copy of it first,
// and the bucket refuses the form and stores nothing. The honest form still uploads, and GET
// and HEAD serve exactly the pinned headers and the same bytes. Keys take their extension from
// the pinned type, never from the client's file name. docs/security.md cites these tests.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDemo } from '../../www/server/main.mjs';
import { startAppServer } from '../../examples/server/server.mjs';
import { DEFAULT_ACCESS_KEYS, UPLOADER_RAM_USER } from '../../www/server/bucket.mjs';
import * as full from '../../pkg/dist/node.mjs';
import * as post from '../../pkg/dist/post.mjs';
import { DIST_DIR } from './sandbox/index.mjs';

await post.ready({ wasm: await readFile(path.join(DIST_DIR, 'ossup-post.wasm')) });

const [ACCESS_KEY_ID, ACCESS_KEY_SECRET] = Object.entries(DEFAULT_ACCESS_KEYS)[0];
// Eight bytes of a PNG signature and a little more: what the file is does not matter to OSS.
const BYTES = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.from('<script>alert(1)</script>')]);

/** What a hostile client sends instead of, or before, the honest value of each field. */
const HOSTILE = [
  ['x-oss-content-type', 'text/html'],
  ['Content-Type', 'text/html'],
  ['Content-Disposition', 'inline; filename=a.html'],
  ['Content-Encoding', 'gzip'],
  ['Cache-Control', 'public, max-age=31536000'],
  ['Expires', 'Wed, 21 Oct 2037 07:28:00 GMT'],
  ['x-oss-object-acl', 'public-read-write'],
  ['x-oss-tagging', 'owner=attacker'],
  ['x-oss-forbid-overwrite', 'false'],
  ['success_action_status', '201'],
  ['key', 'evil/a.html'],
];

async function tempDir(t, name) {
  const dir = await mkdtemp(path.join(tmpdir(), name));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function demoServer(t) {
  const demo = await startDemo({ port: 0, root: await tempDir(t, 'ossup-pin-demo-') });
  t.after(() => demo.close());
  return { api: demo.url, bucketUrl: demo.bucketUrl, bucket: demo.bucketServer };
}

async function exampleServer(t) {
  const app = await startAppServer({
    port: 0,
    bucketPort: 0,
    bucketRoot: await tempDir(t, 'ossup-pin-example-'),
    authenticate: () => 'guest',
  });
  t.after(() => app.close());
  return { api: app.url, bucketUrl: app.bucketUrl, bucket: app.bucketServer };
}

async function uploadForm(api, request) {
  const response = await fetch(`${api}/api/upload-form`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  return { status: response.status, json: await response.json() };
}

/** `fields` as [name, value] pairs, posted in order with the file last. */
async function postFields(bucketUrl, pairs, bytes = BYTES) {
  const form = new FormData();
  for (const [name, value] of pairs) form.append(name, value);
  form.append('file', new Blob([bytes], { type: 'image/png' }), 'a.png');
  const response = await fetch(`${bucketUrl}/`, { method: 'POST', body: form });
  return { status: response.status, body: await response.text() };
}

/** The honest pairs with one field's value replaced (or added, when the form lacks it). */
function replaced(fields, name, value) {
  const pairs = Object.entries(fields);
  const at = pairs.findIndex(([n]) => n.toLowerCase() === name.toLowerCase());
  if (at < 0) return [[name, value], ...pairs];
  pairs[at] = [pairs[at][0], value];
  return pairs;
}

/** The honest pairs with the hostile field put first, the honest one left in place. */
const duplicatedFirst = (fields, name, value) => [[name, value], ...Object.entries(fields)];

const objectUrl = (bucketUrl, key) => `${bucketUrl}/${key.split('/').map(encodeURIComponent).join('/')}`;

/**
 * Every hostile variant is refused with 403 and leaves no object; then the honest form uploads
 * and GET/HEAD serve exactly the pinned headers and the same bytes.
 */
async function assertPinned(bucketUrl, fields, { contentType = 'image/png', label }) {
  const { key } = fields;
  for (const [name, value] of HOSTILE) {
    for (const [how, pairs] of [
      ['changed', replaced(fields, name, value)],
      ['put first', duplicatedFirst(fields, name, value)],
    ]) {
      const answer = await postFields(bucketUrl, pairs);
      assert.equal(answer.status, 403, `${label}: ${name}: ${value} (${how}) was accepted: ${answer.body}`);
      assert.match(answer.body, /<Code>AccessDenied<\/Code>/, `${label}: ${name} (${how})`);
      const stored = await fetch(objectUrl(bucketUrl, key), { method: 'HEAD' });
      assert.equal(stored.status, 404, `${label}: ${name} (${how}) stored an object`);
    }
  }
  const honest = await postFields(bucketUrl, Object.entries(fields));
  assert.equal(honest.status, 200, `${label}: the honest form: ${honest.body}`);
  for (const method of ['GET', 'HEAD']) {
    const response = await fetch(objectUrl(bucketUrl, key), { method });
    assert.equal(response.status, 200, `${label} ${method}`);
    const headers = response.headers;
    assert.equal(headers.get('content-type'), contentType, `${label} ${method}: Content-Type`);
    assert.equal(headers.get('content-disposition'), 'inline', `${label} ${method}: Content-Disposition`);
    for (const absent of ['cache-control', 'content-encoding', 'expires', 'x-oss-tagging-count']) {
      assert.equal(headers.get(absent), null, `${label} ${method}: ${absent}`);
    }
    assert.equal(headers.get('x-oss-storage-class'), 'Standard', `${label} ${method}`);
    assert.equal(headers.get('x-oss-server-side-encryption'), null, `${label} ${method}`);
    if (method === 'GET') assert.ok(Buffer.from(await response.arrayBuffer()).equals(BYTES), `${label}: bytes`);
  }
  // x-oss-forbid-overwrite is pinned to true: the same form cannot replace the object.
  const again = await postFields(bucketUrl, Object.entries(fields));
  assert.equal(again.status, 409, again.body);
  assert.match(again.body, /<Code>FileAlreadyExists<\/Code>/);
}

describe('a leaked form uploads one file of one type: every object-header field is pinned', () => {
  test("V4, server-signed by the demo's /api/upload-form", async (t) => {
    const server = await demoServer(t);
    const { status, json } = await uploadForm(server.api, {
      name: 'a.png',
      size: BYTES.length,
      contentType: 'image/png',
    });
    assert.equal(status, 200, JSON.stringify(json));
    await assertPinned(server.bucketUrl, json.fields, { label: 'demo V4' });
  });

  test('V4, server-signed by examples/server', async (t) => {
    const server = await exampleServer(t);
    const { status, json } = await uploadForm(server.api, {
      name: 'a.png',
      size: BYTES.length,
      contentType: 'image/png',
    });
    assert.equal(status, 200, JSON.stringify(json));
    await assertPinned(server.bucketUrl, json.fields, { label: 'examples/server V4' });
  });

  test("V1 with an upload-only RAM user's key, and V4 with STS credentials (full entry and ossup/post)", async (t) => {
    const server = await demoServer(t);
    const answer = await fetch(`${server.api}/api/sts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const sts = await answer.json();
    assert.equal(answer.status, 200, JSON.stringify(sts));
    const base = {
      region: server.bucket.region,
      bucket: server.bucket.bucket,
      contentType: 'image/png',
      contentLengthRange: [BYTES.length, BYTES.length],
    };
    const cases = [
      ['V1, upload-only RAM user', full, { version: 'v1', ...UPLOADER_RAM_USER }],
      ['V4, STS', full, sts],
      ['V4, STS, ossup/post', post, sts],
      ['V1, STS, ossup/post', post, { ...sts, version: 'v1' }],
    ];
    for (const [label, entry, credentials] of cases) {
      const key = entry.objectKey({ prefix: sts.keyPrefix, name: 'a.png' });
      const { fields } = entry.buildPostForm({
        ...base,
        version: credentials.version,
        accessKeyId: credentials.accessKeyId,
        accessKeySecret: credentials.accessKeySecret,
        securityToken: credentials.securityToken,
        key,
      });
      await assertPinned(server.bucketUrl, fields, { label });
    }
  });

  test('without contentType the form pins the type of the key, and a caller-chosen header stays pinned', async (t) => {
    const server = await demoServer(t);
    const key = full.objectKey({ prefix: 'free', name: 'clip.MP4' });
    const { fields } = full.buildPostForm({
      accessKeyId: ACCESS_KEY_ID,
      accessKeySecret: ACCESS_KEY_SECRET,
      region: server.bucket.region,
      key,
      forbidOverwrite: false,
    });
    assert.equal(fields['Content-Type'], 'video/mp4');
    assert.equal(fields['x-oss-content-type'], 'video/mp4');
    assert.equal(fields['x-oss-forbid-overwrite'], 'false', 'pinned even when overwriting is allowed');
    const hostile = await postFields(server.bucketUrl, replaced(fields, 'x-oss-forbid-overwrite', 'true'));
    assert.equal(hostile.status, 403, hostile.body);
    const answer = await postFields(server.bucketUrl, Object.entries(fields));
    assert.equal(answer.status, 200, answer.body);
    assert.equal((await fetch(objectUrl(server.bucketUrl, key))).headers.get('content-type'), 'video/mp4');
  });
});

describe('the local bucket applies each object-header field as OSS does', () => {
  test('Cache-Control, Content-Encoding, Expires, Content-Disposition, storage class, tags, SSE: stored and served', async (t) => {
    const server = await demoServer(t);
    const key = full.objectKey({ prefix: 'state', name: 'a.txt' });
    const headers = {
      'Cache-Control': 'no-cache',
      'Content-Encoding': 'identity',
      Expires: 'Wed, 21 Oct 2037 07:28:00 GMT',
      'Content-Disposition': 'attachment; filename="a.txt"',
      // public-read: the anonymous GET below may read it (a private object is refused now).
      'x-oss-object-acl': 'public-read',
      'x-oss-storage-class': 'IA',
      'x-oss-tagging': 'a=1&b=2',
      'x-oss-server-side-encryption': 'KMS',
      'x-oss-server-side-encryption-key-id': 'fake-kms-key',
    };
    const { fields } = full.buildPostForm({
      accessKeyId: ACCESS_KEY_ID,
      accessKeySecret: ACCESS_KEY_SECRET,
      region: server.bucket.region,
      key,
      contentType: 'text/plain; charset=utf-8',
      headers,
    });
    const answer = await postFields(server.bucketUrl, Object.entries(fields));
    assert.equal(answer.status, 200, answer.body);
    for (const method of ['GET', 'HEAD']) {
      const got = (await fetch(objectUrl(server.bucketUrl, key), { method })).headers;
      assert.equal(got.get('content-type'), 'text/plain; charset=utf-8', method);
      assert.equal(got.get('cache-control'), 'no-cache', method);
      assert.equal(got.get('content-encoding'), 'identity', method);
      assert.equal(got.get('expires'), headers.Expires, method);
      assert.equal(got.get('content-disposition'), headers['Content-Disposition'], method);
      assert.equal(got.get('x-oss-storage-class'), 'IA', method);
      assert.equal(got.get('x-oss-tagging-count'), '2', method);
      assert.equal(got.get('x-oss-server-side-encryption'), 'KMS', method);
      assert.equal(got.get('x-oss-server-side-encryption-key-id'), 'fake-kms-key', method);
    }
    // Fields a caller pins only when set: a hostile storage class on that form is refused too.
    const again = full.buildPostForm({
      ...{ accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET },
      region: server.bucket.region,
      key: `${key}.2`,
      contentType: 'text/plain',
      headers: { 'x-oss-storage-class': 'IA' },
    });
    const changed = await postFields(server.bucketUrl, replaced(again.fields, 'x-oss-storage-class', 'Archive'));
    assert.equal(changed.status, 403, changed.body);
  });

  test('x-oss-content-type beats Content-Type; an empty value is "not set"; a bad value is refused', async (t) => {
    const server = await demoServer(t);
    const policyFor = (key) =>
      full.buildPostForm({
        accessKeyId: ACCESS_KEY_ID,
        accessKeySecret: ACCESS_KEY_SECRET,
        region: server.bucket.region,
        key,
        contentTypes: ['image/png', 'image/jpeg'],
      }).fields;
    const fields = policyFor('t/a');
    assert.equal(fields['Content-Type'], undefined, 'with a list the poster chooses the type');
    const both = await postFields(server.bucketUrl, [
      ...Object.entries(fields),
      ['Content-Type', 'image/jpeg'],
      ['x-oss-content-type', 'image/png'],
    ]);
    assert.equal(both.status, 200, both.body);
    assert.equal((await fetch(objectUrl(server.bucketUrl, 't/a'))).headers.get('content-type'), 'image/png');
    // A list names both fields: leaving one out is EC 0006-00000226 (the field is not in the form).
    const one = await postFields(server.bucketUrl, [
      ...Object.entries(policyFor('t/b')),
      ['Content-Type', 'image/png'],
    ]);
    assert.equal(one.status, 403, one.body);
    assert.match(one.body, /<EC>0006-00000226<\/EC>/);
    assert.match(one.body, /x-oss-content-type/);
    const outside = await postFields(server.bucketUrl, [
      ...Object.entries(policyFor('t/c')),
      ['Content-Type', 'text/html'],
      ['x-oss-content-type', 'text/html'],
    ]);
    assert.equal(outside.status, 403, outside.body);
    assert.match(outside.body, /<EC>0006-00000227<\/EC>/);
  });

  test('a condition on a field the form does not carry is refused (EC 0006-00000226), even one that allows ""', async (t) => {
    const server = await demoServer(t);
    const { fields } = full.buildPostForm({
      accessKeyId: ACCESS_KEY_ID,
      accessKeySecret: ACCESS_KEY_SECRET,
      region: server.bucket.region,
      key: 'ec/226.png',
      conditions: [{ 'x-oss-meta-owner': '' }, ['starts-with', '$x-oss-meta-team', '']],
    });
    const answer = await postFields(server.bucketUrl, Object.entries(fields));
    assert.equal(answer.status, 403, answer.body);
    assert.match(answer.body, /<Code>AccessDenied<\/Code>/);
    assert.match(answer.body, /<EC>0006-00000226<\/EC>/);
    const withThem = await postFields(server.bucketUrl, [
      ...Object.entries(fields),
      ['x-oss-meta-owner', ''],
      ['x-oss-meta-team', 'any'],
    ]);
    assert.equal(withThem.status, 200, withThem.body);
  });
});

describe('the key extension agrees with the pinned type', () => {
  for (const [label, start] of [
    ["the demo's /api/upload-form", demoServer],
    ['examples/server', exampleServer],
  ]) {
    test(`${label}: image/png named a.html, a.svg or a.php gets a .png key`, async (t) => {
      const server = await start(t);
      for (const name of ['a.html', 'a.svg', 'a.php', 'x.PNG.html', 'noextension']) {
        const { status, json } = await uploadForm(server.api, { name, size: BYTES.length, contentType: 'image/png' });
        assert.equal(status, 200, `${name}: ${JSON.stringify(json)}`);
        assert.match(json.key, /\/\d+-[0-9a-f]{16}\.png$/, name);
        assert.equal(json.fields['x-oss-content-type'], 'image/png', name);
        const answer = await postFields(server.bucketUrl, Object.entries(json.fields));
        assert.equal(answer.status, 200, `${name}: ${answer.body}`);
      }
    });
  }

  test('buildPostForm refuses a fixed key whose extension belongs to another type, in both entries', () => {
    const base = {
      accessKeyId: 'FAKE_ID',
      accessKeySecret: 'fake-secret',
      region: 'cn-hangzhou',
      now: Date.UTC(2026, 0, 1),
    };
    for (const entry of [full, post]) {
      for (const [key, contentType] of [
        ['x.html', 'image/png'],
        ['u/42/a.SVG', 'image/png'],
        ['a.php', 'image/jpeg'],
        ['a.js', 'text/plain'],
        ['a.png', 'text/html'],
        ['a.jpg', 'image/png'],
      ]) {
        assert.throws(
          () => entry.buildPostForm({ ...base, key, contentType }),
          (error) => {
            assert.equal(error.name, 'OssupError');
            assert.equal(error.code, 'KEY_TYPE_MISMATCH', `${key} as ${contentType}: ${error.message}`);
            assert.match(error.message, /objectKey\(\{ name, contentType \}\)/);
            return true;
          },
        );
      }
      // An active-content extension fails with a list too, unless every type in it is its own.
      assert.throws(() => entry.buildPostForm({ ...base, key: 'a.svg', contentTypes: ['image/png'] }), {
        code: 'KEY_TYPE_MISMATCH',
      });
      assert.ok(entry.buildPostForm({ ...base, key: 'a.svg', contentTypes: ['image/svg+xml'] }));
      assert.ok(entry.buildPostForm({ ...base, key: 'a.jpg', contentTypes: ['image/png', 'image/jpeg'] }));
      assert.ok(entry.buildPostForm({ ...base, key: 'a.png', contentType: 'IMAGE/PNG; x=1' }));
      assert.ok(entry.buildPostForm({ ...base, key: 'a.unknownext', contentType: 'image/png' }));
      assert.match(entry.objectKey({ name: 'a.html', contentType: 'image/png' }), /\.png$/);
      assert.match(entry.objectKey({ name: 'a.jpeg', contentType: 'image/jpeg' }), /\.jpeg$/);
      assert.match(entry.objectKey({ name: 'a.png', contentType: 'image/jpeg' }), /\.jpg$/);
      assert.doesNotMatch(entry.objectKey({ name: 'a.html', contentType: 'application/x-unknown' }), /\./);
    }
  });
});
