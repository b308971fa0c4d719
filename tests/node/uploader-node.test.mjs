// The uploader in Node against the local verifying bucket server: real HTTP, real bytes,
// every credential mode, the fault hooks, and input errors that must not reach the network.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBucketServer, DEFAULT_ACCESS_KEYS } from '../../www/server/bucket.mjs';
import * as ossup from '../../pkg/dist/node.mjs';

const [ACCESS_KEY_ID, ACCESS_KEY_SECRET] = Object.entries(DEFAULT_ACCESS_KEYS)[0];
const dir = await mkdtemp(join(tmpdir(), 'ossup-uploader-'));
after(() => rm(dir, { recursive: true, force: true }));

let fileCounter = 0;
async function makeFile(size, ext = 'bin') {
  const path = join(dir, `file-${++fileCounter}.${ext}`);
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + fileCounter) & 0xff;
  await writeFile(path, bytes);
  return path;
}

async function bucket(t, options = {}) {
  const root = await mkdtemp(join(tmpdir(), 'ossup-bucket-'));
  const server = await startBucketServer({ root, testMode: true, ...options });
  t.after(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });
  return server;
}

function stsUploader(server, extra = {}) {
  let calls = 0;
  const uploader = ossup.createUploader({
    bucket: server.bucket,
    region: server.region,
    endpoint: server.url,
    keyPrefix: 'tests',
    retry: { limit: 3, delay: 20, backoffLimit: 100 },
    credentials: async () => {
      calls++;
      return server.issueSts({ ttlSeconds: 900 });
    },
    ...extra,
  });
  return { uploader, credentialCalls: () => calls };
}

async function assertStored(server, result, path) {
  assert.equal(result.status, 'success', result.error && result.error.message);
  assert.deepEqual(await readFile(server.objectPath(result.key)), await readFile(path));
}

const posts = (server) => server.requests.filter((r) => r.op === 'PostObject');

test('STS mode uploads a batch byte for byte with progress, CRC checked', async (t) => {
  const server = await bucket(t);
  const paths = [await makeFile(1, 'jpg'), await makeFile(70_000, 'png'), await makeFile(3_000_000, 'mp4')];
  const { uploader } = stsUploader(server);
  const task = uploader.upload(paths);
  const last = {};
  let totalPercent = 0;
  task.on('progress', (e) => {
    last[e.file.index] = e.percent;
    totalPercent = e.totalPercent;
  });
  const results = await task;
  assert.equal(results.length, 3);
  for (let i = 0; i < 3; i++) {
    await assertStored(server, results[i], paths[i]);
    assert.equal(results[i].integrity, 'verified');
    assert.match(results[i].key, /^tests\/\d{4}\/\d{2}\/\d{2}\/\d+-[0-9a-f]{16}\.(jpg|png|mp4)$/);
    assert.equal(last[i], 100);
  }
  assert.equal(totalPercent, 100);
  assert.equal(posts(server).length, 3);
});

test('server-signed mode: signForm is called per file and its key wins', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(5000, 'png');
  const asked = [];
  const uploader = ossup.createUploader({
    signForm: async ({ key, name, size, contentType }) => {
      asked.push({ key, name, size, contentType });
      // What an app server does: its own prefix, the same package, a permanent key kept server-side.
      const form = ossup.buildPostForm({
        accessKeyId: ACCESS_KEY_ID,
        accessKeySecret: ACCESS_KEY_SECRET,
        region: server.region,
        bucket: server.bucket,
        key: `server-chosen/${size}.png`,
        contentType,
        contentLengthRange: [size, size],
      });
      return { host: server.url, fields: form.fields };
    },
  });
  const [result] = await uploader.upload([path]);
  assert.equal(result.key, 'server-chosen/5000.png');
  await assertStored(server, result, path);
  assert.equal(asked.length, 1);
  assert.equal(asked[0].contentType, 'image/png');
  assert.equal(asked[0].size, 5000);
});

test('V1 signatures work too', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(1234);
  const { uploader } = stsUploader(server, { signatureVersion: 'v1' });
  const [result] = await uploader.upload([{ path, name: '合照 2024.jpg' }]);
  await assertStored(server, result, path);
  assert.match(result.key, /\.jpg$/);
});

test('a permanent key is refused unless explicitly allowed', async (t) => {
  const server = await bucket(t);
  const options = {
    bucket: server.bucket,
    region: server.region,
    endpoint: server.url,
    accessKeyId: ACCESS_KEY_ID,
    accessKeySecret: ACCESS_KEY_SECRET,
  };
  assert.throws(
    () => ossup.createUploader(options),
    (e) => e.code === 'PERMANENT_KEY_REFUSED' && /readable by anyone/.test(e.message),
  );
  const uploader = ossup.createUploader({ ...options, dangerouslyAllowPermanentKey: true });
  const path = await makeFile(10);
  await assertStored(server, (await uploader.upload([path]))[0], path);
});

test('bad input fails before any request', async (t) => {
  const server = await bucket(t);
  assert.throws(() => ossup.createUploader({ region: 'cn-hangzhou', credentials: async () => ({}) }), {
    code: 'MISSING_OPTION',
  });
  assert.throws(() => ossup.createUploader({ bucket: 'b', credentials: async () => ({}) }), { code: 'MISSING_OPTION' });
  assert.throws(() => ossup.createUploader({ bucket: 'b', region: 'cn-hangzhou' }), { code: 'MISSING_CREDENTIALS' });
  assert.throws(
    () => ossup.createUploader({ bucket: 'b', region: 'r', credentials: async () => ({}), concurrency: 0 }),
    { code: 'INVALID_OPTION' },
  );
  const { uploader } = stsUploader(server, { maxFileSize: 100, accept: ['image/*'] });
  const empty = await makeFile(0, 'png');
  const big = await makeFile(101, 'png');
  const text = await makeFile(10, 'txt');
  const results = await uploader.upload([empty, big, text, join(dir, 'missing.png'), null]);
  assert.deepEqual(
    results.map((r) => r.error && r.error.code),
    ['FILE_EMPTY', 'FILE_TOO_LARGE', 'FILE_TYPE_NOT_ALLOWED', 'FILE_NOT_FOUND', 'INVALID_FILE'],
  );
  await assert.rejects(uploader.upload([]), { code: 'NO_FILES' });
  const limited = stsUploader(server, { maxFiles: 1 }).uploader;
  await assert.rejects(limited.upload([empty, big]), { code: 'TOO_MANY_FILES' });
  assert.equal(server.requests.length, 0);
});

test('500s and dropped connections are retried; the file lands once', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(20_000);
  server.faults.add({ op: 'PostObject', action: 'status', status: 500, times: 1 });
  server.faults.add({ op: 'PostObject', action: 'drop-before', times: 1 });
  const { uploader } = stsUploader(server);
  const retries = [];
  const task = uploader.upload([path]);
  task.on('retry', (file, info) => retries.push(info.error.code));
  const [result] = await task;
  await assertStored(server, result, path);
  assert.deepEqual(retries, ['InternalError', 'NETWORK_ERROR']);
  assert.equal(posts(server).filter((r) => r.status === 200).length, 1);
});

test('a lost response followed by FileAlreadyExists is confirmed by size and CRC, not reported as failure', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(40_000);
  server.faults.add({ op: 'PostObject', action: 'drop-after', times: 1 });
  const { uploader } = stsUploader(server);
  const [result] = await uploader.upload([path]);
  await assertStored(server, result, path);
  assert.equal(result.recovered, true);
  assert.deepEqual(
    posts(server).map((r) => r.code || r.status),
    [0, 'FileAlreadyExists'],
  );
  assert.ok(server.requests.some((r) => r.method === 'HEAD'));
});

test('FileAlreadyExists for someone else’s object stays an error', async (t) => {
  const server = await bucket(t);
  const mine = await makeFile(3000);
  const theirs = await makeFile(3000);
  const { uploader } = stsUploader(server);
  const [first] = await uploader.upload([theirs]);
  server.faults.add({ op: 'PostObject', action: 'drop-before', times: 1 });
  const [second] = await uploader.upload([mine], { key: () => first.key });
  assert.equal(second.status, 'error');
  assert.equal(second.error.code, 'FileAlreadyExists');
  assert.match(second.error.message, /forbid-overwrite/);
  assert.deepEqual(await readFile(server.objectPath(first.key)), await readFile(theirs));
});

test('a timeout is retried', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(100);
  server.faults.add({ op: 'PostObject', action: 'delay', delayMs: 1500, times: 1 });
  const { uploader } = stsUploader(server, { timeout: 300 });
  const retries = [];
  const task = uploader.upload([path]);
  task.on('retry', (file, info) => retries.push(info.error.code));
  const [result] = await task;
  assert.equal(retries[0], 'TIMEOUT');
  // The delayed first attempt stored the object before its answer was late: the retry met
  // FileAlreadyExists and confirmed it, or the retry itself stored it.
  await assertStored(server, result, path);
});

test('an expired STS token triggers one shared refresh for all uploads', async (t) => {
  const server = await bucket(t);
  const paths = await Promise.all([1, 2, 3, 4].map((i) => makeFile(1000 * i)));
  server.faults.add({ op: 'PostObject', action: 'expire-token', times: 4 });
  const { uploader, credentialCalls } = stsUploader(server, { concurrency: 4 });
  const results = await uploader.upload(paths);
  for (let i = 0; i < paths.length; i++) await assertStored(server, results[i], paths[i]);
  assert.equal(credentialCalls(), 2);
});

test("a skewed device clock is corrected from the server's Date header", async (t) => {
  const server = await bucket(t);
  t.after(() => ossup.setClockOffset(0));
  server.setClockOffset(20 * 60 * 1000);
  const path = await makeFile(500);
  const { uploader } = stsUploader(server);
  const reasons = [];
  const task = uploader.upload([path]);
  task.on('retry', (file, info) => reasons.push(info.reason || info.error.code));
  const [result] = await task;
  await assertStored(server, result, path);
  assert.deepEqual(reasons, ['clock-skew']);
  assert.ok(Math.abs(ossup.now() - Date.now() - 20 * 60 * 1000) < 5000);
});

test('a corrupted object is reported as CRC64_MISMATCH, never as success', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(9000);
  server.faults.add({ op: 'PostObject', action: 'corrupt', times: 1 });
  const { uploader } = stsUploader(server);
  const [result] = await uploader.upload([path]);
  assert.equal(result.status, 'error');
  assert.equal(result.error.code, 'CRC64_MISMATCH');
});

test('4xx other than the handled ones are not retried', async (t) => {
  const server = await bucket(t);
  const path = await makeFile(100);
  server.faults.add({
    op: 'PostObject',
    action: 'status',
    status: 403,
    code: 'AccessDenied',
    message: 'nope',
    times: 5,
  });
  const { uploader } = stsUploader(server);
  const [result] = await uploader.upload([path]);
  assert.equal(result.error.code, 'AccessDenied');
  assert.equal(result.error.status, 403);
  assert.ok(result.error.requestId);
  assert.equal(posts(server).length, 1);
});

test('cancel one file mid-upload; the others finish; concurrency is respected', async (t) => {
  const server = await bucket(t);
  const paths = await Promise.all([1, 2, 3, 4, 5].map((i) => makeFile(2000 + i)));
  let inFlight = 0;
  let maxInFlight = 0;
  const { uploader: base } = stsUploader(server);
  const transport = {
    ...base.transport,
    postObject(request) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const sent = base.transport.postObject(request);
      sent.promise.then(
        () => inFlight--,
        () => inFlight--,
      );
      return sent;
    },
  };
  const { uploader } = stsUploader(server, { concurrency: 2, transport });
  server.faults.add({ op: 'PostObject', key: 'tests/slow-0', action: 'delay', delayMs: 400, times: 1 });
  const task = uploader.upload(paths, { key: (file, index) => `tests/slow-${index}` });
  const canceled = [];
  task.on('cancel', (file) => canceled.push(file.index));
  setTimeout(() => task.cancel(0), 100);
  const results = await task;
  assert.equal(results[0].status, 'canceled');
  assert.deepEqual(canceled, [0]);
  for (let i = 1; i < paths.length; i++) await assertStored(server, results[i], paths[i]);
  assert.equal(maxInFlight, 2);
});

test('cancel all stops queued files before any request', async (t) => {
  const server = await bucket(t);
  const paths = await Promise.all([1, 2, 3].map((i) => makeFile(100 * i)));
  const { uploader } = stsUploader(server, { concurrency: 1 });
  server.faults.add({ op: 'PostObject', action: 'delay', delayMs: 300, times: 1 });
  const task = uploader.upload(paths);
  setTimeout(() => task.cancel(), 50);
  const results = await task;
  assert.deepEqual(
    results.map((r) => r.status),
    ['canceled', 'canceled', 'canceled'],
  );
  assert.ok(posts(server).length <= 1);
});

test('bytes and Blobs upload too', async (t) => {
  const server = await bucket(t);
  const { uploader } = stsUploader(server);
  const bytes = new Uint8Array([1, 2, 3, 4, 5]);
  const blob = new Blob([new Uint8Array(300).fill(7)], { type: 'image/png' });
  const [a, b] = await uploader.upload([{ data: bytes, name: 'a.bin' }, blob]);
  assert.deepEqual(new Uint8Array(await readFile(server.objectPath(a.key))), bytes);
  assert.deepEqual(await readFile(server.objectPath(b.key)), Buffer.alloc(300, 7));
});
