// The local bucket against clients nobody here wrote: ali-oss 6.23.0 (Node), oss2 2.19.1 and
// alibabacloud-oss-v2 1.4.1 (Python, in .venv-sdk/ from scripts/setup.sh). Each call goes over
// real HTTP to www/server; every case reads its bytes back and compares them. The Python cases
// live in tests/sdk/run_sdk_cases.py and report one JSON line each.

import OSS from 'ali-oss';
import crc64Ecma from 'crc64-ecma182.js';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import test from 'node:test';
import { promisify } from 'node:util';
import { ACCESS_KEY_ID, ACCESS_KEY_SECRET, startTestServer } from './bucket-helpers.mjs';

const run = promisify(execFile);
const PYTHON = new URL('../../.venv-sdk/bin/python', import.meta.url).pathname;
const CASES_SCRIPT = new URL('../sdk/run_sdk_cases.py', import.meta.url).pathname;

const payload = (size, seed) => {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 131 + seed * 17 + (i >> 8)) & 0xff;
  return bytes;
};
// ali-oss 6.23.0 has no CRC-64 code (oss-spec §5): its cases check the bucket's
// x-oss-hash-crc64ecma against an independent implementation instead.
function assertCrc(response, data) {
  assert.equal(response.headers['x-oss-hash-crc64ecma'], crc64Ecma.crc64(data), 'x-oss-hash-crc64ecma');
}

const SMALL = payload(70_001, 1);
const BIG = payload(256 * 1024 + 12_345, 2);
const PART = 100 * 1024;

// ali-oss builds `<bucket>.<endpoint host>` for virtual-hosted requests; every *.localhost
// name is loopback (RFC 6761), which the resolver here does not know.
const loopbackAgent = new http.Agent({
  keepAlive: true,
  lookup: (_host, options, callback) =>
    options?.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4),
});

function aliClient(server, { style = 'ip', v4 = false, credentials } = {}) {
  const port = new URL(server.url).port;
  const endpoint = {
    // An IP endpoint: ali-oss sends /<key> with Host: <bucket>.oss-<region>.aliyuncs.com.
    ip: server.url,
    cname: `http://localhost:${port}`, // custom domain: /<key>, Host: localhost:<port>
    virtual: `http://oss-local.localhost:${port}`, // Host: <bucket>.oss-local.localhost:<port>
  }[style];
  return new OSS({
    accessKeyId: credentials?.accessKeyId ?? ACCESS_KEY_ID,
    accessKeySecret: credentials?.accessKeySecret ?? ACCESS_KEY_SECRET,
    stsToken: credentials?.securityToken,
    bucket: server.bucket,
    region: `oss-${server.region}`,
    endpoint,
    cname: style === 'cname',
    secure: false,
    authorizationV4: v4,
    agent: loopbackAgent,
    retryMax: 0,
  });
}

async function putGetHeadDelete(client, name, data = SMALL) {
  const put = await client.put(name, data, { headers: { 'x-oss-meta-origin': 'ali-oss' } });
  assert.equal(put.res.status, 200);
  assertCrc(put.res, data);
  const got = await client.get(name);
  assert.ok(got.content.equals(data), 'GET returned other bytes');
  assertCrc(got.res, data);
  const head = await client.head(name);
  assert.equal(Number(head.res.headers['content-length']), data.length);
  assert.deepEqual(head.meta, { origin: 'ali-oss' });
  assert.equal((await client.delete(name)).res.status, 204);
  await assert.rejects(client.head(name), (error) => error.status === 404);
}

async function multipart(client, name, data = BIG) {
  const result = await client.multipartUpload(name, data, { partSize: PART, parallel: 2 });
  assert.equal(result.res.status, 200);
  assertCrc(result.res, data); // Complete's answer: the whole object's CRC-64
  const got = await client.get(name);
  assert.ok(got.content.equals(data), 'multipart object bytes');
  assertCrc(got.res, data);
}

test('ali-oss 6.23.0 against the local bucket', async (t) => {
  const server = await startTestServer(t, { testMode: true });
  t.after(() => loopbackAgent.destroy());

  for (const style of ['ip', 'cname', 'virtual']) {
    for (const v4 of [false, true]) {
      await t.test(`put/get/head/delete, ${v4 ? 'V4' : 'V1'}, ${style} addressing`, () =>
        putGetHeadDelete(aliClient(server, { style, v4 }), `ali/${style} ${v4} ü+ 1.bin`),
      );
    }
  }

  for (const v4 of [false, true]) {
    await t.test(`put/get/head/delete with STS keys, ${v4 ? 'V4' : 'V1'}`, () =>
      putGetHeadDelete(aliClient(server, { v4, credentials: server.issueSts() }), `ali/sts ${v4}.bin`),
    );
  }

  await t.test('range GET: bytes=a-b, a-, -n → 206 with Content-Range', async () => {
    const client = aliClient(server);
    await client.put('ali/range.bin', SMALL);
    for (const [range, start, end] of [
      ['bytes=10-99', 10, 99],
      ['bytes=70000-', 70_000, 70_000],
      ['bytes=-7', SMALL.length - 7, SMALL.length - 1],
    ]) {
      const got = await client.get('ali/range.bin', { headers: { Range: range } });
      assert.equal(got.res.status, 206, range);
      assert.equal(got.res.headers['content-range'], `bytes ${start}-${end}/${SMALL.length}`);
      assert.ok(got.content.equals(SMALL.subarray(start, end + 1)), range);
    }
  });

  await t.test('signatureUrl: presigned PUT and GET, V1 and V4, permanent and STS keys', async () => {
    for (const credentials of [undefined, server.issueSts()]) {
      // ali-oss refuses to presign for an IP endpoint: localhost as a custom domain instead.
      await presignedPutGet(aliClient(server, { style: 'cname', credentials }));
    }
  });

  await t.test('signatureUrl with uploadId/partNumber: a presigned UploadPart', async () => {
    const client = aliClient(server, { style: 'cname' });
    const { uploadId } = await client.initMultipartUpload('ali/presigned part.bin');
    const url = client.signatureUrl('ali/presigned part.bin', {
      method: 'PUT',
      subResource: { partNumber: 1, uploadId },
    });
    const response = await fetch(url, { method: 'PUT', body: SMALL });
    assert.equal(response.status, 200, await response.clone().text());
    await client.completeMultipartUpload('ali/presigned part.bin', uploadId, [
      { number: 1, etag: response.headers.get('etag') },
    ]);
    assert.ok((await client.get('ali/presigned part.bin')).content.equals(SMALL));
  });

  async function presignedPutGet(client) {
    const v1Put = client.signatureUrl('ali/presigned v1.bin', { method: 'PUT', 'Content-Type': 'application/x-test' });
    let response = await fetch(v1Put, {
      method: 'PUT',
      body: SMALL,
      headers: { 'content-type': 'application/x-test' },
    });
    assert.equal(response.status, 200, await response.clone().text());
    response = await fetch(client.signatureUrl('ali/presigned v1.bin'));
    assert.equal(response.status, 200);
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(SMALL));
    assert.equal(response.headers.get('content-type'), 'application/x-test');

    const v4Put = await client.signatureUrlV4('PUT', 60, { headers: { 'content-type': 'text/plain' } }, 'ali/p v4.bin');
    response = await fetch(v4Put, { method: 'PUT', body: SMALL, headers: { 'content-type': 'text/plain' } });
    assert.equal(response.status, 200, await response.clone().text());
    response = await fetch(await client.signatureUrlV4('GET', 60, {}, 'ali/p v4.bin'));
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(SMALL));
  }

  await t.test('a wrong secret, an unknown AccessKeyId and a bogus Authorization are refused on GET/HEAD', async () => {
    await aliClient(server).put('ali/guarded.bin', SMALL);
    const wrongSecret = aliClient(server, {
      credentials: { accessKeyId: ACCESS_KEY_ID, accessKeySecret: 'not-the-secret' },
    });
    await assert.rejects(wrongSecret.get('ali/guarded.bin'), (error) => error.code === 'SignatureDoesNotMatch');
    await assert.rejects(wrongSecret.head('ali/guarded.bin'), (error) => error.status === 403);
    const unknown = aliClient(server, { credentials: { accessKeyId: 'NOBODY', accessKeySecret: 'x' } });
    await assert.rejects(unknown.get('ali/guarded.bin'), (error) => error.code === 'InvalidAccessKeyId');
    const bogus = await fetch(`${server.url}/ali/guarded.bin`, { headers: { authorization: 'OSS a:b' } });
    assert.equal(bogus.status, 403);
  });

  for (const v4 of [false, true]) {
    await t.test(`multipartUpload ${v4 ? 'V4' : 'V1'} with permanent keys`, () =>
      multipart(aliClient(server, { v4 }), `ali/multipart ${v4}.bin`),
    );
    await t.test(`multipartUpload ${v4 ? 'V4' : 'V1'} with STS keys`, () =>
      multipart(aliClient(server, { v4, credentials: server.issueSts() }), `ali/multipart sts ${v4}.bin`),
    );
  }

  await t.test('listParts and abortMultipartUpload', async () => {
    const client = aliClient(server, { v4: true });
    const { uploadId } = await client.initMultipartUpload('ali/abort.bin');
    await client.uploadPart('ali/abort.bin', uploadId, 1, SMALL, 0, SMALL.length);
    await client.uploadPart('ali/abort.bin', uploadId, 2, SMALL, 0, 10);
    const { parts } = await client.listParts('ali/abort.bin', uploadId);
    assert.deepEqual(
      parts.map((part) => [part.PartNumber, part.Size]),
      [
        ['1', String(SMALL.length)],
        ['2', '10'],
      ],
    );
    // OSS writes whole seconds; oss2 parses no other form.
    for (const part of parts) assert.match(part.LastModified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    await client.abortMultipartUpload('ali/abort.bin', uploadId);
    await assert.rejects(client.listParts('ali/abort.bin', uploadId), (error) => error.code === 'NoSuchUpload');
  });
});

for (const [sdk, label] of [
  ['oss2', 'oss2 2.19.1'],
  ['v2', 'alibabacloud-oss-v2 1.4.1'],
]) {
  test(`${label} against the local bucket`, async (t) => {
    assert.ok(existsSync(PYTHON), `${PYTHON} is missing: run scripts/setup.sh (it creates the SDK venv)`);
    const server = await startTestServer(t, { testMode: true });
    const { stdout } = await run(PYTHON, [CASES_SCRIPT, sdk], {
      env: {
        ...process.env,
        OSSUP_ENDPOINT: server.url,
        OSSUP_BUCKET: server.bucket,
        OSSUP_REGION: server.region,
        OSSUP_ACCESS_KEY_ID: ACCESS_KEY_ID,
        OSSUP_ACCESS_KEY_SECRET: ACCESS_KEY_SECRET,
      },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 240_000,
    });
    const results = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
    assert.ok(results.length > 0, 'the Python script reported no case');
    for (const result of results) {
      await t.test(result.case, () => assert.ok(result.ok, `${result.error}\n${result.trace ?? ''}`));
    }
  });
}
