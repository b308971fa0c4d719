// PutObject, GetObject/HeadObject/DeleteObject, Range, presigned URLs, ACLs and addressing of
// the local bucket, over raw HTTP: the cases the official SDKs (sdk-official.test.mjs) never
// send — malformed digests, anonymous callers, expired URLs, odd ranges, ambiguous paths.

import OSS from 'ali-oss';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import test from 'node:test';
import {
  ACCESS_KEY_ID,
  ACCESS_KEY_SECRET,
  aliHttpClient,
  expectError,
  objectUrl,
  readError,
  signedRequest,
  startTestServer,
} from './bucket-helpers.mjs';

const md5 = (bytes) => createHash('md5').update(bytes).digest('base64');
const BYTES = Buffer.from('0123456789abcdefghij'); // 20 bytes

async function put(server, key, body = BYTES, options = {}) {
  return signedRequest(server, { method: 'PUT', key, body, ...options });
}

test('PutObject: header-signed V1 and V4 store the bytes, headers and metadata; the answer carries ETag, Content-MD5 and CRC-64', async (t) => {
  const server = await startTestServer(t);
  for (const v4 of [false, true]) {
    const key = `put/${v4 ? 'v4' : 'v1'} ü+ x.txt`;
    const response = await put(server, key, BYTES, {
      v4,
      headers: {
        'content-type': 'text/plain',
        'content-md5': md5(BYTES),
        'cache-control': 'no-cache',
        'x-oss-meta-owner': 'tester',
      },
    });
    assert.equal(response.status, 200, (await readError(response.clone())).xml);
    assert.equal(response.headers.get('etag'), `"${createHash('md5').update(BYTES).digest('hex').toUpperCase()}"`);
    assert.equal(response.headers.get('content-md5'), md5(BYTES));
    assert.match(response.headers.get('x-oss-hash-crc64ecma'), /^\d+$/);
    const got = await fetch(objectUrl(server, key));
    assert.equal(got.status, 200);
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(BYTES));
    assert.equal(got.headers.get('content-type'), 'text/plain');
    assert.equal(got.headers.get('cache-control'), 'no-cache');
    assert.equal(got.headers.get('x-oss-meta-owner'), 'tester');
    assert.equal(got.headers.get('x-oss-hash-crc64ecma'), response.headers.get('x-oss-hash-crc64ecma'));
    assert.match(got.headers.get('last-modified'), /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/);
  }
});

test('PutObject: a malformed Content-MD5 and one that does not match are both 400 InvalidDigest; nothing is stored', async (t) => {
  const server = await startTestServer(t);
  await expectError(assert, await put(server, 'md5/bad.txt', BYTES, { headers: { 'content-md5': 'not-md5' } }), {
    status: 400,
    code: 'InvalidDigest',
    ec: '0017-00000502',
  });
  await expectError(
    assert,
    await put(server, 'md5/bad.txt', BYTES, { headers: { 'content-md5': md5(Buffer.from('other')) } }),
    { status: 400, code: 'InvalidDigest', ec: '0017-00000503' },
  );
  assert.equal((await fetch(objectUrl(server, 'md5/bad.txt'))).status, 404);
});

test('PutObject: x-oss-forbid-overwrite keeps the first object (409 FileAlreadyExists)', async (t) => {
  const server = await startTestServer(t);
  assert.equal((await put(server, 'once.txt')).status, 200);
  const headers = { 'x-oss-forbid-overwrite': 'true' };
  await expectError(assert, await put(server, 'once.txt', Buffer.from('second'), { headers }), {
    status: 409,
    code: 'FileAlreadyExists',
  });
  assert.ok(Buffer.from(await (await fetch(objectUrl(server, 'once.txt'))).arrayBuffer()).equals(BYTES));
});

test('PutObject and DeleteObject without a signature are refused on the public-read bucket', async (t) => {
  const server = await startTestServer(t);
  await expectError(assert, await fetch(objectUrl(server, 'anon.txt'), { method: 'PUT', body: 'x' }), {
    status: 403,
    code: 'AccessDenied',
  });
  assert.equal((await put(server, 'anon.txt')).status, 200);
  await expectError(assert, await fetch(objectUrl(server, 'anon.txt'), { method: 'DELETE' }), {
    status: 403,
    code: 'AccessDenied',
  });
  assert.equal((await fetch(objectUrl(server, 'anon.txt'))).status, 200);
});

test('GET/HEAD: a sent signature is checked even on a public object; anonymous GET follows the object ACL', async (t) => {
  const server = await startTestServer(t);
  assert.equal((await put(server, 'acl/public.txt')).status, 200);
  assert.equal(
    (await put(server, 'acl/private.txt', BYTES, { headers: { 'x-oss-object-acl': 'private' } })).status,
    200,
  );

  assert.equal((await fetch(objectUrl(server, 'acl/public.txt'))).status, 200); // bucket is public-read
  await expectError(assert, await fetch(objectUrl(server, 'acl/private.txt')), { status: 403, code: 'AccessDenied' });
  assert.equal((await signedRequest(server, { method: 'GET', key: 'acl/private.txt' })).status, 200);

  const wrongSecret = { accessKeyId: 'OSSUP_FAKE_ACCESS_KEY_ID', accessKeySecret: 'wrong' };
  for (const method of ['GET', 'HEAD']) {
    for (const v4 of [false, true]) {
      const response = await signedRequest(server, { method, key: 'acl/public.txt', v4, credentials: wrongSecret });
      assert.equal(response.status, 403, `${method} V${v4 ? 4 : 1} with a wrong secret`);
    }
    const unknown = await signedRequest(server, {
      method,
      key: 'acl/public.txt',
      credentials: { accessKeyId: 'NOBODY', accessKeySecret: 'x' },
    });
    assert.equal(unknown.status, 403);
    const bogus = await fetch(objectUrl(server, 'acl/public.txt'), { method, headers: { authorization: 'OSS bogus' } });
    assert.equal(bogus.status, 400);
  }
  // HEAD has no body: the error document travels base64 in x-oss-err, as OSS sends it.
  const head = await signedRequest(server, { method: 'HEAD', key: 'acl/public.txt', credentials: wrongSecret });
  assert.match(Buffer.from(head.headers.get('x-oss-err'), 'base64').toString(), /<Code>SignatureDoesNotMatch<\/Code>/);
});

test('DeleteObject: 204, also for a key that does not exist', async (t) => {
  const server = await startTestServer(t);
  assert.equal((await put(server, 'gone.txt')).status, 200);
  assert.equal((await signedRequest(server, { method: 'DELETE', key: 'gone.txt' })).status, 204);
  assert.equal((await fetch(objectUrl(server, 'gone.txt'))).status, 404);
  assert.equal((await signedRequest(server, { method: 'DELETE', key: 'never-was.txt', v4: true })).status, 204);
});

test('Range: a-b, a-, -n → 206 + Content-Range; out of range → 200 whole (OSS default) or 416 with x-oss-range-behavior: standard', async (t) => {
  const server = await startTestServer(t);
  assert.equal((await put(server, 'range.txt')).status, 200);
  const get = (range, extra = {}) => fetch(objectUrl(server, 'range.txt'), { headers: { range, ...extra } });
  for (const [range, start, end] of [
    ['bytes=2-5', 2, 5],
    ['bytes=15-', 15, 19],
    ['bytes=-3', 17, 19],
    ['bytes=0-0', 0, 0],
    ['bytes=2-5,8-9', 2, 5], // OSS serves the first of several ranges
  ]) {
    const response = await get(range);
    assert.equal(response.status, 206, range);
    assert.equal(response.headers.get('content-range'), `bytes ${start}-${end}/20`, range);
    assert.equal(response.headers.get('content-length'), String(end - start + 1));
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(BYTES.subarray(start, end + 1)), range);
  }
  for (const range of ['bytes=20-30', 'bytes=5-2', 'bytes=0-20', 'bytes=-30', 'byte=0-1']) {
    const response = await get(range);
    assert.equal(response.status, 200, range);
    assert.equal(response.headers.get('content-range'), null);
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(BYTES), range);
  }
  const standard = { 'x-oss-range-behavior': 'standard' };
  await expectError(assert, await get('bytes=20-30', standard), { status: 416, code: 'InvalidRange' });
  const clipped = await get('bytes=10-99', standard);
  assert.equal(clipped.status, 206);
  assert.equal(clipped.headers.get('content-range'), 'bytes 10-19/20');
});

test('presigned URLs: V1 and V4 PUT/GET work, expire, and refuse a changed signature', async (t) => {
  const server = await startTestServer(t);
  // ali-oss will not presign for an IP endpoint; localhost as a custom domain is the same server.
  const client = new OSS({
    accessKeyId: ACCESS_KEY_ID,
    accessKeySecret: ACCESS_KEY_SECRET,
    bucket: server.bucket,
    region: `oss-${server.region}`,
    endpoint: `http://localhost:${new URL(server.url).port}`,
    cname: true,
  });
  const v1 = client.signatureUrl('pre/v1.txt', { method: 'PUT', expires: 60 });
  assert.equal((await fetch(v1, { method: 'PUT', body: BYTES })).status, 200);
  assert.equal((await fetch(client.signatureUrl('pre/v1.txt'))).status, 200);
  await expectError(
    assert,
    await fetch(client.signatureUrl('pre/v1.txt').replace(/Signature=[^&]+/, 'Signature=AAAA')),
    {
      status: 403,
      code: 'SignatureDoesNotMatch',
    },
  );
  const v4 = await client.signatureUrlV4('GET', 60, {}, 'pre/v1.txt');
  assert.ok(Buffer.from(await (await fetch(v4)).arrayBuffer()).equals(BYTES));

  server.setClockOffset(61_000 + 15 * 60_000);
  await expectError(assert, await fetch(client.signatureUrl('pre/v1.txt', { expires: 60 })), {
    status: 403,
    code: 'AccessDenied',
    ec: '0002-00000069',
  });
  await expectError(assert, await fetch(v4), { status: 403, code: 'AccessDenied', ec: '0002-00000069' });
});

test('addressing: path-style /bucket/key on an IP host, virtual-hosted <bucket>.host, custom domain /key — one object', async (t) => {
  const server = await startTestServer(t);
  assert.equal((await put(server, 'addr/x.txt')).status, 200);
  const { port } = new URL(server.url);
  const get = (path, host) =>
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path, headers: { host } }, (response) => {
          const chunks = [];
          response.on('data', (chunk) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode, body: Buffer.concat(chunks) }));
        })
        .on('error', reject);
    });
  for (const [path, host] of [
    ['/addr/x.txt', `127.0.0.1:${port}`], // custom domain (our uploader)
    [`/${server.bucket}/addr/x.txt`, `127.0.0.1:${port}`], // path-style (oss2, alibabacloud-oss-v2, ali-oss on an IP)
    [`/${server.bucket}/addr/x.txt`, `localhost:${port}`],
    ['/addr/x.txt', `${server.bucket}.oss-cn-hangzhou.example:${port}`], // virtual-hosted
    ['/addr/x.txt', `files.example.com`], // custom domain on a name
  ]) {
    const { status, body } = await get(path, host);
    assert.equal(status, 200, `${host} ${path}`);
    assert.ok(body.equals(BYTES), `${host} ${path}`);
  }
  // The ambiguity rule: on an IP host, a first segment equal to the bucket name is the bucket,
  // so a key that starts with it is reachable there only path-style — or under another Host:
  // ali-oss on an IP endpoint sends /<key> with Host: <bucket>.oss-<region>.aliyuncs.com.
  const virtualHosted = aliHttpClient(server);
  virtualHosted.options.cname = false;
  await virtualHosted.put(`${server.bucket}/inner.txt`, BYTES);
  assert.equal((await get(`/${server.bucket}/${server.bucket}/inner.txt`, `127.0.0.1:${port}`)).status, 200);
  assert.equal((await get(`/${server.bucket}/inner.txt`, `127.0.0.1:${port}`)).status, 404); // key "inner.txt"
  assert.equal((await get(`/${server.bucket}/inner.txt`, `files.example.com`)).status, 200); // custom domain
});
