// HTTP behaviour around the uploads: CORS (DESIGN-NOTES "CORS for H5"), GET/HEAD, the upload
// callback (oss-spec §4), unsupported operations, concurrent writers, on-disk layout.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import test from 'node:test';
import { crc64, crc64Header } from '../../www/server/crc64.mjs';
import {
  aliHttpClient,
  buildForm,
  expectError,
  getObject,
  inMinutes,
  post,
  signedRequest,
  startTestServer,
  v1Fields,
} from './bucket-helpers.mjs';

function postObject(server, key, { bytes = Buffer.from(`content of ${key}`), extra = {}, conditions = [] } = {}) {
  const fields = v1Fields({ policy: { expiration: inMinutes(10), conditions }, key, extra });
  return post(server, buildForm(fields, { file: bytes, fileType: 'image/jpeg' }));
}

const encodeCallback = (value) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');

/** A callback server on 127.0.0.1 that records what it receives and answers `reply`. */
async function startCallbackServer(t, reply = { status: 200, body: '{"ok":true}' }) {
  const received = [];
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    received.push({ method: req.method, url: req.url, contentType: req.headers['content-type'], body });
    res.writeHead(reply.status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(reply.body),
    });
    res.end(reply.body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${server.address().port}/oss-callback`, received };
}

test('OPTIONS preflight allows the methods and headers asked for, and exposes ETag and the CRC', async (t) => {
  const server = await startTestServer(t);
  const response = await fetch(`${server.url}/any/key.jpg`, {
    method: 'OPTIONS',
    headers: {
      origin: 'https://h5.example',
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'authorization, x-oss-date, x-oss-content-sha256',
    },
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('access-control-allow-origin'), 'https://h5.example');
  assert.equal(response.headers.get('access-control-allow-methods'), 'GET, PUT, POST, DELETE, HEAD');
  assert.equal(response.headers.get('access-control-allow-headers'), 'authorization, x-oss-date, x-oss-content-sha256');
  assert.equal(
    response.headers.get('access-control-expose-headers'),
    'ETag, x-oss-request-id, x-oss-hash-crc64ecma, Date, x-oss-ec',
  );
  const plain = await fetch(`${server.url}/x`, { method: 'OPTIONS' });
  assert.equal(plain.headers.get('access-control-allow-origin'), '*');
});

test('successful uploads carry the CORS headers a browser needs', async (t) => {
  const server = await startTestServer(t);
  const fields = v1Fields({ policy: { expiration: inMinutes(10), conditions: [] }, key: 'cors.txt' });
  const response = await post(server, buildForm(fields), { origin: 'https://h5.example' });
  assert.equal(response.status, 204);
  assert.equal(response.headers.get('access-control-allow-origin'), 'https://h5.example');
  assert.match(response.headers.get('access-control-expose-headers'), /ETag.*x-oss-hash-crc64ecma/);
});

test('GET and HEAD: 404 NoSuchKey as XML (HEAD without a body), headers of stored objects', async (t) => {
  const server = await startTestServer(t);
  await expectError(assert, await fetch(`${server.url}/no/such/key`), {
    status: 404,
    code: 'NoSuchKey',
    ec: '0026-00000001',
  });
  const head404 = await fetch(`${server.url}/no/such/key`, { method: 'HEAD' });
  assert.equal(head404.status, 404);
  assert.equal(head404.headers.get('x-oss-ec'), '0026-00000001');
  assert.equal(await head404.text(), '');

  const bytes = randomBytes(4321);
  await postObject(server, 'dir/a b+c.jpg', { bytes, extra: { 'x-oss-meta-Camera-Id': 'front-1' } });
  const head = await fetch(`${server.url}/dir/a%20b%2Bc.jpg`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
  assert.equal(head.headers.get('content-length'), '4321');
  assert.equal(head.headers.get('content-type'), 'image/jpeg');
  assert.equal(head.headers.get('x-oss-hash-crc64ecma'), crc64Header(crc64(bytes)));
  assert.equal(head.headers.get('x-oss-meta-camera-id'), 'front-1');
  assert.ok(!Number.isNaN(Date.parse(head.headers.get('last-modified'))));
  assert.match(head.headers.get('etag'), /^"[0-9A-F]{32}"$/);
  // `+` in a path is a plus, not a space
  assert.equal((await fetch(`${server.url}/dir/a%20b+c.jpg`)).status, 200);
  assert.equal((await fetch(`${server.url}/dir/a+b+c.jpg`)).status, 404);
});

test('keys never escape the root, and similar keys stay apart on disk', async (t) => {
  const server = await startTestServer(t);
  const keys = ['a', 'a/b', 'A', '../../etc/passwd', 'dir/../x', 'dir/./x', '..', '%2e%2e/q'];
  for (const key of keys) assert.equal((await postObject(server, key, { bytes: Buffer.from(key) })).status, 204, key);
  for (const key of keys) {
    const file = server.objectPath(key);
    assert.ok(file.startsWith(`${server.root}/objects/`), file);
    const { readFile } = await import('node:fs/promises');
    assert.equal((await readFile(file)).toString(), key);
  }
  assert.equal(new Set(keys.map(server.objectPath)).size, keys.length);
});

test('concurrent forbid-overwrite uploads of one key: exactly one wins', async (t) => {
  const server = await startTestServer(t);
  const responses = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      postObject(server, 'race.txt', {
        bytes: Buffer.from(`writer ${i}`),
        extra: { 'x-oss-forbid-overwrite': 'true' },
      }),
    ),
  );
  const statuses = responses.map((r) => r.status).sort();
  assert.deepEqual(statuses, [204, 409, 409, 409, 409, 409]);
  const winner = responses.findIndex((r) => r.status === 204);
  assert.equal((await getObject(server, 'race.txt')).body.toString(), `writer ${winner}`);
});

test('unsupported operations answer 501 NotImplemented, not a silent success', async (t) => {
  const server = await startTestServer(t);
  const client = aliHttpClient(server);
  await expectError(assert, await fetch(`${server.url}/`), { status: 501, code: 'NotImplemented' });
  for (const call of [
    () => client.append('x', Buffer.from('x')), // PUT ?append
    () => client.getACL('x'), // GET ?acl
    () => client.copy('x', 'y'), // PUT with x-oss-copy-source
  ]) {
    await assert.rejects(call(), (error) => error.status === 501 && error.code === 'NotImplemented');
  }
});

test('callback: a local callback server gets the substituted body; its JSON comes back with 200', async (t) => {
  const server = await startTestServer(t);
  const callbackServer = await startCallbackServer(t, { status: 200, body: '{"saved":"yes","id":7}' });
  const bytes = Buffer.from('callback me');
  const callback = encodeCallback({
    callbackUrl: callbackServer.url,
    callbackBody: 'bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}&uid=${x:uid}',
  });
  const response = await postObject(server, 'cb/文件 1.jpg', { bytes, extra: { callback, 'x:uid': '12 34' } });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { saved: 'yes', id: 7 });
  assert.match(response.headers.get('etag'), /^"[0-9A-F]{32}"$/);
  const [call] = callbackServer.received;
  assert.equal(call.contentType, 'application/x-www-form-urlencoded');
  const params = new URLSearchParams(call.body);
  assert.equal(params.get('bucket'), server.bucket);
  assert.equal(params.get('object'), 'cb/文件 1.jpg');
  assert.equal(`"${params.get('etag')}"`, response.headers.get('etag'));
  assert.equal(params.get('size'), String(bytes.length));
  assert.equal(params.get('mimeType'), 'image/jpeg');
  assert.equal(params.get('uid'), '12 34');

  const json = encodeCallback({
    callbackUrl: callbackServer.url,
    callbackBody: '{"object":"${object}","size":${size}}',
    callbackBodyType: 'application/json',
  });
  const jsonResponse = await postObject(server, 'cb/"quoted".jpg', { extra: { callback: json } });
  assert.equal(jsonResponse.status, 200);
  assert.deepEqual(JSON.parse(callbackServer.received[1].body), {
    object: 'cb/"quoted".jpg',
    size: 'content of cb/"quoted".jpg'.length,
  });
});

test('callback: a failing callback → 203 CallbackFailed, and the object is stored', async (t) => {
  const server = await startTestServer(t);
  const failing = await startCallbackServer(t, { status: 500, body: '{"error":true}' });
  const callback = encodeCallback({ callbackUrl: failing.url, callbackBody: 'object=${object}' });
  await expectError(assert, await postObject(server, 'cb-fail.txt', { extra: { callback } }), {
    status: 203,
    code: 'CallbackFailed',
  });
  assert.equal((await getObject(server, 'cb-fail.txt')).response.status, 200);
  const remote = encodeCallback({
    callbackUrl: 'https://callback.example.invalid/cb',
    callbackBody: 'object=${object}',
  });
  const error = await expectError(assert, await postObject(server, 'cb-remote.txt', { extra: { callback: remote } }), {
    status: 203,
    code: 'CallbackFailed',
  });
  assert.match(error.message, /127\.0\.0\.1\/localhost/);
  assert.equal((await getObject(server, 'cb-remote.txt')).response.status, 200);
});

test('rejects: a bad callback field → 400 InvalidArgument, nothing stored', async (t) => {
  const server = await startTestServer(t);
  const cases = [
    'not base64 at all!',
    encodeCallback({ callbackBody: 'x' }),
    Buffer.from('{oops').toString('base64'),
    encodeCallback({ callbackUrl: 'ftp://x', callbackBody: 'x' }),
  ];
  for (const callback of cases) {
    await expectError(assert, await postObject(server, 'cb-bad.txt', { extra: { callback } }), {
      status: 400,
      code: 'InvalidArgument',
    });
  }
  assert.equal((await getObject(server, 'cb-bad.txt')).response.status, 404);
});

test('the request log records every call with op, key, part number, upload id, status, code, bytes', async (t) => {
  const server = await startTestServer(t);
  await postObject(server, 'log.txt', { bytes: Buffer.alloc(10) });
  const init = await signedRequest(server, { method: 'POST', key: 'log.bin', query: { uploads: null } });
  const uploadId = /<UploadId>([^<]+)</.exec(await init.text())[1];
  await signedRequest(server, {
    method: 'PUT',
    key: 'log.bin',
    query: { partNumber: '3', uploadId },
    body: Buffer.alloc(7),
  });
  await fetch(`${server.url}/missing`);
  const [postEntry, initEntry, partEntry, getEntry] = server.requests;
  assert.deepEqual(
    { ...postEntry, requestId: undefined },
    {
      op: 'PostObject',
      method: 'POST',
      key: 'log.txt',
      partNumber: null,
      uploadId: null,
      status: 204,
      code: null,
      bytes: 10,
      fault: null,
      requestId: undefined,
    },
  );
  assert.equal(initEntry.op, 'InitiateMultipartUpload');
  assert.equal(initEntry.uploadId, uploadId);
  assert.deepEqual(
    [partEntry.op, partEntry.partNumber, partEntry.uploadId, partEntry.bytes, partEntry.status],
    ['UploadPart', 3, uploadId, 7, 200],
  );
  assert.deepEqual([getEntry.op, getEntry.status, getEntry.code], ['GetObject', 404, 'NoSuchKey']);
});
