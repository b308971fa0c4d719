// examples/server/server.mjs run as its README says (`node examples/server/server.mjs`): it
// starts a local bucket, signs forms for it, answers CORS only for the configured origins, and a
// form it signs uploads to that bucket. Stopped with SIGTERM.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'node:test';

const SERVER = fileURLToPath(new URL('../../examples/server/server.mjs', import.meta.url));

async function startServerProcess(t, env) {
  const child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, OSSUP_BUCKET: '', PORT: '0', BUCKET_PORT: '0', ...env },
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
    headers: { 'content-type': 'application/json', origin: 'http://localhost:5173' },
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
    headers: { 'content-type': 'application/json' },
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
