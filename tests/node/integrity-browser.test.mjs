// Damage where the CRC-64 cannot be read, in headless Chromium through the real browser
// transport (XHR): the bucket sits behind a proxy whose CORS answers leave
// x-oss-hash-crc64ecma out of Access-Control-Expose-Headers (as many bucket CORS rules do),
// and that flips one byte of a request body on the way. The page is tests/browser/uploader.html.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchChromium } from '../../scripts/chromium.mjs';
import { PAGE_PATH, startSite } from './browser-site.mjs';
import { startBucketServer } from '../../www/server/bucket.mjs';
import { startProxy } from './fault-proxy.mjs';

const MiB = 1024 * 1024;

/** The bytes the page's makeFile(name, size, { seed }) builds: word i is imul(i + 1, 0x9e3779b1) ^ seed. */
function generated(size, seed) {
  const bytes = new Uint8Array(Math.ceil(size / 4) * 4);
  const words = new Uint32Array(bytes.buffer);
  for (let i = 0; i < words.length; i++) words[i] = Math.imul(i + 1, 0x9e3779b1) ^ seed;
  return Buffer.from(bytes.buffer, 0, size);
}
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

let root;
let bucket;
let site;
let browser;
const proxyRules = {}; // the tests set `corrupt` per case

// One proxy for the file (node:test's `after` closes it), its rules changed per test.
const closers = [];
before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'ossup-integrity-browser-'));
  bucket = await startBucketServer({ root, testMode: true });
  const proxy = await startProxy({ after: (fn) => closers.push(fn) }, bucket.url, proxyRules);
  proxyRules.unexpose = ['x-oss-hash-crc64ecma'];
  site = await startSite(bucket, proxy.url);
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  if (site) await site.close();
  for (const close of closers) await close();
  if (bucket) await bucket.close();
  if (root) await rm(root, { recursive: true, force: true });
});

async function openPage(t) {
  const context = await browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(site.url + PAGE_PATH);
  await page.waitForSelector('body[data-ready=true]', { timeout: 15_000 });
  return page;
}

/** Flips one byte of the first request that `matches`, then lets the rest through. */
function corruptOnce(matches, offsetOf) {
  const state = { done: false };
  proxyRules.corrupt = (req) => {
    if (state.done || !matches(req)) return undefined;
    state.done = true;
    return offsetOf(req);
  };
  return state;
}

async function upload(page, file, options) {
  await page.evaluate(({ file, options }) => startUpload({ files: [file], options }), { file, options });
  const [result] = await page.evaluate(() => window.run.done);
  const retries = await page.evaluate(() => window.run.retries.map((r) => r.code));
  return { result, retries };
}

test('browser multipart, CRC-64 hidden by CORS: a part damaged on the way is refused (Content-MD5) and sent again', async (t) => {
  const page = await openPage(t);
  const size = 6 * MiB + 333;
  const flipped = corruptOnce(
    (req) => req.method === 'PUT' && /partNumber=3&/.test(req.url),
    () => 4096,
  );
  const { result, retries } = await upload(
    page,
    { name: 'clip.mp4', size, seed: 23 },
    { partSize: MiB, multipartThreshold: MiB },
  );
  assert.ok(flipped.done, 'the proxy damaged part 3');
  assert.equal(result.status, 'success', result.error && `${result.error.code}: ${result.error.message}`);
  assert.equal(sha256(await readFile(bucket.objectPath(result.key))), sha256(generated(size, 23)));
  assert.deepEqual(retries, ['InvalidDigest']);
  assert.equal(result.integrity, 'verified');
  assert.equal(result.check, 'content-md5', 'the CRC-64 header was hidden from the page');
});

test('browser PostObject, CRC-64 hidden by CORS: a damaged file is INTEGRITY_MISMATCH, not success', async (t) => {
  const page = await openPage(t);
  const flipped = corruptOnce(
    (req) => req.method === 'POST' && req.url === '/',
    (req) => Number(req.headers['content-length']) - 300,
  );
  const { result } = await upload(page, { name: 'photo.jpg', size: 200_000, seed: 5, type: 'image/jpeg' }, {});
  assert.ok(flipped.done, 'the proxy damaged the form');
  assert.equal(result.status, 'error', 'a damaged object is not a success');
  assert.equal(result.error.code, 'INTEGRITY_MISMATCH');
  assert.match(result.error.message, /^browser\/\S+\.jpg: /);
});

test('browser PostObject, CRC-64 hidden by CORS, no damage: verified by the ETag (MD5)', async (t) => {
  const page = await openPage(t);
  proxyRules.corrupt = undefined;
  const size = 200_000;
  const { result } = await upload(page, { name: 'photo.jpg', size, seed: 6, type: 'image/jpeg' }, {});
  assert.equal(result.status, 'success', result.error && `${result.error.code}: ${result.error.message}`);
  assert.equal(sha256(await readFile(bucket.objectPath(result.key))), sha256(generated(size, 6)));
  assert.equal(result.integrity, 'verified');
  assert.equal(result.check, 'etag-md5');
});
