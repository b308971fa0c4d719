// The uploader in headless Chromium (the system's /usr/bin/chromium through playwright-core):
// tests/browser/uploader.html loads the browser build (pkg/dist/browser.mjs + ossup.wasm) from
// this test's own static server and uploads File objects straight to the bucket server on
// another origin — real CORS: the preflight for PUT, ETag and x-oss-hash-crc64ecma exposed.
// A PostObject batch from a file input, a 64 MiB multipart upload, pause → reload → resume from
// the localStorage checkpoint, and a 300 MiB file built in the page, byte-identical in the bucket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchChromium } from '../../scripts/chromium.mjs';
import { PAGE_PATH, startSite } from './browser-site.mjs';
import { startBucketServer } from '../../www/server/bucket.mjs';
import { crc64, crc64Header } from '../../www/server/crc64.mjs';

const MiB = 1024 * 1024;

// ---------------------------------------------------------------- the bytes the page builds

/** Word i of a generated file is imul(i + 1, 0x9e3779b1) ^ seed (the page's fill()). */
function fill(bytes, offset, seed) {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
  const first = offset >> 2;
  for (let i = 0; i < words.length; i++) words[i] = Math.imul(first + i + 1, 0x9e3779b1) ^ seed;
}

/** SHA-256 of the file the page's makeFile(name, size, { seed }) builds, computed in chunks. */
function generatedSha256(size, seed) {
  const hash = createHash('sha256');
  const chunk = new Uint8Array(8 * MiB);
  for (let offset = 0; offset < size; offset += chunk.length) {
    const length = Math.min(chunk.length, size - offset);
    fill(chunk, offset, seed);
    hash.update(chunk.subarray(0, length));
  }
  return hash.digest('hex');
}

async function sha256(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * MiB })) hash.update(chunk);
  return hash.digest('hex');
}

// ---------------------------------------------------------------- servers and the browser

let root;
let bucket;
let site; // the page's origin: the page, the package, /api/config, /api/sts
let browser;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'ossup-browser-bucket-'));
  bucket = await startBucketServer({ root, testMode: true });
  site = await startSite(bucket);
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  if (site) await site.close();
  if (bucket) await bucket.close();
  if (root) await rm(root, { recursive: true, force: true });
});

/** A fresh context (own localStorage) with the page loaded and ready; problems collected. */
async function openPage(t) {
  const context = await browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  await page.goto(site.url + PAGE_PATH);
  await page.waitForSelector('body[data-ready=true]', { timeout: 15_000 });
  return { page, problems };
}

const ops = (op, from, status = 200) =>
  bucket.requests.slice(from).filter((r) => r.op === op && (status === 'any' || r.status === status));

function assertResult(result) {
  assert.equal(result.status, 'success', result.error && `${result.error.code}: ${result.error.message}`);
  assert.equal(result.integrity, 'verified', 'the CRC-64 header was readable across origins');
}

// ---------------------------------------------------------------- tests

test('a batch from a file input goes up as PostObject with STS credentials, cross-origin, CRC-64 verified', async (t) => {
  const { page, problems } = await openPage(t);
  assert.notEqual(new URL(site.url).origin, new URL(bucket.url).origin, 'the bucket is another origin');
  assert.equal(await page.textContent('#log'), 'engine WebAssembly, random crypto.getRandomValues');
  const files = [
    { name: 'tiny.jpg', mimeType: 'image/jpeg', buffer: randomBytes(1) },
    { name: 'Plage à Sanya.png', mimeType: 'image/png', buffer: randomBytes(70_000) },
    { name: 'holiday.mp4', mimeType: 'video/mp4', buffer: randomBytes(5 * MiB + 3) },
  ];
  await page.setInputFiles('#files', files);
  // A 40 Mbit/s uplink (Chromium's own throttling), so upload progress has something to show.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 5,
    downloadThroughput: -1,
    uploadThroughput: 5 * MiB,
  });
  const mark = bucket.requests.length;
  const stsBefore = site.stsCalls;
  await page.evaluate(() => startUpload({ files: 'input' }));
  const results = await page.evaluate(() => window.run.done);
  const run = await page.evaluate(() => window.run);
  assert.equal(results.length, 3);
  for (let i = 0; i < files.length; i++) {
    const result = results[i];
    assertResult(result);
    const stored = await readFile(bucket.objectPath(result.key));
    assert.ok(stored.equals(files[i].buffer), `${files[i].name}: the bucket holds different bytes`);
    assert.equal(result.size, files[i].buffer.length);
    assert.equal(result.name, files[i].name);
    assert.equal(result.crc64, crc64Header(crc64(files[i].buffer)));
    assert.equal(result.etag, createHash('md5').update(files[i].buffer).digest('hex').toUpperCase());
    assert.match(result.key, /^browser\/\d{4}\/\d{2}\/\d{2}\/\d+-[0-9a-f]{16}\.(jpg|png|mp4)$/);
    assert.equal(result.url, `${bucket.url}/${result.key}`);
    const events = run.progress.filter((e) => e.index === i);
    assert.equal(events[events.length - 1].percent, 100, `${files[i].name} reached 100 %`);
  }
  assert.equal(run.progress[run.progress.length - 1].totalPercent, 100);
  assert.ok(
    run.progress.some((e) => e.index === 2 && e.percent > 0 && e.percent < 100),
    'XHR upload progress moved during the video',
  );
  assert.deepEqual(run.retries, []);
  assert.equal(ops('PostObject', mark).length, 3);
  assert.equal(site.stsCalls - stsBefore, 1, 'one STS request for the batch');
  assert.deepEqual(problems, []);
});

test('a 64 MiB file goes up in parts with XHR PUT, each part and the whole CRC-64 verified via exposed headers', async (t) => {
  const { page, problems } = await openPage(t);
  const size = 64 * MiB + 12345;
  const mark = bucket.requests.length;
  await page.evaluate(
    ({ size, partSize }) => startUpload({ files: [{ name: 'movie.mp4', size, seed: 64 }], options: { partSize } }),
    { size, partSize: 4 * MiB },
  );
  const [result] = await page.evaluate(() => window.run.done);
  const run = await page.evaluate(() => ({ ms: window.run.ms, progress: window.run.progress, left: checkpointKeys() }));
  t.diagnostic(`64 MiB in ${run.ms} ms`);
  assertResult(result);
  assert.equal(result.size, size);
  assert.deepEqual(result.multipart, {
    uploadId: result.multipart.uploadId,
    parts: 17,
    partSize: 4 * MiB,
    resumedParts: 0,
  });
  assert.equal(await sha256(bucket.objectPath(result.key)), generatedSha256(size, 64));
  assert.equal(ops('UploadPart', mark).length, 17);
  assert.equal(ops('CompleteMultipartUpload', mark).length, 1);
  assert.ok(ops('Preflight', mark).length >= 1, 'PUT with signed headers needed a CORS preflight');
  for (let i = 1; i < run.progress.length; i++) assert.ok(run.progress[i].loaded >= run.progress[i - 1].loaded);
  assert.equal(run.progress[run.progress.length - 1].loaded, size);
  assert.deepEqual(run.left, [], 'the localStorage checkpoint is removed after Complete');
  assert.deepEqual(problems, []);
});

test('pause, reload the page, pick the same file again: the upload resumes from localStorage with only the missing parts', async (t) => {
  const { page, problems } = await openPage(t);
  const size = 64 * MiB + 777;
  const spec = { name: 'resume.mp4', size, seed: 7, lastModified: 1700000000000 };
  const partSize = 4 * MiB;
  // Parts answer late, so the pause meets parts in flight.
  bucket.faults.add({ op: 'UploadPart', action: 'delay', delayMs: 40, times: 1000 });
  t.after(() => bucket.faults.clear());
  await page.evaluate(
    ({ spec, partSize }) =>
      startUpload({ files: [spec], options: { partSize, partConcurrency: 2 }, pauseAt: 5 * partSize }),
    { spec, partSize },
  );
  await page.waitForFunction(() => window.run.paused, null, { timeout: 20_000 });
  await new Promise((resolve) => setTimeout(resolve, 400)); // aborted parts settle
  const saved = await page.evaluate(() => checkpointKeys().map((key) => JSON.parse(localStorage.getItem(key))));
  assert.equal(saved.length, 1, 'one checkpoint in localStorage');
  const done = saved[0].parts.map((p) => p.number);
  assert.ok(done.length >= 3 && done.length < 17, `${done.length} parts were done before the pause`);
  const during = ops('UploadPart', 0, 'any').length;
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(ops('UploadPart', 0, 'any').length, during, 'nothing was sent while paused');

  await page.reload();
  await page.waitForSelector('body[data-ready=true]', { timeout: 15_000 });
  bucket.faults.clear();
  const mark = bucket.requests.length;
  await page.evaluate(({ spec, partSize }) => startUpload({ files: [spec], options: { partSize } }), {
    spec,
    partSize,
  });
  const [result] = await page.evaluate(() => window.run.done);
  assertResult(result);
  assert.equal(result.key, saved[0].key);
  assert.equal(result.multipart.uploadId, saved[0].uploadId);
  assert.equal(result.multipart.resumedParts, done.length);
  const sent = ops('UploadPart', mark).map((r) => r.partNumber);
  const missing = Array.from({ length: 17 }, (_, i) => i + 1).filter((n) => !done.includes(n));
  assert.deepEqual(
    [...sent].sort((a, b) => a - b),
    missing,
    'only the missing parts were sent',
  );
  assert.equal(ops('ListParts', mark).length, 1);
  assert.equal(ops('InitiateMultipartUpload', mark, 'any').length, 0, 'no new multipart upload');
  assert.equal(await sha256(bucket.objectPath(result.key)), generatedSha256(size, 7));
  assert.deepEqual(await page.evaluate(() => checkpointKeys()), []);
  assert.deepEqual(problems, []);
});

test(
  'a 300 MiB file built in the page (a Blob of 8 MiB chunks) arrives byte-identical',
  { timeout: 300_000 },
  async (t) => {
    const { page, problems } = await openPage(t);
    const size = 300 * MiB + 4321;
    const mark = bucket.requests.length;
    const started = Date.now();
    await page.evaluate(
      ({ size, partSize }) => startUpload({ files: [{ name: 'big.mp4', size, seed: 300 }], options: { partSize } }),
      { size, partSize: 8 * MiB },
    );
    const built = Date.now();
    const [result] = await page.evaluate(() => window.run.done);
    const seconds = (Date.now() - built) / 1000;
    t.diagnostic(
      `300 MiB: built in ${((built - started) / 1000).toFixed(1)} s, uploaded in ${seconds.toFixed(1)} s = ${(size / MiB / seconds).toFixed(1)} MiB/s`,
    );
    assertResult(result);
    assert.equal(result.size, size);
    assert.equal(result.multipart.parts, 38);
    assert.equal(ops('UploadPart', mark).length, 38);
    assert.equal(await sha256(bucket.objectPath(result.key)), generatedSha256(size, 300));
    await rm(bucket.objectPath(result.key), { force: true });
    assert.deepEqual(problems, []);
  },
);
