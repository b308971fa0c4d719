// Fault hooks (testMode): every action is observable from the client, rules fire `times`
// times and match on op/key/partNumber; the HTTP control API mirrors the programmatic one.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import test from 'node:test';
import { crc64, crc64Header } from '../../www/server/crc64.mjs';
import {
  buildForm,
  completeUpload,
  expectError,
  getObject,
  inMinutes,
  post,
  signedRequest,
  startTestServer,
  uploadPart,
  v1Fields,
} from './bucket-helpers.mjs';

function postObject(server, key, bytes = Buffer.from(`content of ${key}`), extra = {}, credentials = {}) {
  const fields = v1Fields({ policy: { expiration: inMinutes(10), conditions: [] }, key, extra, ...credentials });
  return post(server, buildForm(fields, { file: bytes }));
}

async function initiate(server, key) {
  const response = await signedRequest(server, { method: 'POST', key, query: { uploads: null } });
  return /<UploadId>([^<]+)<\/UploadId>/.exec(await response.text())[1];
}

test("'status' answers the chosen status with InternalError XML, stores nothing, and fires `times` times", async (t) => {
  const server = await startTestServer(t, { testMode: true });
  server.faults.add({ op: 'PostObject', action: 'status', status: 503, times: 2 });
  for (let i = 0; i < 2; i++) {
    await expectError(assert, await postObject(server, 'busy.txt'), { status: 503, code: 'InternalError' });
    assert.equal((await getObject(server, 'busy.txt')).response.status, 404);
  }
  assert.equal((await postObject(server, 'busy.txt')).status, 204, 'the rule is used up');
  assert.deepEqual(server.faults.list(), []);
  assert.deepEqual(
    server.requests.filter((e) => e.op === 'PostObject').map((e) => [e.status, e.code, e.fault]),
    [
      [503, 'InternalError', 'status'],
      [503, 'InternalError', 'status'],
      [204, null, null],
    ],
  );
});

test("'drop-before' destroys the connection and stores nothing (UploadPart, matched by partNumber)", async (t) => {
  const server = await startTestServer(t, { testMode: true });
  const uploadId = await initiate(server, 'drop.bin');
  server.faults.add({ op: 'UploadPart', partNumber: 2, action: 'drop-before' });
  assert.equal(
    (await uploadPart(server, 'drop.bin', uploadId, 1, randomBytes(100 * 1024))).status,
    200,
    'part 1 does not match',
  );
  await assert.rejects(uploadPart(server, 'drop.bin', uploadId, 2, randomBytes(10)), /fetch failed/);
  const list = await (await signedRequest(server, { method: 'GET', key: 'drop.bin', query: { uploadId } })).text();
  assert.deepEqual(
    [...list.matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => m[1]),
    ['1'],
  );
  const dropped = server.requests.find((e) => e.fault === 'drop-before');
  assert.equal(dropped.status, 0);
  assert.equal(dropped.partNumber, 2);
  assert.equal(
    (await uploadPart(server, 'drop.bin', uploadId, 2, randomBytes(10))).status,
    200,
    'the retry goes through',
  );
});

test("'drop-after' stores the object, then loses the response; a forbid-overwrite retry gets 409", async (t) => {
  const server = await startTestServer(t, { testMode: true });
  const bytes = randomBytes(3000);
  server.faults.add({ op: 'PostObject', key: 'lost.bin', action: 'drop-after' });
  await assert.rejects(postObject(server, 'lost.bin', bytes, { 'x-oss-forbid-overwrite': 'true' }), /fetch failed/);
  const stored = await getObject(server, 'lost.bin');
  assert.ok(stored.body.equals(bytes), 'the object was stored in full');
  // DESIGN-NOTES "A retry after a lost response": the retry is refused, HEAD shows what is stored
  await expectError(assert, await postObject(server, 'lost.bin', bytes, { 'x-oss-forbid-overwrite': 'true' }), {
    status: 409,
    code: 'FileAlreadyExists',
  });
  const head = await fetch(`${server.url}/lost.bin`, { method: 'HEAD' });
  assert.equal(head.headers.get('x-oss-hash-crc64ecma'), crc64Header(crc64(bytes)));
  assert.equal(head.headers.get('content-length'), String(bytes.length));
});

test("'drop-after' on UploadPart stores the part (ListParts shows it)", async (t) => {
  const server = await startTestServer(t, { testMode: true });
  const uploadId = await initiate(server, 'partlost.bin');
  server.faults.add({ op: 'UploadPart', action: 'drop-after' });
  await assert.rejects(uploadPart(server, 'partlost.bin', uploadId, 1, Buffer.from('abc')), /fetch failed/);
  const list = await (await signedRequest(server, { method: 'GET', key: 'partlost.bin', query: { uploadId } })).text();
  assert.match(list, /<PartNumber>1<\/PartNumber>.*<Size>3<\/Size>/);
});

test("'delay' answers after delayMs, once stored", async (t) => {
  const server = await startTestServer(t, { testMode: true });
  server.faults.add({ op: 'PostObject', action: 'delay', delayMs: 300 });
  const started = Date.now();
  const response = await postObject(server, 'slow.txt');
  assert.equal(response.status, 204);
  assert.ok(Date.now() - started >= 290, `took ${Date.now() - started} ms`);
});

test("'expire-token' answers 403 SecurityTokenExpired and stores nothing", async (t) => {
  const server = await startTestServer(t, { testMode: true });
  const sts = server.issueSts();
  server.faults.add({ op: '*', action: 'expire-token' });
  const response = await postObject(
    server,
    'sts.txt',
    undefined,
    {},
    { accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret, stsToken: sts.securityToken },
  );
  await expectError(assert, response, { status: 403, code: 'SecurityTokenExpired', ec: '0002-00000007' });
  assert.equal((await getObject(server, 'sts.txt')).response.status, 404);
});

test("'corrupt' stores the right bytes but answers another CRC-64 (PostObject, UploadPart, Complete)", async (t) => {
  const server = await startTestServer(t, { testMode: true });
  const bytes = randomBytes(1234);
  server.faults.add({ op: 'PostObject', action: 'corrupt' });
  const posted = await postObject(server, 'c.bin', bytes);
  assert.equal(posted.status, 204);
  assert.notEqual(posted.headers.get('x-oss-hash-crc64ecma'), crc64Header(crc64(bytes)));
  const stored = await getObject(server, 'c.bin');
  assert.ok(stored.body.equals(bytes));
  assert.equal(stored.response.headers.get('x-oss-hash-crc64ecma'), crc64Header(crc64(bytes)));

  const uploadId = await initiate(server, 'c2.bin');
  server.faults.add({ op: 'UploadPart', action: 'corrupt' });
  const part = await uploadPart(server, 'c2.bin', uploadId, 1, bytes);
  assert.notEqual(part.headers.get('x-oss-hash-crc64ecma'), crc64Header(crc64(bytes)));
  server.faults.add({ op: 'CompleteMultipartUpload', action: 'corrupt' });
  const complete = await completeUpload(server, 'c2.bin', uploadId, [
    { partNumber: 1, etag: part.headers.get('etag') },
  ]);
  assert.equal(complete.status, 200);
  assert.notEqual(complete.headers.get('x-oss-hash-crc64ecma'), crc64Header(crc64(bytes)));
  assert.ok((await getObject(server, 'c2.bin')).body.equals(bytes));
});

test('rules match on key and op; InitiateMultipartUpload and GET can fail too', async (t) => {
  const server = await startTestServer(t, { testMode: true });
  server.faults.add({ op: 'PostObject', key: 'only-this', action: 'status', status: 500 });
  assert.equal((await postObject(server, 'another')).status, 204);
  assert.equal((await postObject(server, 'only-this')).status, 500);
  server.faults.add({ op: 'InitiateMultipartUpload', action: 'status', status: 502 });
  await expectError(assert, await signedRequest(server, { method: 'POST', key: 'i', query: { uploads: null } }), {
    status: 502,
    code: 'InternalError',
  });
  server.faults.add({ op: '*', action: 'status', status: 500, code: 'ServiceUnavailable' });
  await expectError(assert, await fetch(`${server.url}/another`), { status: 500, code: 'ServiceUnavailable' });
  assert.throws(() => server.faults.add({ op: 'PostObject', action: 'explode' }), /action/);
});

test('HTTP control API: faults, clock, STS, request log', async (t) => {
  const server = await startTestServer(t, { testMode: true });
  const api = (method, path, body) =>
    fetch(`${server.url}/__ossup_test/${path}`, {
      method,
      body: body && JSON.stringify(body),
      headers: body ? { 'content-type': 'application/json' } : {},
    });

  const added = await api('POST', 'faults', { op: 'PostObject', action: 'status', status: 507 });
  assert.equal(added.status, 200);
  assert.match((await added.json()).id, /^\d+$/);
  assert.equal((await api('GET', 'faults')).status, 200);
  assert.equal((await api('DELETE', 'faults')).status, 204);
  assert.equal((await postObject(server, 'after-clear')).status, 204, 'cleared rules do not fire');
  assert.equal((await api('POST', 'faults', { action: 'nope' })).status, 400);

  const clock = await (await api('POST', 'clock', { offsetMs: 3_600_000 })).json();
  assert.equal(clock.offsetMs, 3_600_000);
  const dated = await fetch(`${server.url}/missing`);
  assert.ok(
    Math.abs(Date.parse(dated.headers.get('date')) - (Date.now() + 3_600_000)) < 5000,
    'Date comes from the server clock',
  );
  await api('POST', 'clock', { offsetMs: 0 });

  const sts = await (await api('POST', 'sts', { ttlSeconds: 120 })).json();
  assert.match(sts.accessKeyId, /^STS\./);
  assert.ok(Date.parse(sts.expiration) - Date.now() <= 121_000);
  const viaSts = await postObject(
    server,
    'sts-http',
    undefined,
    {},
    { accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret, stsToken: sts.securityToken },
  );
  assert.equal(viaSts.status, 204);

  const log = await (await api('GET', 'requests')).json();
  assert.deepEqual(
    log.map((e) => e.op),
    ['PostObject', 'GetObject', 'PostObject'],
    'control calls are not logged',
  );
  assert.deepEqual(
    Object.keys(log[0]).sort(),
    ['bytes', 'code', 'fault', 'key', 'method', 'op', 'partNumber', 'requestId', 'status', 'uploadId'].sort(),
  );
  assert.equal((await api('DELETE', 'requests')).status, 204);
  assert.equal(server.requests.length, 0);
});

test('without testMode the control API is a 404 and faults.add throws', async (t) => {
  const server = await startTestServer(t);
  for (const [method, path] of [
    ['POST', 'faults'],
    ['GET', 'requests'],
    ['POST', 'sts'],
  ]) {
    const response = await fetch(`${server.url}/__ossup_test/${path}`, {
      method,
      body: method === 'POST' ? '{}' : undefined,
    });
    assert.equal(response.status, 404);
  }
  assert.throws(() => server.faults.add({ op: 'PostObject', action: 'status' }), /testMode/);
});
