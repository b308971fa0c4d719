// A 300 MiB file through every mini-program sandbox (WeChat, Alipay with the wasm2js core,
// Douyin, uni-app): multipart with 8 MiB parts, each read with FileSystemManager.readFile and
// sent with the platform's request API, byte-identical in the bucket (SHA-256). The file is
// generated once, streamed to disk, shared by the sandboxes and deleted at the end; each
// platform's throughput is reported as a diagnostic.
import { test, before, after } from 'node:test';
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
const SIZE = 300 * MiB + 4321; // the last part is short
const PART = 8 * MiB;
const PARTS = Math.ceil(SIZE / PART); // 38
const API = { wechat: 'wx', alipay: 'my', douyin: 'tt', uni: 'uni' };

let dir;
let source; // { path, sha256 }
let server;
let app; // the STS endpoint the pages ask

async function sha256(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * MiB })) hash.update(chunk);
  return hash.digest('hex');
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ossup-multipart-big-'));
  // Streamed to disk 4 MiB at a time (never whole in memory), hashed on the way.
  const file = path.join(dir, 'source.mp4');
  const handle = await open(file, 'w');
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(4 * MiB);
  try {
    for (let written = 0; written < SIZE; written += chunk.length) {
      const bytes = chunk.subarray(0, Math.min(chunk.length, SIZE - written));
      randomFillSync(bytes);
      hash.update(bytes);
      await handle.write(bytes);
    }
  } finally {
    await handle.close();
  }
  source = { path: file, sha256: hash.digest('hex') };

  server = await startBucketServer({ root: path.join(dir, 'bucket'), testMode: true });
  app = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(server.issueSts({ ttlSeconds: 3600 })));
    });
  });
  await new Promise((resolve) => app.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  if (app) {
    app.closeAllConnections();
    await new Promise((resolve) => app.close(resolve));
  }
  if (server) await server.close();
  if (dir) await rm(dir, { recursive: true, force: true }); // the source file and the bucket
});

const PAGE = `
  const api = typeof uni !== 'undefined' ? uni : typeof wx !== 'undefined' ? wx : typeof tt !== 'undefined' ? tt : my;
  const alipay = typeof my !== 'undefined' && api === my;
  const fetchSts = () =>
    new Promise((resolve, reject) => {
      const options = {
        url: cfg.app,
        method: 'POST',
        data: '{}',
        dataType: 'json',
        success: (res) => resolve(res.data),
        fail: (err) => reject(new Error(alipay ? 'my.request error ' + err.error : err.errMsg)),
      };
      options[alipay ? 'headers' : 'header'] = { 'content-type': 'application/json' };
      api.request(options);
    });
  const ossup = require('ossup');
  await ossup.ready();
  const uploader = ossup.createUploader({
    bucket: cfg.bucket,
    region: cfg.region,
    endpoint: cfg.endpoint,
    keyPrefix: 'big',
    partSize: cfg.partSize,
    credentials: fetchSts,
  });
  const task = uploader.upload(picked);
  let events = 0;
  let last = 0;
  let backwards = false;
  task.on('progress', (e) => {
    events++;
    if (e.loaded < last) backwards = true;
    last = e.loaded;
  });
  const [result] = await task;
  return { result: Object.assign({}, result, { error: result.error && { code: result.error.code, message: result.error.message } }), engine: ossup.engine(), events, last, backwards };
`;

for (const platform of ['wechat', 'alipay', 'douyin', 'uni']) {
  const api = API[platform];
  test(`${platform}: a 300 MiB file uploads byte-identical in 8 MiB parts`, { timeout: 300_000 }, async (t) => {
    const sandbox = createSandbox(platform);
    t.after(() => sandbox.close());
    // The sandbox keeps a real file behind each platform path: link it to the shared source.
    const file = sandbox.addFile('movie.mp4', 0);
    const hostPath = sandbox.hostPath(file);
    rmSync(hostPath);
    symlinkSync(source.path, hostPath);

    const started = Date.now();
    const out = sandbox.toHost(
      await sandbox.run(PAGE, {
        cfg: {
          bucket: server.bucket,
          region: server.region,
          endpoint: server.url,
          app: `http://127.0.0.1:${app.address().port}/api/sts`,
          partSize: PART,
        },
        picked: sandbox.chooseResult([file]),
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const { result } = out;
    assert.equal(result.status, 'success', result.error && `${result.error.code}: ${result.error.message}`);
    t.diagnostic(
      `${platform} (${out.engine}): ${(SIZE / MiB).toFixed(0)} MiB in ${seconds.toFixed(1)} s = ${(SIZE / MiB / seconds).toFixed(1)} MiB/s`,
    );
    const stored = server.objectPath(result.key);
    assert.equal(await sha256(stored), source.sha256, 'the stored object is the source, byte for byte');
    assert.equal(result.size, SIZE);
    assert.equal(result.integrity, 'verified');
    assert.equal(result.multipart.parts, PARTS);
    assert.equal(result.multipart.partSize, PART);
    assert.equal(out.last, SIZE);
    assert.equal(out.backwards, false, 'progress never went back');
    const puts = sandbox.http.filter((e) => e.api === `${api}.request` && e.method === 'PUT');
    assert.equal(puts.length, PARTS);
    assert.ok(puts.every((e) => e.bodyBytes <= PART && e.status === 200));
    const reads = sandbox.calls.filter((c) => c.api === `${api}.FileSystemManager.readFile`);
    assert.ok(
      reads.every((c) => c.options.length <= PART),
      'read a part at a time',
    );
    if (platform === 'wechat' || platform === 'uni') assert.ok(sandbox.maxConcurrent <= 10);
    await rm(stored, { force: true }); // 300 MiB less on disk before the next platform
  });
}
