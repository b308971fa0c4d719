// SIGKILL of the bucket server in the middle of concurrent overwrites: after a restart on the
// same root every object is one complete version that a client sent (bytes, size, ETag and
// CRC-64 agree), and nothing half-written is left on disk.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { crc64, crc64Header } from '../../www/server/crc64.mjs';
import { buildForm, inMinutes, objectUrl, v1Fields } from './bucket-helpers.mjs';

const SERVE = fileURLToPath(new URL('../../www/server/serve-bucket.mjs', import.meta.url));
const ROUNDS = 8;
const CLIENTS = 8;
const SHARED_KEYS = Array.from({ length: 6 }, (_, i) => `crash/shared-${i}.bin`);

const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** The bucket in a child process; resolves once it listens, with its URL. */
function startChild(root) {
  const child = spawn(process.execPath, [SERVE, '--root', root, '--port', '0', '--quiet'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const url = /at (http:\/\/[^,\s]+)/.exec(stdout)?.[1];
      if (url) resolve({ child, url });
    });
    child.once('exit', (code) => reject(new Error(`bucket exited (${code}) before listening: ${stderr}`)));
  });
}

function kill(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGKILL');
  });
}

/** One version of `key`: a header naming it, then random bytes (sizes vary so a mix-up shows). */
function makeVersion(key) {
  const size = randomInt(64, 256 * 1024);
  const bytes = randomBytes(size);
  Buffer.from(`${key} ${sha(bytes).slice(0, 16)}\n`).copy(bytes);
  return bytes;
}

/**
 * PostObject over node:http (fetch's streamed bodies leave an unhandled rejection behind when
 * the server dies mid-request); → { status, text }, rejects when the connection breaks.
 */
async function postVersion(url, key, bytes) {
  const policy = { expiration: inMinutes(10), conditions: [['content-length-range', 0, 10 * 1024 * 1024]] };
  const encoded = new Response(buildForm(v1Fields({ policy, key }), { file: bytes, fileName: 'v.bin' }));
  const body = Buffer.from(await encoded.arrayBuffer());
  return new Promise((resolve, reject) => {
    const request = http.request(`${url}/`, {
      method: 'POST',
      headers: { 'content-type': encoded.headers.get('content-type'), 'content-length': body.length },
      agent: false,
    });
    request.on('error', reject);
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode, text }));
      response.on('error', reject);
    });
    request.end(body);
  });
}

/** Files under `dir` (recursively), relative to it. */
async function listFiles(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)));
}

test('SIGKILL during concurrent overwrites leaves every object whole: old or new, never mixed', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'ossup-bucket-crash-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const sent = new Map(); // key → Set of sha256 of every version a client started sending
  const stored = new Set(); // keys with at least one 2xx answer
  const failures = [];

  let server = await startChild(root);
  t.after(() => kill(server.child));
  for (let round = 0; round < ROUNDS; round++) {
    const { child, url } = server;
    let killed = false;
    let fresh = 0;
    // The kill comes at a random moment after a random number of commits, with writes in flight.
    const commitsBeforeKill = randomInt(2, 12);
    let commits = 0;
    let killTime;
    const killMoment = new Promise((resolve) => (killTime = resolve));
    const client = async () => {
      while (!killed) {
        // Mostly overwrites of shared keys; some first writes, whose bytes must not be orphaned.
        const key = Math.random() < 0.8 ? SHARED_KEYS[randomInt(SHARED_KEYS.length)] : `crash/r${round}-${fresh++}.bin`;
        const bytes = makeVersion(key);
        if (!sent.has(key)) sent.set(key, new Set());
        sent.get(key).add(sha(bytes));
        try {
          const { status, text } = await postVersion(url, key, bytes);
          if (status === 204) {
            stored.add(key);
            if (++commits === commitsBeforeKill) killTime();
          } else if (!killed) failures.push(`${key}: ${status} ${text}`);
        } catch {
          return; // the server was killed under this request
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);
    await killMoment;
    await new Promise((resolve) => setTimeout(resolve, randomInt(0, 40)));
    killed = true;
    await kill(child);
    await Promise.all(clients);

    // Restart on the same root; the start-up sweep runs before the server listens.
    server = await startChild(root);
    {
      const tmpLeft = await listFiles(path.join(root, 'tmp'));
      if (tmpLeft.length > 0) failures.push(`round ${round}: tmp/ not emptied at start: ${tmpLeft.join(', ')}`);
      const objectFiles = await listFiles(path.join(root, 'objects'));
      const manifests = objectFiles.filter((f) => f.endsWith('.meta.json'));
      if (objectFiles.length !== 2 * manifests.length) {
        failures.push(
          `round ${round}: ${objectFiles.length - manifests.length} byte files for ${manifests.length} metadata files`,
        );
      }
      for (const [key, versions] of sent) {
        const response = await fetch(objectUrl(server, key));
        if (response.status === 404) {
          if (stored.has(key)) failures.push(`round ${round}: ${key} was stored (204) and is gone`);
          await response.arrayBuffer();
          continue;
        }
        const where = `round ${round}: ${key}`;
        let body;
        try {
          body = Buffer.from(await response.arrayBuffer());
        } catch (error) {
          // A Content-Length from the metadata that the bytes on disk do not fill.
          failures.push(
            `${where}: GET broke off (${error.message}), Content-Length ${response.headers.get('content-length')}`,
          );
          continue;
        }
        if (response.status !== 200) {
          failures.push(`${where}: GET ${response.status}`);
          continue;
        }
        if (!versions.has(sha(body))) failures.push(`${where}: ${body.length} bytes that no client sent`);
        if (Number(response.headers.get('content-length')) !== body.length)
          failures.push(`${where}: Content-Length ${response.headers.get('content-length')}, ${body.length} bytes`);
        if (response.headers.get('etag') !== `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`)
          failures.push(`${where}: ETag ${response.headers.get('etag')} is not the MD5 of the bytes`);
        if (response.headers.get('x-oss-hash-crc64ecma') !== crc64Header(crc64(body)))
          failures.push(`${where}: CRC-64 header is not the CRC of the bytes`);
      }
    }
  }
  t.diagnostic(
    `${ROUNDS} rounds, ${sent.size} keys, ${[...sent.values()].reduce((n, s) => n + s.size, 0)} versions sent`,
  );
  assert.deepEqual(failures, []);
});
