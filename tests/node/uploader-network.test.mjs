// The uploader on links that are not loopback, emulated by a proxy in front of the local bucket:
// concurrency that grows with measured throughput up to its cap (and never past it), a stall
// watchdog that sends a silent request again on a new connection, and part sizes within OSS's
// rules for every file size.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ossup from '../../pkg/dist/node.mjs';
import { choosePartSize, MIN_PART_SIZE, MAX_PARTS } from '../../pkg/src/multipart.js';
import { startTestServer } from './bucket-helpers.mjs';
import { startProxy } from './fault-proxy.mjs';

const KiB = 1024;
const MiB = 1024 * KiB;
const dir = await mkdtemp(join(tmpdir(), 'ossup-network-'));
after(() => rm(dir, { recursive: true, force: true }));

let counter = 0;
async function makeFile(size, ext = 'bin') {
  const path = join(dir, `file-${++counter}.${ext}`);
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) bytes.writeUInt32LE((i * 2654435761 + counter) >>> 0, Math.min(i, size - 4));
  await writeFile(path, bytes);
  return path;
}

function uploader(server, endpoint, extra = {}) {
  return ossup.createUploader({
    bucket: server.bucket,
    region: server.region,
    endpoint,
    keyPrefix: 'net',
    checkpointDir: join(dir, `cp-${++counter}`),
    retry: { limit: 3, delay: 20, backoffLimit: 100 },
    credentials: async () => server.issueSts({ ttlSeconds: 900 }),
    ...extra,
  });
}

async function assertStored(server, result, path) {
  assert.equal(result.status, 'success', result.error && result.error.message);
  assert.deepEqual(await readFile(server.objectPath(result.key)), await readFile(path));
}

test('concurrency grows while throughput does, up to maxConcurrency and never past it', async (t) => {
  const server = await startTestServer(t, { testMode: true });
  // Each request's body is read at 256 KiB/s: more flows, more throughput.
  const proxy = await startProxy(t, server.url, { rate: 256 * KiB });
  const path = await makeFile(24 * MiB, 'mp4');
  const [result] = await uploader(server, proxy.url, { maxConcurrency: 12, partSize: 256 * KiB }).upload([path]);
  await assertStored(server, result, path);
  assert.equal(proxy.peak, 12);
});

test('a fixed concurrency is kept, on a link that would reward more', async (t) => {
  const server = await startTestServer(t, { testMode: true });
  const proxy = await startProxy(t, server.url, { rate: 2 * MiB });
  const paths = await Promise.all([1, 2, 3, 4, 5, 6].map(() => makeFile(600 * KiB, 'jpg')));
  const results = await uploader(server, proxy.url, { concurrency: 2 }).upload(paths);
  for (let i = 0; i < paths.length; i++) await assertStored(server, results[i], paths[i]);
  assert.equal(proxy.peak, 2);
});

test('a request that stops making progress is sent again on a new connection (stallTimeout)', async (t) => {
  const server = await startTestServer(t, { testMode: true });
  const stalled = new Set();
  // The first PostObject and the first UploadPart 3 go silent after 64 KiB of body.
  const proxy = await startProxy(t, server.url, {
    stall: (req) => {
      const which = req.method === 'POST' && req.url === '/' ? 'post' : /partNumber=3&/.test(req.url) ? 'part' : '';
      if (!which || stalled.has(which)) return undefined;
      stalled.add(which);
      return 64 * KiB;
    },
  });
  const small = await makeFile(300 * KiB, 'jpg');
  const big = await makeFile(9 * MiB, 'mp4');
  // Long enough that a healthy request on a loaded CI machine is not taken for a stalled one;
  // the two stalled ones never move again, so only the watchdog can finish this upload.
  const task = uploader(server, proxy.url, { stallTimeout: 3000, partSize: MiB }).upload([small, big]);
  const retries = [];
  task.on('retry', (file, info) => retries.push(info.error.code));
  const results = await task;
  await assertStored(server, results[0], small);
  await assertStored(server, results[1], big);
  assert.ok(retries.filter((code) => code === 'STALLED').length >= 2, retries.join(', '));
  assert.equal(proxy.log.filter((r) => r.stalled).length, 2);
  for (const request of proxy.log.filter((r) => r.stalled)) {
    const again = proxy.log.find((r) => r.url === request.url && r.method === request.method && !r.stalled);
    assert.ok(again, `${request.method} ${request.url} was sent again`);
    assert.notEqual(again.port, request.port, 'on a new connection');
  }
});

test("a resumed upload keeps its checkpoint's part size, whatever the concurrency is now", async (t) => {
  const server = await startTestServer(t, { testMode: true });
  const path = await makeFile(12 * MiB, 'mp4');
  const checkpointDir = join(dir, 'keep-cp');
  // Part 5 refused for good: the file fails with parts 1–4 done and its checkpoint kept.
  server.faults.add({
    op: 'UploadPart',
    partNumber: 5,
    action: 'status',
    status: 403,
    code: 'AccessDenied',
    message: 'test',
  });
  const [first] = await uploader(server, server.url, { checkpointDir, maxConcurrency: 2, partConcurrency: 1 }).upload([
    path,
  ]);
  assert.equal(first.status, 'error');
  const [second] = await uploader(server, server.url, { checkpointDir, maxConcurrency: 16 }).upload([path]);
  await assertStored(server, second, path);
  assert.equal(second.multipart.partSize, 384 * KiB); // 16 parts per flow of 2; 256 KiB for 16 flows
  assert.equal(second.multipart.resumedParts, 4);
});

test('part sizes obey OSS: at least 100 KiB but the last, at most 10,000 parts, 5 GiB each, 0 B to 48.8 TB', () => {
  const sizes = [0, 1, 99 * KiB, 8 * MiB, 12 * MiB + 7, 50e6, 1e9, 5 * 1024 * MiB, 1e12, 48.8e12];
  for (const size of sizes) {
    for (const options of [
      {},
      { flows: 8, max: MiB },
      { flows: 16, max: 5 * MiB },
      { flows: 8, max: MiB, flowRate: 4 * KiB, timeout: 30000 },
      { flows: 1, max: 5 * MiB, flowRate: 1e9, timeout: 60000 },
    ]) {
      for (const requested of [undefined, 100 * KiB, 5 * MiB]) {
        const part = choosePartSize(size, requested, options);
        const what = `${size} B, ${requested} requested, ${JSON.stringify(options)}: ${part}`;
        assert.ok(Number.isInteger(part) && part >= MIN_PART_SIZE, what);
        assert.ok(Math.ceil(size / part) <= MAX_PARTS, what);
        assert.ok(part <= 5 * 1024 * MiB, what);
        if (requested && size / requested <= MAX_PARTS) assert.equal(part, requested, what);
      }
    }
  }
  // Enough parts to keep every flow busy: 16 per flow.
  assert.equal(Math.ceil(50e6 / choosePartSize(50e6, undefined, { flows: 8, max: 5 * MiB })), 128);
  // On a slow link a part takes at most a quarter of the request time limit (Alipay: 30 s).
  assert.ok(choosePartSize(50e6, undefined, { flows: 8, max: MiB, flowRate: 30 * KiB, timeout: 30000 }) <= 225 * KiB);
});
