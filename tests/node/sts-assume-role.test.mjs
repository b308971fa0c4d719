// Real STS for real buckets: examples/server/assume-role.mjs calls AssumeRole through Aliyun's
// SDK (@alicloud/sts20150401), here pointed at a stand-in STS written below with node:http. The
// stand-in checks the ACS3-HMAC-SHA256 signature itself, from the V3 signature spec (not with
// the SDK's signer), and the parameters, then answers like STS with credentials the local
// bucket issues under the Policy it was sent — so the whole path is checked: app server → SDK →
// STS → scoped credentials → uploader → bucket.

import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import test from 'node:test';
import * as ossup from '../../pkg/dist/node.mjs';
import { uploadSessionPolicy } from '../../www/server/credentials.mjs';
import { startDemo } from '../../www/server/main.mjs';
import { createAssumeRole } from '../../examples/server/assume-role.mjs';
import { signJwt } from '../../examples/server/auth.mjs';
import { startAppServer } from '../../examples/server/server.mjs';
import { ACCESS_KEY_ID, ACCESS_KEY_SECRET, readError, signedRequest, startTestServer } from './bucket-helpers.mjs';

const ROLE_ARN = 'acs:ram::1000000000000000:role/ossup-uploader';
const sha256Hex = (data) => createHash('sha256').update(data).digest('hex');
// RFC 3986 unreserved characters stay, everything else is %XX (V3 spec "percentCode").
const percentEncode = (text) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The V3 signature check ("V3 request structure and signature",
 * https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature):
 * CanonicalRequest = method, path, sorted percent-encoded query, `name:value\n` per signed header,
 * SignedHeaders, hex SHA-256 of the body; StringToSign = "ACS3-HMAC-SHA256\n" + its hex SHA-256;
 * Signature = hex HMAC-SHA256(AccessKeySecret, StringToSign).
 */
function verifyAcs3(req, body, secrets) {
  const match = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(
    req.headers.authorization ?? '',
  );
  if (!match) return 'IncompleteSignature';
  const [, accessKeyId, signedHeaders, signature] = match;
  if (!secrets[accessKeyId]) return 'InvalidAccessKeyId.NotFound';
  const signed = signedHeaders.split(';');
  const sent = Object.keys(req.headers).filter((name) => name.startsWith('x-acs-') || name === 'host');
  if (sent.some((name) => !signed.includes(name)) || signed.join(';') !== [...signed].sort().join(';'))
    return 'IncompleteSignature'; // every x-acs-* header and host is signed, names in order
  if (req.headers['x-acs-content-sha256'] !== sha256Hex(body)) return 'ContentSha256Mismatch';
  if (Math.abs(Date.parse(req.headers['x-acs-date']) - Date.now()) > 15 * 60_000) return 'InvalidTimeStamp.Expired';
  const [pathname, search = ''] = req.url.split('?');
  const query = search
    .split('&')
    .filter(Boolean)
    .map((pair) => pair.split('=').map((part) => decodeURIComponent(part ?? '')))
    .map(([name, value = '']) => [percentEncode(name), percentEncode(value)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const canonicalHeaders = signed.map((name) => `${name}:${String(req.headers[name] ?? '').trim()}\n`).join('');
  const canonicalRequest = [req.method, pathname, query, canonicalHeaders, signedHeaders, sha256Hex(body)].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${sha256Hex(canonicalRequest)}`;
  const expected = createHmac('sha256', secrets[accessKeyId]).update(stringToSign).digest('hex');
  return expected === signature ? null : 'SignatureDoesNotMatch';
}

/** A stand-in for sts.<region>.aliyuncs.com: AssumeRole only, credentials from `bucket`. */
async function startStandInSts(t, bucket, secrets = { [ACCESS_KEY_ID]: ACCESS_KEY_SECRET }) {
  const calls = [];
  const nonces = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const answer = (status, value) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ RequestId: randomBytes(8).toString('hex'), ...value }));
      };
      const failure = verifyAcs3(req, body, secrets);
      const nonce = req.headers['x-acs-signature-nonce'];
      const params = Object.fromEntries(new URL(req.url, 'http://sts').searchParams);
      if (String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded'))
        Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
      calls.push({ method: req.method, action: req.headers['x-acs-action'], params, failure });
      if (failure)
        return answer(400, { Code: failure, Message: `The request signature does not conform (${failure}).` });
      if (!nonce || nonces.has(nonce)) return answer(400, { Code: 'SignatureNonceUsed', Message: 'Nonce reused.' });
      nonces.add(nonce);
      if (req.headers['x-acs-action'] !== 'AssumeRole' || req.headers['x-acs-version'] !== '2015-04-01')
        return answer(400, { Code: 'InvalidAction.NotFound', Message: 'Only AssumeRole here.' });
      if (params.RoleArn !== ROLE_ARN) return answer(404, { Code: 'EntityNotExist.Role', Message: 'No such role.' });
      const durationSeconds = Number(params.DurationSeconds);
      if (!/^[A-Za-z0-9.@_-]{2,64}$/.test(params.RoleSessionName ?? '') || !(durationSeconds >= 900))
        return answer(400, { Code: 'InvalidParameter', Message: 'RoleSessionName or DurationSeconds.' });
      const credentials = bucket.issueSts({ durationSeconds, policy: params.Policy });
      answer(200, {
        AssumedRoleUser: { Arn: `${ROLE_ARN}/${params.RoleSessionName}`, AssumedRoleId: '3000:x' },
        Credentials: {
          AccessKeyId: credentials.accessKeyId,
          AccessKeySecret: credentials.accessKeySecret,
          SecurityToken: credentials.securityToken,
          Expiration: credentials.expiration,
        },
      });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return { endpoint: `127.0.0.1:${server.address().port}`, calls };
}

test('createAssumeRole: the SDK request carries a valid ACS3 signature and the scoped Policy; STS-shaped answer', async (t) => {
  const bucket = await startTestServer(t);
  const sts = await startStandInSts(t, bucket);
  const issueSts = createAssumeRole({
    accessKeyId: ACCESS_KEY_ID,
    accessKeySecret: ACCESS_KEY_SECRET,
    roleArn: ROLE_ARN,
    roleSessionName: 'ossup-upload',
    endpoint: sts.endpoint,
    protocol: 'http',
  });
  const policy = uploadSessionPolicy({ bucket: bucket.bucket, prefix: 'users/alice/' });
  const credentials = await issueSts({ policy, durationSeconds: 900, sessionName: 'users/alice/' });
  assert.match(credentials.accessKeyId, /^STS\./);
  assert.ok(credentials.accessKeySecret && credentials.securityToken);
  assert.ok(Date.parse(credentials.expiration) > Date.now() + 800_000);
  assert.equal(sts.calls.length, 1);
  const [call] = sts.calls;
  assert.equal(call.failure, null, 'the stand-in verified the signature');
  assert.equal(call.action, 'AssumeRole');
  assert.equal(call.params.RoleArn, ROLE_ARN);
  assert.equal(call.params.RoleSessionName, 'ossup-upload.users-alice-');
  assert.equal(call.params.DurationSeconds, '900');
  assert.deepEqual(JSON.parse(call.params.Policy), policy);

  // The credentials are confined by that policy on the bucket.
  const inside = await signedRequest(bucket, {
    method: 'POST',
    key: 'users/alice/a.bin',
    query: { uploads: null },
    credentials,
  });
  assert.equal(inside.status, 200);
  const outside = await signedRequest(bucket, {
    method: 'POST',
    key: 'users/bob/a.bin',
    query: { uploads: null },
    credentials,
  });
  assert.equal((await readError(outside)).ec, '0003-00000301');

  // A wrong secret: the stand-in refuses the signature and the SDK reports it.
  const wrong = createAssumeRole({
    accessKeyId: ACCESS_KEY_ID,
    accessKeySecret: 'not-the-secret',
    roleArn: ROLE_ARN,
    endpoint: sts.endpoint,
    protocol: 'http',
  });
  await assert.rejects(wrong({ policy, durationSeconds: 900 }), /SignatureDoesNotMatch/);
  assert.equal(sts.calls.at(-1).failure, 'SignatureDoesNotMatch');
});

test('the example server and the demo in real-bucket mode issue scoped STS through AssumeRole (no more 501)', async (t) => {
  const bucket = await startTestServer(t);
  const sts = await startStandInSts(t, bucket);
  // "Real" here is the local bucket reached as an endpoint, with STS from the stand-in.
  const signing = {
    bucket: bucket.bucket,
    region: bucket.region,
    endpoint: bucket.url,
    accessKeyId: ACCESS_KEY_ID,
    accessKeySecret: ACCESS_KEY_SECRET,
    sts: { roleArn: ROLE_ARN, roleSessionName: 'ossup-upload', endpoint: sts.endpoint, protocol: 'http' },
  };
  const secret = randomBytes(32).toString('hex');
  const { bearerJwt } = await import('../../examples/server/auth.mjs');
  const app = await startAppServer({ port: 0, signing, authenticate: bearerJwt(secret) });
  t.after(() => app.close());
  const token = signJwt({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 600 }, secret);
  const answer = await fetch(`${app.url}/api/sts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: '{}',
  });
  assert.equal(answer.status, 200, await answer.clone().text());
  const credentials = await answer.json();
  assert.equal(credentials.keyPrefix, 'users/alice/');
  assert.deepEqual(
    JSON.parse(sts.calls.at(-1).params.Policy),
    uploadSessionPolicy({ bucket: bucket.bucket, prefix: 'users/alice/' }),
  );
  const { bucket: name, region, endpoint, keyPrefix } = credentials;
  const uploader = ossup.createUploader({
    bucket: name,
    region,
    endpoint,
    keyPrefix,
    credentials: async () => credentials,
  });
  const bytes = randomBytes(5000);
  const [result] = await uploader.upload([{ name: 'clip.mp4', data: bytes, type: 'video/mp4' }]);
  assert.equal(result.status, 'success', result.error && result.error.message);
  assert.ok(result.key.startsWith('users/alice/'));
  assert.deepEqual(await readFile(bucket.objectPath(result.key)), bytes);

  const demo = await startDemo({ port: 0, realBucket: signing });
  t.after(() => demo.close());
  const fromDemo = await fetch(`${demo.url}/api/sts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(fromDemo.status, 200, await fromDemo.clone().text());
  const demoCredentials = await fromDemo.json();
  assert.match(demoCredentials.keyPrefix, /^demo\/[0-9a-f]{16}\/$/);
  assert.deepEqual(
    JSON.parse(sts.calls.at(-1).params.Policy),
    uploadSessionPolicy({ bucket: bucket.bucket, prefix: demoCredentials.keyPrefix }),
  );
  const config = await (await fetch(`${demo.url}/api/config`)).json();
  assert.equal(config.sts, true);
  assert.equal(config.local, false);
});
