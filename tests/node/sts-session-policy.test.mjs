// STS session policies on the local bucket (www/server/ram-policy.mjs): a token issued with a
// RAM policy does only what the policy allows — on every header-signed call, signed GET/HEAD and
// PostObject — with Deny over Allow and `*`/`?` wildcards; over real HTTP, stored bytes compared.
// Tokens are sealed (the server keeps nothing per token), so issuing many costs no memory.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import test from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as ossup from '../../pkg/dist/node.mjs';
import { uploadSessionPolicy } from '../../www/server/credentials.mjs';
import {
  buildForm,
  expectError,
  inMinutes,
  multipartUpload,
  post,
  readError,
  signedRequest,
  startTestServer,
  v1Fields,
  v4Fields,
} from './bucket-helpers.mjs';

const KB = 1024;
const DENIED = { status: 403, code: 'AccessDenied', ec: '0003-00000301' };

const allow = (Action, Resource) => ({ Effect: 'Allow', Action, Resource });
const deny = (Action, Resource) => ({ Effect: 'Deny', Action, Resource });
const policyOf = (...Statement) => ({ Version: '1', Statement });

/** Initiate with `credentials` (V1 or V4): the cheapest oss:PutObject there is. */
const initiate = (server, key, credentials, v4 = false) =>
  signedRequest(server, { method: 'POST', key, query: { uploads: null }, v4, credentials });

async function expectDenied(response, action) {
  const error = await readError(response.clone());
  await expectError(assert, response, DENIED);
  assert.match(error.message, new RegExp(`${action} on acs:oss:`), error.message);
  return error;
}

/** A PostObject of `bytes` at `key` signed with the STS credentials, V1 or V4. */
function postWithSts(server, sts, key, bytes, { v4, extra = {} } = {}) {
  const stsCredentials = {
    accessKeyId: sts.accessKeyId,
    accessKeySecret: sts.accessKeySecret,
    stsToken: sts.securityToken,
  };
  const fields = v4
    ? v4Fields({ key, conditions: [{ bucket: server.bucket }], ...stsCredentials, extra })
    : v1Fields({
        key,
        policy: { expiration: inMinutes(10), conditions: [{ bucket: server.bucket }] },
        ...stsCredentials,
        extra,
      });
  return post(server, buildForm(fields, { file: bytes, fileType: 'text/html' }));
}

test('a token scoped to users/a/ uploads there with the real uploader, and is refused everywhere else', async (t) => {
  const server = await startTestServer(t);
  // Someone else's object and unfinished upload, made with the permanent key.
  const theirs = randomBytes(3 * KB);
  const made = await multipartUpload(server, 'users/b/theirs.bin', [theirs]);
  assert.equal(made.complete.status, 200);
  const pending = await initiate(server, 'users/b/pending.bin', {});
  const uploadId = /<UploadId>([^<]+)</.exec(await pending.text())[1];

  const sts = server.issueSts({ policy: uploadSessionPolicy({ bucket: server.bucket, prefix: 'users/a/' }) });
  const html = Buffer.from('<script>alert(1)</script>'.repeat(100));

  for (const v4 of [false, true]) {
    // Write outside the prefix: another user's key, the bucket root, by PostObject and multipart.
    await expectDenied(await postWithSts(server, sts, 'users/b/x', html, { v4 }), 'oss:PutObject');
    await expectDenied(await postWithSts(server, sts, 'index.html', html, { v4 }), 'oss:PutObject');
    await expectDenied(await postWithSts(server, sts, 'users/b/theirs.bin', html, { v4 }), 'oss:PutObject');
    await expectDenied(await initiate(server, 'users/b/theirs.bin', sts, v4), 'oss:PutObject');
    await expectDenied(await initiate(server, 'users/ab/x', sts, v4), 'oss:PutObject'); // a prefix, not a string prefix
    // Read, list, abort outside the prefix.
    for (const method of ['GET', 'HEAD']) {
      const read = await signedRequest(server, { method, key: 'users/b/theirs.bin', v4, credentials: sts });
      assert.equal(read.status, 403, `${method} outside the prefix`);
      assert.equal(read.headers.get('x-oss-ec'), '0003-00000301');
    }
    const list = await signedRequest(server, {
      method: 'GET',
      key: 'users/b/pending.bin',
      query: { uploadId },
      v4,
      credentials: sts,
    });
    await expectDenied(list, 'oss:ListParts');
    const abort = await signedRequest(server, {
      method: 'DELETE',
      key: 'users/b/pending.bin',
      query: { uploadId },
      v4,
      credentials: sts,
    });
    await expectDenied(abort, 'oss:AbortMultipartUpload');
    // Inside the prefix, but asking for an ACL the policy does not grant.
    const acl = await postWithSts(server, sts, 'users/a/acl.txt', html, {
      v4,
      extra: { 'x-oss-object-acl': 'public-read' },
    });
    await expectDenied(acl, 'oss:PutObjectAcl');
  }
  assert.ok(!existsSync(server.objectPath('users/b/x')), 'nothing stored for users/b/x');
  assert.ok(!existsSync(server.objectPath('index.html')), 'nothing stored at the root');
  assert.ok(!existsSync(server.objectPath('users/a/acl.txt')));
  assert.deepEqual(await readFile(server.objectPath('users/b/theirs.bin')), theirs, 'their object untouched');
  const stillThere = await signedRequest(server, { method: 'GET', key: 'users/b/pending.bin', query: { uploadId } });
  assert.equal(stillThere.status, 200, 'their upload was not aborted');

  // Inside the prefix the real uploader works: PostObject and multipart, and its own HEAD.
  const uploader = ossup.createUploader({
    bucket: server.bucket,
    region: server.region,
    endpoint: server.url,
    keyPrefix: 'users/a/',
    multipartThreshold: 300 * KB,
    partSize: 100 * KB,
    credentials: async () => sts,
  });
  const small = randomBytes(40 * KB);
  const large = randomBytes(450 * KB + 7);
  const results = await uploader.upload([
    { name: 'small.jpg', data: small, type: 'image/jpeg' },
    { name: 'large.mp4', data: large, type: 'video/mp4' },
  ]);
  for (const [result, bytes] of [
    [results[0], small],
    [results[1], large],
  ]) {
    assert.equal(result.status, 'success', result.error && result.error.message);
    assert.ok(result.key.startsWith('users/a/'), result.key);
    assert.deepEqual(await readFile(server.objectPath(result.key)), bytes);
  }
  assert.ok(
    server.requests.some((r) => r.op === 'UploadPart' && r.status === 200),
    'the large file went multipart',
  );
  const own = await signedRequest(server, { method: 'GET', key: results[0].key, credentials: sts });
  assert.equal(own.status, 200);
  assert.deepEqual(Buffer.from(await own.arrayBuffer()), small);
});

test('Deny overrides Allow; `*` and `?` wildcards; action names compare case-insensitively', async (t) => {
  const server = await startTestServer(t);
  const sts = server.issueSts({
    durationSeconds: 900,
    policy: policyOf(
      allow('oss:*', 'acs:oss:*:*:ossup-local/*'),
      deny('oss:Put*', ['acs:oss:*:*:ossup-local/users/*/private/*', 'acs:oss:*:*:ossup-local/v?/*']),
      deny('OSS:ABORTMULTIPARTUPLOAD', 'acs:oss:*:*:ossup-local/*'),
    ),
  });
  assert.equal((await initiate(server, 'users/a/open.bin', sts)).status, 200);
  assert.equal((await initiate(server, 'v10/x.bin', sts, true)).status, 200, '? is one character');
  const cases = [
    ['users/a/private/x.bin', 'oss:PutObject'],
    ['users/someone/else/private/x.bin', 'oss:PutObject'], // * crosses /
    ['v1/x.bin', 'oss:PutObject'],
  ];
  for (const [key, action] of cases) {
    const error = await expectDenied(await initiate(server, key, sts), action);
    assert.match(error.xml, /<NoPermissionType>ExplicitDeny<\/NoPermissionType>/);
    assert.match(error.xml, new RegExp(`<AuthAction>${action}</AuthAction>`));
  }
  const init = await initiate(server, 'users/a/abort.bin', {});
  const uploadId = /<UploadId>([^<]+)</.exec(await init.text())[1];
  const abort = await signedRequest(server, {
    method: 'DELETE',
    key: 'users/a/abort.bin',
    query: { uploadId },
    credentials: sts,
  });
  await expectDenied(abort, 'oss:AbortMultipartUpload');

  // No statement at all for an action: an implicit deny, even on a public-read bucket.
  const narrow = server.issueSts({ policy: policyOf(allow('oss:PutObject', 'acs:oss:*:*:ossup-local/*')) });
  const made = await multipartUpload(server, 'users/a/read.bin', [Buffer.from('x')], { credentials: narrow });
  assert.equal(made.complete.status, 200);
  const read = await signedRequest(server, { method: 'GET', key: 'users/a/read.bin', credentials: narrow });
  const error = await expectDenied(read, 'oss:GetObject');
  assert.match(error.xml, /<NoPermissionType>ImplicitDeny<\/NoPermissionType>/);
  assert.equal((await fetch(`${server.url}/users/a/read.bin`)).status, 200, 'anonymous reads stay public');

  // A token without a policy has the role's (here: all) permissions, as before.
  const unscoped = server.issueSts();
  assert.equal((await initiate(server, 'anywhere.bin', unscoped)).status, 200);
});

test('acs:SourceIp and acs:CurrentTime conditions; policies the bucket cannot evaluate are refused when issued', async (t) => {
  const server = await startTestServer(t);
  const onlyFrom = (cidr) =>
    server.issueSts({
      policy: policyOf({
        ...allow('oss:PutObject', 'acs:oss:*:*:ossup-local/*'),
        Condition: { IpAddress: { 'acs:SourceIp': cidr } },
      }),
    });
  assert.equal((await initiate(server, 'ip/ok.bin', onlyFrom('127.0.0.0/8'))).status, 200);
  await expectDenied(await initiate(server, 'ip/no.bin', onlyFrom('10.0.0.0/8')), 'oss:PutObject');
  const expired = server.issueSts({
    policy: policyOf({
      ...allow('oss:PutObject', 'acs:oss:*:*:ossup-local/*'),
      Condition: { DateLessThan: { 'acs:CurrentTime': '2001-01-01T00:00:00Z' } },
    }),
  });
  await expectDenied(await initiate(server, 'time/no.bin', expired), 'oss:PutObject');

  for (const [label, policy, message] of [
    ['Version', { Version: '2', Statement: [] }, /Version/],
    ['NotAction', policyOf({ Effect: 'Allow', NotAction: 'oss:GetObject', Resource: '*' }), /NotAction/],
    ['Effect', policyOf({ Effect: 'allow', Action: '*', Resource: '*' }), /Effect/],
    ['no Resource', policyOf({ Effect: 'Allow', Action: '*' }), /Resource/],
    [
      'unknown condition',
      policyOf({ ...allow('*', '*'), Condition: { StringLike: { 'oss:Prefix': 'a/*' } } }),
      /not supported/,
    ],
    ['JSON text', '{"Version": "1", "Statement": [', /JSON/],
  ]) {
    assert.throws(() => server.issueSts({ policy }), message, label);
  }
  // Through the test API as JSON text, like AssumeRole's Policy parameter.
  const viaApi = await startTestServer(t, { testMode: true });
  const answer = await fetch(`${viaApi.url}/__ossup_test/sts`, {
    method: 'POST',
    body: JSON.stringify({ durationSeconds: 60, policy: JSON.stringify(policyOf(allow('oss:GetObject', '*'))) }),
  });
  const issued = await answer.json();
  await expectDenied(await initiate(viaApi, 'x.bin', issued), 'oss:PutObject');
});

test('STS tokens are sealed: 20,000 issued keep no memory, and an old one still reads as expired', async (t) => {
  const server = await startTestServer(t);
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  const first = server.issueSts({ durationSeconds: 60 });
  const issue = (count) => {
    for (let i = 0; i < count; i++)
      server.issueSts({ durationSeconds: 60, policy: uploadSessionPolicy({ bucket: 'b', prefix: `u/${i}/` }) });
  };
  issue(2000); // compiled code and caches settle first
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  issue(20_000);
  gc();
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  assert.ok(grown < 2 * 1024 * 1024, `the heap grew by ${(grown / 1024 / 1024).toFixed(1)} MiB`);
  assert.equal((await initiate(server, 'still.bin', first)).status, 200, 'the first token still works');
  server.setClockOffset(30 * 24 * 3600 * 1000); // a month later
  const late = await signedRequest(server, {
    method: 'POST',
    key: 'late.bin',
    query: { uploads: null },
    credentials: first,
    dateMs: Date.now() + 30 * 24 * 3600 * 1000,
  });
  await expectError(assert, late, { status: 403, code: 'SecurityTokenExpired', ec: '0002-00000007' });
  // A token from another server run (or forged) is not accepted.
  const other = await startTestServer(t);
  const foreign = other.issueSts();
  server.setClockOffset(0);
  await expectError(assert, await initiate(server, 'x.bin', foreign), { status: 403, code: 'InvalidAccessKeyId' });
  const tampered = { ...first, securityToken: first.securityToken.replace(/.(?=\.)/, (c) => (c === 'A' ? 'B' : 'A')) };
  await expectError(assert, await initiate(server, 'x.bin', tampered), { status: 403, code: 'InvalidSecurityToken' });
});
