// examples/server/server.mjs run as its README says (`node examples/server/server.mjs`): it
// starts a local bucket, signs forms for signed-in users only, answers CORS only for the
// configured origins, and a form it signs uploads to that bucket. Stopped with SIGTERM. It
// refuses to start without an authentication hook, and off loopback with the development key;
// it answers 401 without a valid token, 429 past the per-user rate limit, 400 for bad names.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'node:test';
import { bearerJwt, signJwt } from '../../examples/server/auth.mjs';
import { startAppServer } from '../../examples/server/server.mjs';
import { DEFAULT_ACCESS_KEYS, startBucketServer } from '../../www/server/bucket.mjs';
import * as ossup from '../../pkg/dist/node.mjs';

const SERVER = fileURLToPath(new URL('../../examples/server/server.mjs', import.meta.url));
const JWT_SECRET = randomBytes(32).toString('hex');
const bearer = (sub, { secret = JWT_SECRET, exp = Math.floor(Date.now() / 1000) + 600 } = {}) => ({
  authorization: `Bearer ${signJwt({ sub, exp }, secret)}`,
});

/** Runs server.mjs with `env` and resolves to { code, output } when it exits on its own. */
async function runUntilExit(env) {
  const child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, OSSUP_BUCKET: '', APP_JWT_SECRET: '', DEV_GUEST: '', PORT: '0', BUCKET_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const code = await new Promise((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, output };
}

async function startServerProcess(t, env) {
  const child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, OSSUP_BUCKET: '', APP_JWT_SECRET: JWT_SECRET, PORT: '0', BUCKET_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  let output = '';
  child.stderr.on('data', (chunk) => (output += chunk));
  const urls = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${output}`)), 10000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const api = /signing uploads at (http:\/\/\S+)\/api\/upload-form/.exec(output);
      const bucket = /local bucket at (http:\/\/\S+)/.exec(output);
      if (api && bucket) {
        clearTimeout(timer);
        resolve({ api: api[1], bucket: bucket[1] });
      }
    });
    child.once('exit', () => reject(new Error(`the server exited: ${output}`)));
  });
  return { child, urls, exited };
}

test('node examples/server/server.mjs signs forms for its local bucket; CORS only for listed origins', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'ossup-example-server-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const { child, urls, exited } = await startServerProcess(t, {
    BUCKET_ROOT: root,
    CORS_ORIGINS: 'http://localhost:5173',
  });

  const bytes = Buffer.from('GIF89a — not really, but the bucket only checks the size');
  const answer = await fetch(`${urls.api}/api/upload-form`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://localhost:5173', ...bearer('guest') },
    body: JSON.stringify({ name: 'cat.gif', size: bytes.length, contentType: 'image/gif' }),
  });
  assert.equal(answer.status, 200);
  assert.equal(answer.headers.get('access-control-allow-origin'), 'http://localhost:5173');
  const { host, fields, key } = await answer.json();
  assert.equal(host, urls.bucket);
  assert.match(key, /^users\/guest\/\d{4}\/\d{2}\/\d{2}\/\d+-[0-9a-f]{16}\.gif$/);
  assert.equal(fields['x-oss-forbid-overwrite'], 'true');

  // The form works: PostObject with the file last, as mini programs and browsers send it.
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([bytes], { type: 'image/gif' }), 'cat.gif');
  const posted = await fetch(`${host}/`, { method: 'POST', body: form });
  assert.equal(posted.status, 200, await posted.text());
  assert.ok(Buffer.from(await (await fetch(`${host}/${key}`)).arrayBuffer()).equals(bytes));

  const preflight = await fetch(`${urls.api}/api/upload-form`, {
    method: 'OPTIONS',
    headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
  });
  assert.equal(preflight.status, 204);
  assert.match(preflight.headers.get('access-control-allow-headers'), /Content-Type/);
  const stranger = await fetch(`${urls.api}/api/upload-form`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
    body: JSON.stringify({ name: 'cat.gif', size: 3, contentType: 'image/gif' }),
  });
  assert.equal(stranger.headers.get('access-control-allow-origin'), null, 'no CORS for other origins');

  const refused = await fetch(`${urls.api}/api/upload-form`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer('guest') },
    body: JSON.stringify({ name: 'page.svg', size: 10, contentType: 'image/svg+xml' }),
  });
  assert.equal(refused.status, 400);
  assert.equal((await refused.json()).code, 'TYPE_NOT_ALLOWED');

  child.kill('SIGTERM');
  assert.deepEqual(await exited, { code: 0, signal: null });
});

test('a real bucket needs all four settings', async () => {
  const { bucketFromEnv } = await import('../../examples/server/server.mjs');
  assert.equal(bucketFromEnv({}), null);
  assert.throws(
    () => bucketFromEnv({ OSSUP_BUCKET: 'b' }),
    /OSSUP_REGION, OSSUP_ACCESS_KEY_ID, OSSUP_ACCESS_KEY_SECRET/,
  );
  assert.deepEqual(
    bucketFromEnv({
      OSSUP_BUCKET: 'b',
      OSSUP_REGION: 'oss-cn-hangzhou',
      OSSUP_ACCESS_KEY_ID: 'id',
      OSSUP_ACCESS_KEY_SECRET: 'secret',
    }),
    { bucket: 'b', region: 'cn-hangzhou', endpoint: undefined, accessKeyId: 'id', accessKeySecret: 'secret' },
  );
});

test('server.mjs refuses to start without authentication, and off loopback with the development key', async () => {
  const unauthenticated = await runUntilExit({});
  assert.equal(unauthenticated.code, 1);
  assert.match(unauthenticated.output, /set APP_JWT_SECRET/);
  const lan = await runUntilExit({ APP_JWT_SECRET: JWT_SECRET, HOST: '0.0.0.0' });
  assert.equal(lan.code, 1);
  assert.match(lan.output, /HOST=0\.0\.0\.0 would put the local bucket on your network with its fixed development key/);
  const guestOnLan = await runUntilExit({ DEV_GUEST: '1', HOST: '0.0.0.0' });
  assert.equal(guestOnLan.code, 1);
  assert.match(guestOnLan.output, /DEV_GUEST=1 is for loopback only/);
  const shortSecret = await runUntilExit({ APP_JWT_SECRET: 'secret' });
  assert.equal(shortSecret.code, 1);
  assert.match(shortSecret.output, /at least 32 characters/);
  await assert.rejects(startAppServer({ port: 0 }), /pass `authenticate\(req\)`/);
});

/** A local bucket and the app server in this process, with `capacity` forms per user. */
async function startLocalApp(t, capacity) {
  const root = await mkdtemp(path.join(tmpdir(), 'ossup-example-limits-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const bucket = await startBucketServer({ root });
  t.after(() => bucket.close());
  const [accessKeyId, accessKeySecret] = Object.entries(DEFAULT_ACCESS_KEYS)[0];
  const app = await startAppServer({
    port: 0,
    signing: {
      bucket: bucket.bucket,
      region: bucket.region,
      endpoint: bucket.url,
      accessKeyId,
      accessKeySecret,
      issueSts: (options) => bucket.issueSts(options),
    },
    authenticate: bearerJwt(JWT_SECRET),
    limits: { rateLimit: { capacity, refillPerSecond: 0.05 } },
  });
  t.after(() => app.close());
  return { bucket, app };
}

test('401 without a valid token, 429 with Retry-After past the per-user limit, 400 for a lone surrogate', async (t) => {
  const { app } = await startLocalApp(t, 3);
  const ask = (headers, body = { name: 'cat.gif', size: 10, contentType: 'image/gif' }) =>
    fetch(`${app.url}/api/upload-form`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  const forged = (header, payload) =>
    `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
  for (const [label, headers] of [
    ['no token', {}],
    ['another secret', bearer('alice', { secret: randomBytes(32).toString('hex') })],
    ['expired', bearer('alice', { exp: Math.floor(Date.now() / 1000) - 1 })],
    ['alg none', { authorization: `Bearer ${forged({ alg: 'none' }, { sub: 'alice', exp: 2e9 })}` }],
    ['not a bearer token', { authorization: 'Basic YWxpY2U6cGFzcw==' }],
  ]) {
    const answer = await ask(headers);
    assert.equal(answer.status, 401, label);
    assert.equal((await answer.json()).code, 'UNAUTHENTICATED', label);
  }

  for (let i = 0; i < 3; i++) assert.equal((await ask(bearer('alice'))).status, 200, `form ${i + 1}`);
  const limited = await ask(bearer('alice'));
  assert.equal(limited.status, 429);
  assert.equal((await limited.json()).code, 'TOO_MANY_REQUESTS');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1, limited.headers.get('retry-after'));
  const sts = await fetch(`${app.url}/api/sts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer('alice') },
    body: '{}',
  });
  assert.equal(sts.status, 429, 'STS shares the limit');
  assert.equal((await ask(bearer('bob'))).status, 200, 'another user has a bucket of their own');

  // "\ud800" in JSON text is a lone surrogate once parsed: no UTF-8 for it, so no key.
  const surrogate = await ask(bearer('carol'), '{"name": "\\ud800.gif", "size": 10, "contentType": "image/gif"}');
  assert.equal(surrogate.status, 400, await surrogate.clone().text());
  assert.equal((await surrogate.json()).code, 'INVALID_NAME');
});

test('signForms: 12 files with one /api/upload-forms request; a batch is checked and counted per file', async (t) => {
  const { bucket, app } = await startLocalApp(t, 16);
  const askBatch = (files, user = 'alice') =>
    fetch(`${app.url}/api/upload-forms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(user) },
      body: JSON.stringify({ files }),
    });

  let batches = 0;
  const uploader = ossup.createUploader({
    signForms: async (files) => {
      batches++;
      const answer = await askBatch(files);
      if (!answer.ok) throw Object.assign(new Error(await answer.text()), { status: answer.status });
      return (await answer.json()).forms;
    },
  });
  const files = Array.from({ length: 12 }, (_, i) => ({
    name: `cat-${i}.gif`,
    type: 'image/gif',
    bytes: new Uint8Array(1000 + i).fill(i),
  }));
  const results = await uploader.upload(files);
  assert.equal(batches, 1);
  for (const [i, result] of results.entries()) {
    assert.equal(result.status, 'success', result.error && result.error.message);
    assert.match(result.key, /^users\/alice\/.+\.gif$/);
    assert.deepEqual(await readFile(bucket.objectPath(result.key)), Buffer.from(files[i].bytes));
  }

  // Each form pins its own key, size and type: a form of the batch does not take another file.
  const [form] = (await (await askBatch([{ name: 'a.png', size: 10, contentType: 'image/png' }], 'bob')).json()).forms;
  const wrong = new FormData();
  for (const [name, value] of Object.entries(form.fields)) wrong.append(name, value);
  wrong.append('file', new Blob([new Uint8Array(11)], { type: 'image/png' }), 'a.png');
  assert.equal((await fetch(`${form.host}/`, { method: 'POST', body: wrong })).status, 400, 'size pinned');

  // One token per file (alice has 16 − 12 = 4 left), all or none; the same checks as one by one.
  const gif = (i) => ({ name: `more-${i}.gif`, size: 10, contentType: 'image/gif' });
  const tooMany = await askBatch([0, 1, 2, 3, 4].map(gif));
  assert.equal(tooMany.status, 429);
  assert.equal((await askBatch([0, 1, 2, 3].map(gif))).status, 200);
  const big = await askBatch(
    Array.from({ length: 21 }, (_, i) => gif(i)),
    'carol',
  );
  assert.equal(big.status, 400);
  assert.equal((await big.json()).code, 'INVALID_BATCH');
  const svg = await askBatch([gif(0), { name: 'x.svg', size: 10, contentType: 'image/svg+xml' }], 'carol');
  assert.equal(svg.status, 400);
  assert.equal((await svg.json()).code, 'TYPE_NOT_ALLOWED');
});
