// STS credentials against the local bucket (real HTTP): what an OssupError prints never holds
// the security token or a secret (issue 23, item 8), and a device clock ahead by more than the
// credentials' lifetime still uploads, the server's clock deciding what is expired (item 9).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { startTestServer } from './bucket-helpers.mjs';
import * as ossup from '../../pkg/dist/node.mjs';

const MiB = 1024 * 1024;
const HOUR = 3600 * 1000;
const dir = await mkdtemp(join(tmpdir(), 'ossup-sts-safety-'));
after(() => rm(dir, { recursive: true, force: true }));

let counter = 0;
async function makeFile(size, ext = 'png') {
  const path = join(dir, `file-${++counter}.${ext}`);
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + counter) & 0xff;
  await writeFile(path, bytes);
  return path;
}

function bucket(t) {
  t.after(() => ossup.setClockOffset(0));
  return startTestServer(t, { testMode: true });
}

function uploader(server, credentials, extra = {}) {
  return ossup.createUploader({
    bucket: server.bucket,
    region: server.region,
    endpoint: server.url,
    keyPrefix: 'sts',
    retry: { limit: 1, delay: 10, backoffLimit: 20 },
    checkpointDir: join(dir, `cp-${++counter}`),
    credentials,
    ...extra,
  });
}

// ---- no token or secret in what an error prints ----

/** Everything an error can print, and whether any of it reveals `secret` (as is, URL-encoded, or base64 inside a policy). */
function printedForms(error) {
  return {
    'JSON.stringify': JSON.stringify(error),
    'util.inspect': inspect(error, { depth: 6 }),
    message: error.message,
    String: String(error),
    stack: error.stack,
  };
}
function reveals(text, secret) {
  if (text.includes(secret) || text.includes(encodeURIComponent(secret))) return 'as is';
  for (const run of text.match(/[A-Za-z0-9+/]{40,}={0,2}/g) || []) {
    if (Buffer.from(run, 'base64').toString('latin1').includes(secret)) return 'inside base64';
  }
  return null;
}
function assertNothingSecret(error, secrets, label) {
  for (const [form, text] of Object.entries(printedForms(error))) {
    for (const secret of secrets) {
      const how = reveals(text || '', secret);
      assert.equal(how, null, `${label}: ${form} shows a secret ${how}:\n${text}`);
    }
  }
}

for (const [label, extra, size] of [
  ['V4 header-signed multipart (CanonicalRequest echoed)', { multipartThreshold: MiB, partSize: MiB }, MiB + 1],
  [
    'V1 header-signed multipart (StringToSign echoed)',
    { multipartThreshold: MiB, partSize: MiB, signatureVersion: 'v1' },
    MiB + 1,
  ],
  ['V4 PostObject (the policy echoed as StringToSign)', {}, 1000],
  ['V1 PostObject', { signatureVersion: 'v1' }, 1000],
]) {
  test(`SignatureDoesNotMatch with STS credentials, ${label}: no token or secret in the error`, async (t) => {
    const server = await bucket(t);
    const issued = [];
    const u = uploader(
      server,
      async () => {
        const sts = server.issueSts({ ttlSeconds: 900 });
        issued.push(sts);
        // The right id and token with a wrong secret: OSS answers SignatureDoesNotMatch and
        // echoes what it signed, token included.
        return { ...sts, accessKeySecret: `${sts.accessKeySecret}-wrong` };
      },
      extra,
    );
    const [result] = await u.upload([await makeFile(size)]);
    assert.equal(result.status, 'error');
    const error = result.error;
    assert.equal(error.code, 'SignatureDoesNotMatch', error.message);
    assert.equal(error.status, 403);
    // The server did echo the request (so there was something to redact).
    assert.ok(error.body && error.body.includes('<StringToSign>'), error.body);
    assert.ok(error.stringToSign, 'the StringToSign is kept, redacted');
    const secrets = issued.flatMap((c) => [c.securityToken, c.accessKeySecret, `${c.accessKeySecret}-wrong`]);
    assertNothingSecret(error, secrets, label);
  });
}

test('an echoed request is redacted by its shape, for a token the package never saw', async (t) => {
  const server = await bucket(t);
  // Credentials this process's uploader never held: signed by hand with signHeaders, sent by fetch.
  const sts = server.issueSts({ ttlSeconds: 900 });
  const headers = ossup.signHeaders({
    accessKeyId: sts.accessKeyId,
    accessKeySecret: 'not-the-secret',
    securityToken: sts.securityToken,
    region: server.region,
    bucket: server.bucket,
    method: 'POST',
    key: 'a.bin',
    query: { uploads: '' },
    headers: { 'content-type': 'application/octet-stream' },
  });
  const answer = await fetch(`${server.url}/a.bin?uploads`, { method: 'POST', headers });
  const body = await answer.text();
  assert.equal(answer.status, 403);
  assert.ok(body.includes(sts.securityToken), 'OSS echoes the token in its CanonicalRequest');
  const error = new ossup.OssupError('SignatureDoesNotMatch', `OSS answered 403: ${body}`, {
    body,
    stringToSign: /<StringToSign>([\s\S]*?)<\/StringToSign>/.exec(body)[1],
    canonicalRequest: /<CanonicalRequest>([\s\S]*?)<\/CanonicalRequest>/.exec(body)[1],
    authorization: headers.authorization,
    url: `${server.url}/a.bin?uploads&security-token=${encodeURIComponent(sts.securityToken)}&Signature=abc%2Bdef`,
  });
  assertNothingSecret(error, [sts.securityToken, headers.authorization.split('Signature=')[1], 'abc%2Bdef'], 'shape');
  assert.match(error.body, /x-oss-security-token:\[redacted\]/);
  assert.match(error.body, /<CanonicalRequest>POST\n\/[^\n]+\/a\.bin\n/, 'the rest of the echo stays readable');
  assert.match(JSON.parse(JSON.stringify(error)).message, /^OSS answered 403/);
});

// ---- a device clock ahead of the server by more than the credentials' lifetime ----

for (const hours of [3, 25]) {
  test(`a device clock ${hours} h ahead of the server, STS credentials of 1 h: the upload succeeds`, async (t) => {
    const server = await bucket(t);
    // The server's clock behind the device's is the device's clock ahead of the server's.
    server.setClockOffset(-hours * HOUR);
    let calls = 0;
    const u = uploader(server, async () => {
      calls++;
      return server.issueSts({ ttlSeconds: 3600 });
    });
    const path = await makeFile(2000);
    const [result] = await u.upload([path]);
    assert.equal(result.status, 'success', result.error && `${result.error.code}: ${result.error.message}`);
    assert.deepEqual(await readFile(server.objectPath(result.key)), await readFile(path));
    assert.equal(result.integrity, 'verified');
    assert.equal(calls, 1, 'the credentials were good: asked for once');
    assert.ok(Math.abs(ossup.now() - server.now()) < 5000, 'the signing clock now follows the server');
    // A multipart upload (header-signed, V4 x-oss-date) with the clock learnt.
    const big = await makeFile(MiB + 3, 'bin');
    const [multipart] = await uploader(server, async () => server.issueSts({ ttlSeconds: 3600 }), {
      multipartThreshold: MiB,
      partSize: MiB,
    }).upload([big]);
    assert.equal(multipart.status, 'success', multipart.error && multipart.error.message);
    assert.deepEqual(await readFile(server.objectPath(multipart.key)), await readFile(big));
  });
}

test('credentials expired by the server clock too: asked for once more, then INVALID_CREDENTIALS, nothing uploaded', async (t) => {
  const server = await bucket(t);
  server.setClockOffset(-3 * HOUR);
  let calls = 0;
  const u = uploader(server, async () => {
    calls++;
    // Expired two minutes before the server's now, by the expiration the client is given.
    const sts = server.issueSts({ durationSeconds: 60 });
    return { ...sts, expiration: new Date(Date.parse(sts.expiration) - 120_000).toISOString() };
  });
  const [result] = await u.upload([await makeFile(500)]);
  assert.equal(result.status, 'error');
  assert.equal(result.error.code, 'INVALID_CREDENTIALS');
  assert.match(result.error.message, /server's clock/);
  assert.equal(calls, 2, 'one refresh before failing');
  assert.equal(server.requests.filter((r) => r.op === 'PostObject').length, 0);
});
