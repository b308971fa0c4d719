// Big files through multipart in Node against the local bucket server: byte-identical
// results, CRC-64 end to end, faults mid-upload, pause/resume, cancel, and resume after the
// uploading process is killed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBucketServer, DEFAULT_ACCESS_KEYS } from '../../www/server/bucket.mjs';
import * as ossup from '../../pkg/dist/node.mjs';

const MiB = 1024 * 1024;
const [ACCESS_KEY_ID, ACCESS_KEY_SECRET] = Object.entries(DEFAULT_ACCESS_KEYS)[0];
const dir = await mkdtemp(join(tmpdir(), 'ossup-multipart-'));
after(() => rm(dir, { recursive: true, force: true }));

let counter = 0;
async function makeFile(size) {
  const path = join(dir, `big-${++counter}.mp4`);
  const chunk = Buffer.alloc(MiB);
  const handle = await import('node:fs/promises').then((fs) => fs.open(path, 'w'));
  for (let written = 0; written < size; written += chunk.length) {
    for (let i = 0; i < chunk.length; i += 512) chunk.writeUInt32LE((written + i + counter) >>> 0, i);
    await handle.write(chunk, 0, Math.min(chunk.length, size - written));
  }
  await handle.close();
  return path;
}

async function sha256(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

async function bucket(t) {
  const root = await mkdtemp(join(tmpdir(), 'ossup-bucket-'));
  const server = await startBucketServer({ root, testMode: true });
  t.after(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });
  return server;
}

function uploader(server, extra = {}) {
  let calls = 0;
  const u = ossup.createUploader({
    partSize: MiB, // the tests count parts; the default (5 MiB in Node) has a test of its own
    bucket: server.bucket,
    region: server.region,
    endpoint: server.url,
    keyPrefix: 'big',
    checkpointDir: join(dir, `cp-${++counter}`),
    retry: { limit: 3, delay: 20, backoffLimit: 100 },
    credentials: async () => {
      calls++;
      return server.issueSts({ ttlSeconds: 900 });
    },
    ...extra,
  });
  u.credentialCalls = () => calls;
  return u;
}

const count = (server, op, status = 200) => server.requests.filter((r) => r.op === op && r.status === status).length;

async function assertSameBytes(server, result, path) {
  assert.equal(result.status, 'success', result.error && result.error.message);
  assert.equal(await sha256(server.objectPath(result.key)), await sha256(path));
}

test('a 64 MiB file goes up in parts, byte-identical, CRC verified end to end', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(64 * MiB + 12345);
  const u = uploader(server, { partSize: 4 * MiB });
  const task = u.upload([path]);
  let last = 0;
  let monotonic = true;
  task.on('progress', (e) => {
    if (e.loaded < last) monotonic = false;
    last = e.loaded;
  });
  const [result] = await task;
  await assertSameBytes(server, result, path);
  assert.equal(result.integrity, 'verified');
  assert.equal(result.multipart.parts, 17);
  assert.equal(count(server, 'UploadPart'), 17);
  assert.equal(count(server, 'CompleteMultipartUpload'), 1);
  assert.equal(last, 64 * MiB + 12345);
  assert.ok(monotonic, 'progress went backwards');
});

test('without partSize, a mid-size file goes in parts enough for every flow (16 per flow, at least 256 KiB)', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(12 * MiB + 7);
  const [result] = await uploader(server, { partSize: undefined }).upload([path]);
  await assertSameBytes(server, result, path);
  assert.equal(result.multipart.partSize, 256 * 1024);
  assert.equal(result.multipart.parts, 49);
  assert.equal(count(server, 'UploadPart'), 49);
});

test('V1 header signatures and server-signed requests (signRequest) both work', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(9 * MiB);
  const v1 = await uploader(server, { signatureVersion: 'v1' }).upload([path]);
  await assertSameBytes(server, v1[0], path);
  const signRequests = [];
  const serverSigned = ossup.createUploader({
    bucket: server.bucket,
    region: server.region,
    endpoint: server.url,
    keyPrefix: 'signed',
    resume: false,
    partSize: MiB,
    signForm: async () => {
      throw new Error('not used for big files');
    },
    // What an app server does with the same package: sign the request the client describes.
    signRequest: async (request) => {
      signRequests.push(`${request.method} ${Object.keys(request.query || {}).join(',')}`);
      return ossup.signHeaders({ ...request, accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET });
    },
  });
  const [result] = await serverSigned.upload([path]);
  await assertSameBytes(server, result, path);
  assert.equal(signRequests[0], 'POST uploads');
  assert.equal(signRequests.filter((s) => s.startsWith('PUT')).length, 9);
});

test('faults mid-upload: 500s, dropped connections and a corrupted part end in identical bytes', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(12 * MiB);
  server.faults.add({ op: 'UploadPart', partNumber: 2, action: 'status', status: 500, times: 2 });
  server.faults.add({ op: 'UploadPart', partNumber: 5, action: 'drop-before', times: 1 });
  server.faults.add({ op: 'UploadPart', partNumber: 7, action: 'drop-after', times: 1 });
  server.faults.add({ op: 'UploadPart', partNumber: 9, action: 'corrupt', times: 1 });
  server.faults.add({ op: 'CompleteMultipartUpload', action: 'status', status: 503, times: 1 });
  const u = uploader(server);
  const task = u.upload([path]);
  const retried = [];
  task.on('retry', (file, info) => retried.push(info.error.code));
  const [result] = await task;
  await assertSameBytes(server, result, path);
  // 2 × 500 and the 503 on Complete (the fault hook answers Code InternalError), two dropped
  // connections, one corrupted part.
  assert.deepEqual(retried.sort(), [
    'CRC64_MISMATCH',
    'InternalError',
    'InternalError',
    'InternalError',
    'NETWORK_ERROR',
    'NETWORK_ERROR',
  ]);
});

test('an STS token that expires after part k is refreshed once and the rest is re-signed', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(10 * MiB);
  server.faults.add({ op: 'UploadPart', partNumber: 4, action: 'expire-token', times: 1 });
  const u = uploader(server, { partConcurrency: 1 });
  const [result] = await u.upload([path]);
  await assertSameBytes(server, result, path);
  assert.equal(u.credentialCalls(), 2);
  assert.equal(count(server, 'UploadPart'), 10);
});

test('a corrupted whole object (Complete CRC differs) is an error, not a success', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(9 * MiB);
  server.faults.add({ op: 'CompleteMultipartUpload', action: 'corrupt', times: 1 });
  const [result] = await uploader(server).upload([path]);
  assert.equal(result.status, 'error');
  assert.equal(result.error.code, 'CRC64_MISMATCH');
});

test('pause stops new parts; resume finishes without resending done parts', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(16 * MiB);
  const u = uploader(server, { partConcurrency: 2 });
  const task = u.upload([path]);
  let paused = false;
  task.on('progress', (e) => {
    if (!paused && e.loaded >= 4 * MiB) {
      paused = true;
      task.pause();
    }
  });
  while (!paused) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 300));
  const during = count(server, 'UploadPart');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(count(server, 'UploadPart'), during, 'parts kept going while paused');
  assert.ok(during < 16);
  task.resume();
  const [result] = await task;
  await assertSameBytes(server, result, path);
  // Every part stored once, plus at most the in-flight ones that pause() aborted.
  assert.ok(count(server, 'UploadPart') <= 16 + 2);
});

test('cancel aborts the multipart upload on the server and forgets the checkpoint', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(12 * MiB);
  const checkpointDir = join(dir, 'cancel-cp');
  const u = uploader(server, { partConcurrency: 1, checkpointDir });
  const task = u.upload([path]);
  let uploadId;
  task.on('multipart', (file, info) => {
    uploadId = info.uploadId;
  });
  task.on('progress', (e) => {
    if (e.loaded >= 3 * MiB) task.cancel();
  });
  const [result] = await task;
  assert.equal(result.status, 'canceled');
  assert.ok(uploadId);
  assert.equal(count(server, 'AbortMultipartUpload', 204), 1);
  assert.deepEqual(
    (await readdir(checkpointDir)).filter((f) => f.includes('cp_')),
    [],
  );
});

test('kill the uploading process; a new one resumes from the checkpoint and sends only the missing parts', async (t) => {
  const server = await bucket(t);
  const partSize = 1 * MiB;
  const path = await makeFile(24 * MiB);
  const checkpointDir = join(dir, 'kill-cp');
  const credentials = server.issueSts({ ttlSeconds: 900 });
  const child = spawn(process.execPath, [
    new URL('./fixtures/upload-child.mjs', import.meta.url).pathname,
    JSON.stringify({
      endpoint: server.url,
      bucket: server.bucket,
      region: server.region,
      credentials,
      path,
      checkpointDir,
      partSize,
    }),
  ]);
  // Kill it hard once its checkpoint holds 5 parts (the server's count alone can run ahead of
  // what the child has recorded, on a loaded machine).
  const checkpointed = () => {
    try {
      return readdirSync(checkpointDir).reduce(
        (most, f) => Math.max(most, JSON.parse(readFileSync(join(checkpointDir, f), 'utf8')).parts?.length || 0),
        0,
      );
    } catch {
      return 0; // not written yet, or caught mid-write
    }
  };
  await new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (checkpointed() >= 5 && count(server, 'UploadPart') >= 6) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve();
      }
    }, 5);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (count(server, 'UploadPart') < 6) reject(new Error(`child exited early (${code})`));
    });
  });
  await new Promise((r) => child.once('exit', r).kill('SIGKILL') || setTimeout(r, 50));
  const before = count(server, 'UploadPart');
  assert.ok(before < 24, 'the child finished before it was killed');
  const resumed = ossup.createUploader({
    bucket: server.bucket,
    region: server.region,
    endpoint: server.url,
    keyPrefix: 'resume',
    partSize,
    checkpointDir,
    credentials: async () => server.issueSts({ ttlSeconds: 900 }),
  });
  const [result] = await resumed.upload([path]);
  await assertSameBytes(server, result, path);
  assert.ok(result.multipart.resumedParts >= 5, `resumed ${result.multipart.resumedParts} parts`);
  assert.equal(count(server, 'UploadPart') - before, 24 - result.multipart.resumedParts);
  assert.equal(count(server, 'InitiateMultipartUpload'), 1);
  assert.deepEqual(
    (await readdir(checkpointDir)).filter((f) => f.startsWith('ossup_cp__')),
    [],
  );
});

test('a 300 MiB file uploads from Node byte-identical', { timeout: 240000 }, async (t) => {
  const server = await bucket(t);
  const path = await makeFile(300 * MiB);
  const [result] = await uploader(server, { partSize: 8 * MiB }).upload([path]);
  await assertSameBytes(server, result, path);
  assert.equal(result.multipart.parts, 38);
  await rm(path);
});
