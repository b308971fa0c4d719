// Never a wrong success (issue 23): a resumed upload of a file changed in place, a lost answer
// to CompleteMultipartUpload, a captive portal answering 200, bytes damaged on the way where
// the CRC-64 header is hidden, a file whose parts fail, and stale or shared checkpoints. Real
// HTTP to the local bucket, through a proxy on 127.0.0.1 where a case needs one; the stored
// bytes are compared with the file's, or the error is asserted.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestServer } from './bucket-helpers.mjs';
import * as ossup from '../../pkg/dist/node.mjs';
import { startProxy } from './fault-proxy.mjs';

const KiB = 1024;
const MiB = 1024 * KiB;
const dir = await mkdtemp(join(tmpdir(), 'ossup-integrity-'));
after(() => rm(dir, { recursive: true, force: true }));

let counter = 0;
/** A file of `size` bytes that differ from every other file made here. */
async function makeFile(size, name = `file-${++counter}.bin`) {
  const path = join(dir, name);
  const bytes = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) bytes.writeUInt32LE((Math.imul(i + 1, 0x9e3779b1) ^ counter) >>> 0, i);
  await writeFile(path, bytes);
  return path;
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

const bucket = (t) => startTestServer(t, { testMode: true });

function uploader(server, extra = {}) {
  return ossup.createUploader({
    bucket: server.bucket,
    region: server.region,
    endpoint: server.url,
    keyPrefix: 'integrity',
    partSize: 128 * KiB,
    multipartThreshold: 1 * MiB,
    checkpointDir: join(dir, `cp-${++counter}`),
    retry: { limit: 2, delay: 20, backoffLimit: 100 },
    credentials: async () => server.issueSts({ ttlSeconds: 900 }),
    ...extra,
  });
}

const ops = (server, op, status = 200) =>
  server.requests.filter((r) => r.op === op && (status === 'any' || r.status === status));

/** Objects stored in the bucket (the server keeps each next to a .meta.json). */
const objectCount = async (server) =>
  (await readdir(join(server.root, 'objects'))).filter((f) => !f.endsWith('.meta.json')).length;

const uploadsInProgress = async (server) => readdir(join(server.root, 'uploads'));

async function assertStored(server, result, path) {
  assert.equal(result.status, 'success', result.error && `${result.error.code}: ${result.error.message}`);
  const stored = await readFile(server.objectPath(result.key));
  assert.equal(sha256(stored), sha256(await readFile(path)), 'the bucket holds the bytes of the file');
}

const checkpointFiles = (folder) =>
  readdirSync(folder).filter((f) => f.startsWith('ossup_cp_') && f.endsWith('.json') && !f.includes('index'));

// ------------------------------------------------------------------ 2. resume re-verifies

/**
 * Starts tests/node/fixtures/upload-child.mjs on `path` (20 parts of 512 KiB, one at a time),
 * holds part 9's answer back and SIGKILLs the child once its checkpoint holds 8 parts.
 */
async function killAfterEightParts(server, path, checkpointDir) {
  server.faults.add({ op: 'UploadPart', partNumber: 9, action: 'delay', delayMs: 60_000 });
  const child = spawn(process.execPath, [
    new URL('./fixtures/upload-child.mjs', import.meta.url).pathname,
    JSON.stringify({
      endpoint: server.url,
      bucket: server.bucket,
      region: server.region,
      credentials: server.issueSts({ ttlSeconds: 900 }),
      path,
      checkpointDir,
      partSize: 512 * KiB,
    }),
  ]);
  const checkpointed = () => {
    try {
      return checkpointFiles(checkpointDir).reduce(
        (most, f) => Math.max(most, JSON.parse(readFileSync(join(checkpointDir, f), 'utf8')).parts?.length || 0),
        0,
      );
    } catch {
      return 0;
    }
  };
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  await new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (checkpointed() >= 8) {
        clearInterval(timer);
        clearTimeout(guard);
        child.kill('SIGKILL');
        resolve();
      }
    }, 5);
    // Every way out settles: a child that ends on its own, or never gets to 8 parts, fails the test.
    const guard = setTimeout(() => {
      clearInterval(timer);
      child.kill('SIGKILL');
      reject(new Error(`the child did not checkpoint 8 parts within 60 s: ${stdout}`));
    }, 60_000);
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      clearTimeout(guard);
      if (signal !== 'SIGKILL')
        reject(new Error(`child exited on its own (${code}, ${checkpointed()} parts): ${stdout}`));
    });
  });
  if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
  assert.ok(!stdout.includes('finished'), 'the child was killed mid-upload');
  server.faults.clear();
}

/** Changes 64 bytes inside part 4 (512 KiB parts), keeping the size. */
async function editPartFour(path) {
  const handle = await open(path, 'r+');
  await handle.write(Buffer.alloc(64, 0xee), 0, 64, 3 * 512 * KiB + 1000);
  await handle.close();
}

for (const keepTime of [false, true]) {
  test(`a killed upload of a file changed in place (${keepTime ? 'same mtime, as in mini programs' : 'new mtime'}) starts over: the bucket holds the new bytes and the old upload is aborted`, async (t) => {
    const server = await bucket(t);
    const path = await makeFile(20 * 512 * KiB);
    const when = new Date('2026-01-02T03:04:05Z');
    await utimes(path, when, when);
    const checkpointDir = join(dir, `kill-${++counter}`);
    await killAfterEightParts(server, path, checkpointDir);
    const [oldUpload] = await uploadsInProgress(server);
    await editPartFour(path);
    if (keepTime) await utimes(path, when, when);
    else await utimes(path, new Date(), new Date());

    const resumed = ossup.createUploader({
      bucket: server.bucket,
      region: server.region,
      endpoint: server.url,
      keyPrefix: 'resume',
      partSize: 512 * KiB,
      checkpointDir,
      credentials: async () => server.issueSts({ ttlSeconds: 900 }),
    });
    const [result] = await resumed.upload([path]);
    await assertStored(server, result, path);
    assert.equal(result.integrity, 'verified');
    assert.equal(result.check, 'crc64');
    assert.equal(result.multipart.resumedParts, 0, 'no part of the old content was kept');
    assert.equal(ops(server, 'AbortMultipartUpload', 204).length, 1, 'the old upload was aborted');
    assert.ok(!(await uploadsInProgress(server)).includes(oldUpload), 'its parts are gone from the bucket');
    assert.deepEqual(checkpointFiles(checkpointDir), [], 'no checkpoint is left');
  });
}

test('a resumed upload of an unchanged file re-reads the done parts and keeps them', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(20 * 512 * KiB);
  const checkpointDir = join(dir, `kill-${++counter}`);
  await killAfterEightParts(server, path, checkpointDir);
  const before = ops(server, 'UploadPart').length;
  const [result] = await ossup
    .createUploader({
      bucket: server.bucket,
      region: server.region,
      endpoint: server.url,
      keyPrefix: 'resume',
      partSize: 512 * KiB,
      checkpointDir,
      credentials: async () => server.issueSts({ ttlSeconds: 900 }),
    })
    .upload([path]);
  await assertStored(server, result, path);
  assert.equal(result.multipart.resumedParts, 8);
  assert.equal(ops(server, 'UploadPart').length - before, 12);
  assert.equal(ops(server, 'AbortMultipartUpload', 'any').length, 0);
  assert.equal(result.integrity, 'verified');
});

// ------------------------------------------------------------------ 3. lost Complete answers

test('a lost answer to CompleteMultipartUpload is recovered by HEAD: one object, recovered: true', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(2 * MiB + 7);
  server.faults.add({ op: 'CompleteMultipartUpload', action: 'drop-after' });
  const [result] = await uploader(server).upload([path]);
  await assertStored(server, result, path);
  assert.equal(result.recovered, true);
  assert.equal(result.integrity, 'verified');
  assert.equal(await objectCount(server), 1);
  assert.equal(ops(server, 'HeadObject').length, 1);
});

test('a lost Complete answer, then a new upload of the file: the stored object is recognised, not duplicated', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(2 * MiB + 7);
  const checkpointDir = join(dir, `lost-${++counter}`);
  server.faults.add({ op: 'CompleteMultipartUpload', action: 'drop-after' });
  const [first] = await uploader(server, { checkpointDir, retry: 0 }).upload([path]);
  assert.equal(first.status, 'error');
  assert.equal(first.error.code, 'NETWORK_ERROR');
  const [again] = await uploader(server, { checkpointDir }).upload([path]);
  await assertStored(server, again, path);
  assert.equal(again.recovered, true);
  assert.equal(await objectCount(server), 1, 'one object, not two');
  assert.equal(ops(server, 'InitiateMultipartUpload').length, 1);
  assert.deepEqual(checkpointFiles(checkpointDir), []);
});

test('a lost Complete answer whose object cannot be confirmed is a clear error naming the key', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(2 * MiB + 7);
  server.faults.add({ op: 'CompleteMultipartUpload', action: 'drop-after' });
  server.faults.add({ op: 'HeadObject', action: 'corrupt' });
  const [result] = await uploader(server).upload([path]);
  assert.equal(result.status, 'error');
  assert.equal(result.error.code, 'COMPLETE_UNCONFIRMED', result.error.message);
  assert.match(result.error.message, /integrity\/\S+\.bin/);
  assert.equal(await objectCount(server), 1);
});

// ------------------------------------------------------------------ 4. OSS's evidence

test('a captive portal answering PostObject 200 is no success: NOT_OSS_RESPONSE, retried', async (t) => {
  const server = await bucket(t);
  const portal = await startProxy(t, server.url, { portal: () => true });
  const path = await makeFile(300 * KiB);
  const [result] = await uploader(server, { endpoint: portal.url }).upload([path]);
  assert.equal(result.status, 'error');
  assert.equal(result.error.code, 'NOT_OSS_RESPONSE');
  assert.match(result.error.message, /captive portal/);
  assert.match(result.error.message, /ETag, x-oss-request-id and x-oss-hash-crc64ecma/);
  assert.equal(portal.log.length, 3, 'one attempt and two retries');
  assert.equal(await objectCount(server), 0);
});

test('a captive portal answering CompleteMultipartUpload 200 keeps the checkpoint; the next upload completes it', async (t) => {
  const server = await bucket(t);
  const portal = await startProxy(t, server.url, {
    portal: (req) => req.method === 'POST' && /[?&]uploadId=/.test(req.url),
  });
  const path = await makeFile(2 * MiB + 7);
  const checkpointDir = join(dir, `portal-${++counter}`);
  const [result] = await uploader(server, { endpoint: portal.url, checkpointDir }).upload([path]);
  assert.equal(result.status, 'error');
  assert.equal(result.error.code, 'NOT_OSS_RESPONSE');
  assert.equal(await objectCount(server), 0);
  assert.equal(checkpointFiles(checkpointDir).length, 1, 'the checkpoint is kept');
  const [again] = await uploader(server, { checkpointDir }).upload([path]);
  await assertStored(server, again, path);
  assert.equal(again.multipart.resumedParts, again.multipart.parts);
  assert.equal(ops(server, 'InitiateMultipartUpload').length, 1);
});

/** A transport whose PostObject shows no response headers (uni-app outside WeChat). */
function headerlessPosts(server) {
  const base = uploader(server).transport;
  return {
    ...base,
    postObject(args) {
      const sent = base.postObject({ ...args, onHeaders: undefined });
      return {
        abort: sent.abort,
        promise: sent.promise.then((answer) => ({ ...answer, headers: {}, headersSeen: false })),
      };
    },
  };
}

test("where the platform shows no PostObject headers, a portal page is still NOT_OSS_RESPONSE and OSS's empty answer a success", async (t) => {
  const server = await bucket(t);
  const portal = await startProxy(t, server.url, { portal: () => true });
  const path = await makeFile(300 * KiB);
  const transport = headerlessPosts(server);
  const [refused] = await uploader(server, { endpoint: portal.url, transport, retry: 0 }).upload([path]);
  assert.equal(refused.status, 'error');
  assert.equal(refused.error.code, 'NOT_OSS_RESPONSE');
  const [stored] = await uploader(server, { transport }).upload([path]);
  await assertStored(server, stored, path);
  assert.equal(stored.integrity, 'unverified');
  assert.equal(stored.check, 'none');
});

test('a portal answering InitiateMultipartUpload 200 is NOT_OSS_RESPONSE', async (t) => {
  const server = await bucket(t);
  const portal = await startProxy(t, server.url, { portal: () => true });
  const [result] = await uploader(server, { endpoint: portal.url }).upload([await makeFile(2 * MiB)]);
  assert.equal(result.status, 'error');
  assert.equal(result.error.code, 'NOT_OSS_RESPONSE');
});

// ------------------------------------------------------------------ 5. damage where the CRC is hidden

test('PostObject: one byte flipped on the way, CRC-64 header hidden → INTEGRITY_MISMATCH (ETag vs MD5), never success', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(300 * KiB);
  let flipped = false;
  const proxy = await startProxy(t, server.url, {
    remove: ['x-oss-hash-crc64ecma'],
    corrupt: (req) => {
      if (req.method !== 'POST' || flipped) return undefined;
      flipped = true;
      return Number(req.headers['content-length']) - 200; // inside the file, before the closing boundary
    },
  });
  const [result] = await uploader(server, { endpoint: proxy.url }).upload([path]);
  assert.ok(proxy.log.some((e) => e.corrupted));
  assert.equal(result.status, 'error', 'a damaged object is not a success');
  assert.equal(result.error.code, 'INTEGRITY_MISMATCH');
  assert.match(result.error.message, /^integrity\/\S+\.bin: /);
  assert.equal(result.error.key.startsWith('integrity/'), true);
});

test('PostObject with the CRC-64 header hidden and no damage: verified by ETag-MD5', async (t) => {
  const server = await bucket(t);
  const proxy = await startProxy(t, server.url, { remove: ['x-oss-hash-crc64ecma'] });
  const path = await makeFile(300 * KiB);
  const [result] = await uploader(server, { endpoint: proxy.url }).upload([path]);
  await assertStored(server, result, path);
  assert.equal(result.integrity, 'verified');
  assert.equal(result.check, 'etag-md5');
});

for (const signatureVersion of ['v4', 'v1']) {
  test(`UploadPart (${signatureVersion}): a byte flipped on the way with the CRC-64 hidden is refused (Content-MD5) and sent again`, async (t) => {
    const server = await bucket(t);
    const path = await makeFile(2 * MiB + 7);
    let flipped = false;
    const proxy = await startProxy(t, server.url, {
      remove: ['x-oss-hash-crc64ecma'],
      corrupt: (req) => {
        if (req.method !== 'PUT' || !/partNumber=3&/.test(req.url) || flipped) return undefined;
        flipped = true;
        return 5000;
      },
    });
    const task = uploader(server, { endpoint: proxy.url, signatureVersion }).upload([path]);
    const retries = [];
    task.on('retry', (file, info) => retries.push(info.error.code));
    const [result] = await task;
    assert.ok(proxy.log.some((e) => e.corrupted));
    await assertStored(server, result, path);
    assert.deepEqual(retries, ['InvalidDigest']);
    assert.equal(result.integrity, 'verified');
    assert.equal(result.check, 'content-md5');
    assert.equal(ops(server, 'UploadPart', 400).length, 1);
  });
}

test('the local bucket refuses a part whose Content-MD5 does not match (InvalidDigest)', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(2 * MiB + 7);
  let flipped = false;
  const proxy = await startProxy(t, server.url, {
    corrupt: (req) => {
      if (req.method !== 'PUT' || flipped) return undefined;
      flipped = true;
      return 10;
    },
  });
  const [result] = await uploader(server, { endpoint: proxy.url, retry: 0 }).upload([path]);
  assert.equal(result.status, 'error');
  assert.equal(result.error.code, 'InvalidDigest');
  assert.equal(result.error.status, 400);
});

test('CompleteMultipartUpload carries Content-MD5: a part list damaged on the way is refused and sent again', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(2 * MiB + 7);
  let flipped = false;
  const proxy = await startProxy(t, server.url, {
    corrupt: (req) => {
      if (req.method !== 'POST' || !/[?&]uploadId=/.test(req.url) || flipped) return undefined;
      flipped = true;
      return Number(req.headers['content-length']) - 40; // inside the last <ETag>
    },
  });
  const task = uploader(server, { endpoint: proxy.url }).upload([path]);
  const retries = [];
  task.on('retry', (file, info) => retries.push(info.error.code));
  const [result] = await task;
  assert.ok(flipped);
  await assertStored(server, result, path);
  assert.deepEqual(retries, ['InvalidDigest']);
  assert.equal(ops(server, 'CompleteMultipartUpload', 400).length, 1);
});

// ------------------------------------------------------------------ 6. a settled task is over

test('a file whose parts fail: once the task settles no request starts and states stay put', async (t) => {
  const server = await bucket(t);
  const proxy = await startProxy(t, server.url, {});
  const path = await makeFile(20 * 128 * KiB);
  const checkpointDir = join(dir, `settled-${++counter}`);
  server.faults.add({ op: 'UploadPart', partNumber: 1, action: 'status', status: 403, code: 'AccessDenied' });
  server.faults.add({ op: 'UploadPart', partNumber: 2, action: 'status', status: 500, times: 2 });
  const task = uploader(server, {
    endpoint: proxy.url,
    checkpointDir,
    retry: { limit: 3, delay: 30, backoffLimit: 100, jitter: false },
  }).upload([path]);
  let settledAt = null;
  const late = [];
  for (const event of ['progress', 'retry', 'success', 'error', 'start'])
    task.on(event, () => settledAt !== null && late.push(event));
  task.on('complete', () => (settledAt = performance.now()));
  const [result] = await task;
  assert.equal(result.status, 'error');
  assert.equal(result.error.code, 'AccessDenied');
  await sleep(600);
  const after = proxy.log.filter((e) => e.at > settledAt);
  assert.deepEqual(
    after.map((e) => `${e.method} ${e.url.replace(/uploadId=\w+/, 'uploadId=…')}`),
    [],
    'no request after the task settled',
  );
  assert.equal(task.files[0].state, 'error');
  assert.deepEqual(late, []);
  assert.equal(ops(server, 'AbortMultipartUpload', 'any').length, 0, 'a resumable failure keeps its upload');
  assert.equal(checkpointFiles(checkpointDir).length, 1, 'and its checkpoint');
});

// ------------------------------------------------------------------ 10. cleanup

test('resuming a file under another keyPrefix aborts the old upload and forgets its checkpoint', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(20 * 128 * KiB);
  const checkpointDir = join(dir, `prefix-${++counter}`);
  server.faults.add({ op: 'UploadPart', partNumber: 5, action: 'status', status: 403, code: 'AccessDenied' });
  const first = uploader(server, { checkpointDir, keyPrefix: 'a', partConcurrency: 1 }).upload([path]);
  let oldUploadId;
  first.on('multipart', (file, info) => (oldUploadId = info.uploadId));
  const [failed] = await first;
  assert.equal(failed.status, 'error');
  assert.ok((await uploadsInProgress(server)).includes(oldUploadId));
  const [result] = await uploader(server, { checkpointDir, keyPrefix: 'b' }).upload([path]);
  await assertStored(server, result, path);
  assert.match(result.key, /^b\//);
  const aborted = server.requests.filter((r) => r.op === 'AbortMultipartUpload' && r.status === 204);
  assert.deepEqual(
    aborted.map((r) => r.uploadId),
    [oldUploadId],
  );
  assert.deepEqual(await uploadsInProgress(server), [], 'no upload is left on the bucket');
  assert.deepEqual(checkpointFiles(checkpointDir), []);
});

/** Runs `fn` with HOME and XDG_STATE_HOME set, then puts them back. */
async function withEnv(env, fn) {
  const saved = { HOME: process.env.HOME, XDG_STATE_HOME: process.env.XDG_STATE_HOME };
  Object.assign(process.env, env);
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete process.env[name];
  try {
    return await fn();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** An upload that fails at part 3, leaving a checkpoint in the default folder. */
async function leaveCheckpoint(server) {
  server.faults.add({ op: 'UploadPart', partNumber: 3, action: 'status', status: 403, code: 'AccessDenied' });
  const [result] = await uploader(server, { checkpointDir: undefined, partConcurrency: 1 }).upload([
    await makeFile(20 * 128 * KiB),
  ]);
  assert.equal(result.status, 'error');
  server.faults.clear();
}

test("Node's default checkpoint folder is the user's ($XDG_STATE_HOME/ossup), 0700, files 0600", async (t) => {
  const server = await bucket(t);
  const state = join(dir, `xdg-${++counter}`);
  await withEnv({ XDG_STATE_HOME: state, HOME: join(dir, `home-${counter}`) }, () => leaveCheckpoint(server));
  const folder = join(state, 'ossup');
  assert.equal((await stat(folder)).mode & 0o777, 0o700);
  const files = checkpointFiles(folder);
  assert.equal(files.length, 1);
  assert.equal((await stat(join(folder, files[0]))).mode & 0o777, 0o600);
});

test('without XDG_STATE_HOME the folder is ~/.local/state/ossup', async (t) => {
  const server = await bucket(t);
  const home = join(dir, `home-${++counter}`);
  await withEnv({ XDG_STATE_HOME: undefined, HOME: home }, () => leaveCheckpoint(server));
  assert.equal(checkpointFiles(join(home, '.local', 'state', 'ossup')).length, 1);
});

test('a symlink planted as the checkpoint folder is not followed', async (t) => {
  const server = await bucket(t);
  const state = join(dir, `xdg-${++counter}`);
  const home = join(dir, `home-${counter}`);
  const elsewhere = join(dir, `planted-${counter}`);
  await mkdir(state, { recursive: true });
  await mkdir(elsewhere, { recursive: true });
  await symlink(elsewhere, join(state, 'ossup'));
  await withEnv({ XDG_STATE_HOME: state, HOME: home }, () => leaveCheckpoint(server));
  assert.deepEqual(readdirSync(elsewhere), [], 'nothing was written through the link');
  assert.equal(checkpointFiles(join(home, '.local', 'state', 'ossup')).length, 1, 'the next folder of the user');
});

test('a checkpoint folder owned by another user is not used', async (t) => {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return t.skip('needs root to chown');
  const server = await bucket(t);
  const state = join(dir, `xdg-${++counter}`);
  const home = join(dir, `home-${counter}`);
  await mkdir(join(state, 'ossup'), { recursive: true, mode: 0o777 });
  chownSync(join(state, 'ossup'), 65534, 65534);
  await withEnv({ XDG_STATE_HOME: state, HOME: home }, () => leaveCheckpoint(server));
  assert.deepEqual(readdirSync(join(state, 'ossup')), []);
  assert.equal(checkpointFiles(join(home, '.local', 'state', 'ossup')).length, 1);
});
