// Multipart uploads inside the mini-program sandboxes: a 64 MiB file read part by part with
// FileSystemManager.readFile({ position, length }) and sent as ArrayBuffer bodies with
// wx/my/tt/uni.request, header-signed with STS credentials the page fetched from its app server.
// Byte-identical results on every platform, the WeChat request cap, resume after the app was
// killed (a new sandbox sharing the old one's storage), and faults mid-upload.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream, rmSync, symlinkSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBucketServer } from '../../www/server/bucket.mjs';
import { createSandbox } from './sandbox/index.mjs';

const MiB = 1024 * 1024;
const SIZE = 64 * MiB + 12345;
const PART = 4 * MiB;
const PARTS = Math.ceil(SIZE / PART); // 17
const PLATFORMS = ['wechat', 'alipay', 'douyin', 'uni'];
// uni-app code calls uni.*, which the package prefers over wx.* on mp-weixin.
const API = { wechat: 'wx', alipay: 'my', douyin: 'tt', uni: 'uni' };

// ---------------------------------------------------------------- one source file for every test

let dir;
let source; // { path, sha256 }

async function writeSource(file, size) {
  const handle = await open(file, 'w');
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(MiB);
  try {
    for (let written = 0; written < size; written += chunk.length) {
      const bytes = chunk.subarray(0, Math.min(chunk.length, size - written));
      randomFillSync(bytes); // no two parts alike: a part in the wrong place would show
      hash.update(bytes);
      await handle.write(bytes);
    }
  } finally {
    await handle.close();
  }
  return { path: file, sha256: hash.digest('hex') };
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ossup-multipart-sandbox-'));
  source = await writeSource(path.join(dir, 'source.mp4'), SIZE);
});
after(() => dir && rm(dir, { recursive: true, force: true }));

async function sha256(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * Puts the shared source file into a sandbox as `name` and returns its platform path: the
 * sandbox keeps a real file behind each path, which here is a link to the one source file
 * (no 64 MiB copy per sandbox).
 */
function addSource(sandbox, name) {
  const platformPath = sandbox.addFile(name, 0);
  const hostPath = sandbox.hostPath(platformPath);
  rmSync(hostPath);
  symlinkSync(source.path, hostPath);
  return platformPath;
}

// ---------------------------------------------------------------- servers

async function bucket(t) {
  const root = await mkdtemp(path.join(tmpdir(), 'ossup-multipart-sandbox-bucket-'));
  const server = await startBucketServer({ root, testMode: true });
  t.after(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });
  return server;
}

/** The app's STS endpoint (POST /api/sts), counting its calls. */
async function stsServer(t, server) {
  const hits = { sts: 0 };
  const app = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url !== '/api/sts') {
        res.writeHead(404);
        return res.end();
      }
      hits.sts++;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(server.issueSts({ ttlSeconds: 900 })));
    });
  });
  await new Promise((resolve) => app.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise((resolve) => {
        app.closeAllConnections();
        app.close(resolve);
      }),
  );
  return { url: `http://127.0.0.1:${app.address().port}`, hits };
}

function sandboxFor(t, platform, options) {
  const sandbox = createSandbox(platform, options);
  t.after(() => sandbox.close());
  return sandbox;
}

// ---------------------------------------------------------------- the page

/**
 * The page: credentials from the app server over the platform's request API, an uploader, one
 * upload with its events collected. Locals: `cfg`, `options`, `picked`, `pauseAt` (bytes: the
 * page pauses the task there, calls `onPaused()` and never resumes — the user left), `cancelAt`
 * (bytes: the page cancels there).
 */
const PAGE = `
  const api = typeof uni !== 'undefined' ? uni : typeof wx !== 'undefined' ? wx : typeof tt !== 'undefined' ? tt : my;
  const alipay = typeof my !== 'undefined' && api === my;
  const fetchSts = () =>
    new Promise((resolve, reject) => {
      const options = {
        url: cfg.app + '/api/sts',
        method: 'POST',
        data: '{}',
        dataType: 'json',
        success: (res) => ((alipay ? res.status : res.statusCode) === 200 ? resolve(res.data) : reject(new Error('sts failed'))),
        fail: (err) => reject(new Error(alipay ? 'my.request error ' + err.error : err.errMsg)),
      };
      options[alipay ? 'headers' : 'header'] = { 'content-type': 'application/json' };
      api.request(options);
    });
  const ossup = require('ossup');
  await ossup.ready();
  const uploader = ossup.createUploader(Object.assign({
    bucket: cfg.bucket,
    region: cfg.region,
    endpoint: cfg.endpoint,
    keyPrefix: 'videos',
    partSize: cfg.partSize,
    retry: { limit: 3, delay: 20, backoffLimit: 100 },
    credentials: fetchSts,
  }, options));
  const task = uploader.upload(picked);
  const progress = [];
  const retries = [];
  let multipart = null;
  let paused = false;
  task.on('progress', (e) => {
    progress.push(e.loaded);
    if (pauseAt !== undefined && !paused && e.loaded >= pauseAt) {
      paused = true;
      task.pause();
      if (onPaused) onPaused();
    }
    if (cancelAt !== undefined && e.loaded >= cancelAt) task.cancel();
  });
  task.on('multipart', (file, info) => { multipart = info; });
  task.on('retry', (file, info) => retries.push({ code: info.error.code, reason: info.reason || null, partNumber: info.error.partNumber }));
  const results = await task;
  const errorOf = (e) => e && { code: e.code, message: e.message };
  return { results: results.map((r) => Object.assign({}, r, { error: errorOf(r.error) })), progress, retries, multipart };
`;

function startPage(sandbox, server, app, { picked, options = {}, pauseAt, cancelAt, onPaused } = {}) {
  return sandbox.run(PAGE, {
    cfg: { bucket: server.bucket, region: server.region, endpoint: server.url, app: app.url, partSize: PART },
    options,
    picked,
    pauseAt,
    cancelAt,
    onPaused,
  });
}

async function runPage(sandbox, server, app, settings) {
  return sandbox.toHost(await startPage(sandbox, server, app, settings));
}

// ---------------------------------------------------------------- checks

/** The bucket's log entries for `op` (from index `from`) with `status` (200 unless 'any'). */
const ops = (server, op, status = 200, from = 0) =>
  server.requests.slice(from).filter((r) => r.op === op && (status === 'any' || r.status === status));

async function assertSameBytes(server, result) {
  assert.equal(result.status, 'success', result.error && `${result.error.code}: ${result.error.message}`);
  assert.equal(result.size, SIZE);
  assert.equal(await sha256(server.objectPath(result.key)), source.sha256, 'the stored object is the source');
  assert.equal(result.integrity, 'verified');
}

/** Checkpoints the uploader left in a sandbox's storage Map (values as the platform stores them). */
function checkpoints(storage) {
  const out = [];
  for (const [key, stored] of storage) {
    if (!key.startsWith('ossup:cp:')) continue;
    // The Map holds what wx.setStorageSync(key, data) / my.setStorageSync({ key, data }) was
    // given — the checkpoint as JSON text — in the sandbox's own envelope.
    out.push(JSON.parse(JSON.parse(stored).v));
  }
  return out;
}

async function until(check, what, timeoutMs = 20_000) {
  for (const started = Date.now(); !check();) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// ---------------------------------------------------------------- every platform

for (const platform of PLATFORMS) {
  const api = API[platform];
  test(`${platform}: a 64 MiB file goes up in parts read with readFile({ position, length }), byte-identical`, async (t) => {
    const server = await bucket(t);
    const app = await stsServer(t, server);
    const sandbox = sandboxFor(t, platform);
    const file = addSource(sandbox, 'holiday.mp4');
    const started = Date.now();
    const out = await runPage(sandbox, server, app, { picked: sandbox.chooseResult([file]) });
    t.diagnostic(`${platform}: ${SIZE} bytes in ${Date.now() - started} ms`);
    const [result] = out.results;
    await assertSameBytes(server, result);
    assert.match(result.key, /^videos\/\d{4}\/\d{2}\/\d{2}\/\d+-[0-9a-f]{16}\.mp4$/);
    assert.deepEqual(result.multipart, {
      uploadId: out.multipart.uploadId,
      parts: PARTS,
      partSize: PART,
      resumedParts: 0,
    });
    assert.match(result.etag, new RegExp(`^[0-9A-F]{32}-${PARTS}$`));
    assert.equal(ops(server, 'InitiateMultipartUpload').length, 1);
    assert.equal(ops(server, 'UploadPart').length, PARTS);
    assert.equal(ops(server, 'CompleteMultipartUpload').length, 1);
    assert.deepEqual(out.retries, []);
    assert.equal(app.hits.sts, 1);

    // Read a part at a time, never the whole file.
    const reads = sandbox.calls.filter((c) => c.api === `${api}.FileSystemManager.readFile`);
    assert.ok(reads.length >= PARTS, `${reads.length} reads`);
    for (const read of reads) {
      assert.equal(read.options.filePath, file);
      assert.equal(typeof read.options.position, 'number');
      assert.ok(read.options.length > 0 && read.options.length <= PART, `read of ${read.options.length} bytes`);
    }
    // Sent with the platform's request API, ArrayBuffer bodies of one part each.
    const puts = sandbox.http.filter((e) => e.api === `${api}.request` && e.method === 'PUT');
    assert.equal(puts.length, PARTS);
    assert.equal(
      puts.reduce((sum, e) => sum + e.bodyBytes, 0),
      SIZE,
    );
    assert.ok(puts.every((e) => e.status === 200 && e.requestHeaders['content-type'] === 'application/octet-stream'));
    assert.equal(sandbox.http.filter((e) => e.api.endsWith('.uploadFile')).length, 0);
    if (platform === 'wechat' || platform === 'uni') assert.ok(sandbox.maxConcurrent <= 10);

    // Progress: never backwards, ends at the size; the checkpoint is gone once complete.
    for (let i = 1; i < out.progress.length; i++)
      assert.ok(out.progress[i] >= out.progress[i - 1], 'progress went back');
    assert.equal(out.progress[out.progress.length - 1], SIZE);
    assert.deepEqual(checkpoints(sandbox.storage), []);
    assert.deepEqual(sandbox.errors, []);
  });
}

test('wechat: partConcurrency 20 stays within the default 8 requests, 2 below the 10-request cap', async (t) => {
  const server = await bucket(t);
  const app = await stsServer(t, server);
  const sandbox = sandboxFor(t, 'wechat', { maxConcurrent: 0 }); // uncapped: measures what was attempted
  const file = addSource(sandbox, 'holiday.mp4');
  server.faults.add({ op: 'UploadPart', action: 'delay', delayMs: 50, times: 1000 });
  const out = await runPage(sandbox, server, app, {
    picked: sandbox.chooseResult([file]),
    options: { partSize: MiB, partConcurrency: 20 },
  });
  await assertSameBytes(server, out.results[0]);
  assert.equal(out.results[0].multipart.parts, 65);
  assert.equal(sandbox.maxConcurrent, 8, `peak ${sandbox.maxConcurrent} requests at once`);
});

// ---------------------------------------------------------------- resume after the app is gone

describe('resume', () => {
  test('wechat: the app is killed mid-upload; a new one with the same storage sends only the missing parts', async (t) => {
    const server = await bucket(t);
    const app = await stsServer(t, server);
    const storage = new Map();
    // Parts answer 40 ms late, so several are in flight when the app dies.
    server.faults.add({ op: 'UploadPart', action: 'delay', delayMs: 40, times: 1000 });
    const first = createSandbox('wechat', { storage });
    t.after(() => first.close());
    const running = startPage(first, server, app, {
      picked: first.chooseResult([addSource(first, 'holiday.mp4')]),
      options: { partConcurrency: 2 },
    });
    running.catch(() => {});
    await until(() => checkpoints(storage)[0]?.parts.length >= 5, 'five parts are in the checkpoint');
    await first.close(); // the app is killed: open requests cut, no callback ever runs again
    await new Promise((resolve) => setTimeout(resolve, 300)); // late answers to the dead app land
    const [checkpoint] = checkpoints(storage);
    assert.ok(checkpoint, 'a checkpoint is in storage');
    const before = checkpoint.parts.map((p) => p.number);
    assert.ok(before.length >= 5 && before.length < PARTS, `${before.length} parts in the checkpoint`);
    server.faults.clear();
    const mark = server.requests.length;

    const second = sandboxFor(t, 'wechat', { storage });
    const out = await runPage(second, server, app, {
      picked: second.chooseResult([addSource(second, 'holiday.mp4')]),
    });
    const [result] = out.results;
    await assertSameBytes(server, result);
    assert.equal(result.key, checkpoint.key);
    assert.equal(result.multipart.uploadId, checkpoint.uploadId);
    assert.equal(result.multipart.resumedParts, before.length);
    const sent = ops(server, 'UploadPart', 200, mark).map((r) => r.partNumber);
    const missing = Array.from({ length: PARTS }, (_, i) => i + 1).filter((n) => !before.includes(n));
    assert.deepEqual(
      [...sent].sort((a, b) => a - b),
      missing,
      'exactly the parts the checkpoint lacked',
    );
    assert.equal(ops(server, 'ListParts', 200, mark).length, 1);
    assert.equal(ops(server, 'InitiateMultipartUpload', 'any').length, 1, 'no second upload was started');
    assert.deepEqual(checkpoints(storage), [], 'the checkpoint is removed after Complete');
    // Progress starts from the resumed bytes, not from 0.
    assert.equal(out.progress[0], before.length * PART);
  });

  test('alipay: pause, leave, come back: my.setStorageSync checkpoints resume the same file', async (t) => {
    const server = await bucket(t);
    const app = await stsServer(t, server);
    const storage = new Map();
    server.faults.add({ op: 'UploadPart', action: 'delay', delayMs: 40, times: 1000 });
    const first = createSandbox('alipay', { storage });
    t.after(() => first.close());
    // Alipay hands out a new random temp path each time: the app passes the file's name.
    const picked = (sandbox) => [{ path: addSource(sandbox, 'holiday.mp4'), name: 'holiday.mp4' }];
    // Paused once 24 MiB are sent: with at most 3 parts in flight, 3 or more are done.
    let paused;
    const pausedNow = new Promise((resolve) => (paused = resolve));
    const running = startPage(first, server, app, { picked: picked(first), pauseAt: 6 * PART, onPaused: paused });
    running.catch(() => {});
    await pausedNow;
    await new Promise((resolve) => setTimeout(resolve, 300)); // parts aborted by the pause settle
    const during = ops(server, 'UploadPart', 'any').length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(ops(server, 'UploadPart', 'any').length, during, 'no part was sent while paused');
    await first.close();
    const [checkpoint] = checkpoints(storage);
    const before = checkpoint.parts.map((p) => p.number);
    assert.ok(before.length >= 3 && before.length < PARTS, `${before.length} parts in the checkpoint`);
    server.faults.clear();
    const mark = server.requests.length;

    const second = sandboxFor(t, 'alipay', { storage });
    const out = await runPage(second, server, app, { picked: picked(second) });
    const [result] = out.results;
    await assertSameBytes(server, result);
    assert.equal(result.multipart.uploadId, checkpoint.uploadId);
    assert.equal(result.multipart.resumedParts, before.length);
    assert.equal(ops(server, 'UploadPart', 200, mark).length, PARTS - before.length);
    assert.deepEqual(checkpoints(storage), []);
  });

  test('alipay: the same file picked again (a new temp path) resumes too', async (t) => {
    const server = await bucket(t);
    const app = await stsServer(t, server);
    const storage = new Map();
    server.faults.add({ op: 'UploadPart', action: 'delay', delayMs: 40, times: 1000 });
    const first = createSandbox('alipay', { storage });
    t.after(() => first.close());
    let paused;
    const pausedNow = new Promise((resolve) => (paused = resolve));
    const running = startPage(first, server, app, {
      picked: first.chooseResult([addSource(first, 'holiday.mp4')]),
      pauseAt: 6 * PART,
      onPaused: paused,
    });
    running.catch(() => {});
    await pausedNow;
    await new Promise((resolve) => setTimeout(resolve, 300));
    await first.close();
    server.faults.clear();
    const second = sandboxFor(t, 'alipay', { storage });
    const out = await runPage(second, server, app, {
      picked: second.chooseResult([addSource(second, 'holiday.mp4')]),
    });
    await assertSameBytes(server, out.results[0]);
    assert.ok(out.results[0].multipart.resumedParts >= 3, `resumed ${out.results[0].multipart.resumedParts} parts`);
  });
});

// ---------------------------------------------------------------- faults mid-upload (WeChat)

describe('wechat: faults mid-upload', () => {
  test('500s, a 503 on Complete, dropped connections and a late answer end in identical bytes', async (t) => {
    const server = await bucket(t);
    const app = await stsServer(t, server);
    // A request timeout well above a part's time on a loaded 2-core machine (1.5 s gave a stray
    // TIMEOUT at load 20), and a late answer well past it.
    const sandbox = sandboxFor(t, 'wechat', { timeoutMs: 4000 });
    const file = addSource(sandbox, 'holiday.mp4');
    server.faults.add({ op: 'UploadPart', partNumber: 2, action: 'status', status: 500, times: 2 });
    server.faults.add({ op: 'UploadPart', partNumber: 5, action: 'drop-before', times: 1 });
    server.faults.add({ op: 'UploadPart', partNumber: 7, action: 'drop-after', times: 1 });
    server.faults.add({ op: 'UploadPart', partNumber: 11, action: 'delay', delayMs: 9000, times: 1 });
    server.faults.add({ op: 'CompleteMultipartUpload', action: 'status', status: 503, times: 1 });
    const out = await runPage(sandbox, server, app, { picked: sandbox.chooseResult([file]) });
    await assertSameBytes(server, out.results[0]);
    assert.deepEqual(out.retries.map((r) => r.code).sort(), [
      'InternalError',
      'InternalError',
      'InternalError',
      'NETWORK_ERROR',
      'NETWORK_ERROR',
      'TIMEOUT',
    ]);
    assert.equal(sandbox.http.filter((e) => e.error === 'timeout').length, 1);
    const stored = (n) => ops(server, 'UploadPart').filter((r) => r.partNumber === n).length;
    assert.equal(stored(2), 1);
    assert.equal(stored(3), 1, 'parts without faults were sent once');
  });

  test('an STS token that expires after part 4 is refreshed once over wx.request; done parts are not sent again', async (t) => {
    const server = await bucket(t);
    const app = await stsServer(t, server);
    const sandbox = sandboxFor(t, 'wechat');
    const file = addSource(sandbox, 'holiday.mp4');
    server.faults.add({ op: 'UploadPart', partNumber: 5, action: 'expire-token', times: 1 });
    const out = await runPage(sandbox, server, app, {
      picked: sandbox.chooseResult([file]),
      options: { partConcurrency: 1 },
    });
    await assertSameBytes(server, out.results[0]);
    assert.equal(app.hits.sts, 2, 'one credential request, one refresh');
    assert.deepEqual(out.retries, [
      { code: 'SecurityTokenExpired', reason: 'credentials-refreshed', partNumber: undefined },
    ]);
    assert.deepEqual(
      ops(server, 'UploadPart', 403).map((r) => r.partNumber),
      [5],
    );
    assert.equal(ops(server, 'UploadPart').length, PARTS, 'every part stored exactly once');
    assert.deepEqual(
      sandbox.http.filter((e) => e.url.endsWith('/api/sts')).map((e) => e.api),
      ['wx.request', 'wx.request'],
    );
  });

  test('a part that arrives damaged (CRC-64 differs) is sent again', async (t) => {
    const server = await bucket(t);
    const app = await stsServer(t, server);
    const sandbox = sandboxFor(t, 'wechat');
    const file = addSource(sandbox, 'holiday.mp4');
    server.faults.add({ op: 'UploadPart', partNumber: 3, action: 'corrupt', times: 1 });
    const out = await runPage(sandbox, server, app, { picked: sandbox.chooseResult([file]) });
    await assertSameBytes(server, out.results[0]);
    assert.deepEqual(out.retries, [{ code: 'CRC64_MISMATCH', reason: null, partNumber: 3 }]);
    assert.deepEqual(
      ops(server, 'UploadPart')
        .filter((r) => r.partNumber === 3)
        .map((r) => r.fault || 'clean'),
      ['corrupt', 'clean'],
    );
    assert.equal(ops(server, 'UploadPart').length, PARTS + 1);
  });

  // InitiateMultipartUpload is the one multipart request sent without the retry loop.
  for (const [what, setUp, expected] of [
    [
      'a 500 on InitiateMultipartUpload is retried',
      (server) => server.faults.add({ op: 'InitiateMultipartUpload', action: 'status', status: 500, times: 1 }),
      [{ code: 'InternalError', reason: null, partNumber: undefined }],
    ],
    [
      "a skewed device clock is corrected from the server's Date header before the first part",
      (server) => server.setClockOffset(20 * 60 * 1000),
      [{ code: 'RequestTimeTooSkewed', reason: 'clock-skew', partNumber: undefined }],
    ],
    [
      'an STS token rejected on InitiateMultipartUpload is refreshed once',
      (server) => server.faults.add({ op: 'InitiateMultipartUpload', action: 'expire-token', times: 1 }),
      [{ code: 'SecurityTokenExpired', reason: 'credentials-refreshed', partNumber: undefined }],
    ],
  ]) {
    test(what, async (t) => {
      const server = await bucket(t);
      const app = await stsServer(t, server);
      const sandbox = sandboxFor(t, 'wechat');
      const file = addSource(sandbox, 'holiday.mp4');
      setUp(server);
      const out = await runPage(sandbox, server, app, { picked: sandbox.chooseResult([file]) });
      await assertSameBytes(server, out.results[0]);
      assert.deepEqual(out.retries, expected);
      assert.equal(ops(server, 'InitiateMultipartUpload').length, 1);
    });
  }

  test('cancel mid-upload sends AbortMultipartUpload, which OSS accepts, and forgets the checkpoint', async (t) => {
    const server = await bucket(t);
    const app = await stsServer(t, server);
    const sandbox = sandboxFor(t, 'wechat');
    const file = addSource(sandbox, 'holiday.mp4');
    const out = await runPage(sandbox, server, app, {
      picked: sandbox.chooseResult([file]),
      options: { partConcurrency: 1 },
      cancelAt: 3 * PART,
    });
    assert.equal(out.results[0].status, 'canceled');
    assert.ok(out.multipart.uploadId);
    assert.deepEqual(checkpoints(sandbox.storage), []);
    const aborts = ops(server, 'AbortMultipartUpload', 'any');
    assert.deepEqual(
      aborts.map((r) => r.code || r.status),
      [204],
      'the upload and its parts are gone from the bucket',
    );
  });

  test('a completed object whose CRC-64 differs from the parts is CRC64_MISMATCH, not success', async (t) => {
    const server = await bucket(t);
    const app = await stsServer(t, server);
    const sandbox = sandboxFor(t, 'wechat');
    const file = addSource(sandbox, 'holiday.mp4');
    server.faults.add({ op: 'CompleteMultipartUpload', action: 'corrupt', times: 1 });
    const out = await runPage(sandbox, server, app, { picked: sandbox.chooseResult([file]) });
    assert.equal(out.results[0].status, 'error');
    assert.equal(out.results[0].error.code, 'CRC64_MISMATCH');
    assert.match(out.results[0].error.message, /differs from the parts'/);
  });
});
