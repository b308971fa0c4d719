// The WeChat and Alipay example projects (examples/wechat-miniprogram, examples/alipay-miniprogram)
// run in the mini-program sandboxes: the page's own index.js with its Page({...}) and its own
// config.js, its handlers called as the view would call them, signing through the example app
// server (examples/server/server.mjs) and uploading to the local bucket server over real HTTP.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_ACCESS_KEYS, startBucketServer } from '../../www/server/bucket.mjs';
import { startAppServer } from '../../examples/server/server.mjs';
import { createSandbox } from './sandbox/index.mjs';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

let bucket;
let bucketRoot;
let app;

before(async () => {
  bucketRoot = await mkdtemp(path.join(tmpdir(), 'ossup-examples-bucket-'));
  bucket = await startBucketServer({ root: bucketRoot, testMode: true });
  const [accessKeyId, accessKeySecret] = Object.entries(DEFAULT_ACCESS_KEYS)[0];
  app = await startAppServer({
    port: 0,
    signing: { bucket: bucket.bucket, region: bucket.region, endpoint: bucket.url, accessKeyId, accessKeySecret },
    authenticate: () => 'guest', // the example pages sign in nobody: everyone is users/guest/
  });
});

after(async () => {
  await app.close();
  await bucket.close();
  await rm(bucketRoot, { recursive: true, force: true });
});

/** The example's page loaded in a sandbox, talking to the in-process app server. */
function openExample(t, platform, project) {
  const sandbox = createSandbox(platform);
  t.after(() => sandbox.close());
  const root = path.join(EXAMPLES, project);
  sandbox.requireFile(path.join(root, 'config.js')).apiBase = app.url;
  sandbox.requireFile(path.join(root, 'app.js'));
  sandbox.requireFile(path.join(root, 'pages/upload/index.js'));
  assert.equal(sandbox.pages.length, 1, 'the page registered itself with Page()');
  return { sandbox, page: sandbox.page };
}

function assertNoErrors(sandbox) {
  assert.deepEqual(
    sandbox.errors.map(({ error, where }) => `${where}: ${error && error.stack}`),
    [],
    'exceptions were thrown inside the sandbox',
  );
}

async function waitFor(condition, what, ms = 10000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Each uploaded file is in the bucket byte for byte, and its URL serves those bytes. */
async function assertArrived(sandbox, results, paths) {
  assert.equal(results.length, paths.length);
  for (const [i, result] of results.entries()) {
    assert.equal(result.status, 'success', `file ${i}: ${result.error && result.error.message}`);
    assert.match(result.key, /^users\/guest\/\d{4}\/\d{2}\/\d{2}\/\d+-[0-9a-f]{16}\.\w+$/, 'the server chose the key');
    const sent = sandbox.fileBytes(paths[i]);
    assert.ok(
      (await readFile(bucket.objectPath(result.key))).equals(sent),
      `file ${i} is byte-identical in the bucket`,
    );
    assert.equal(result.url, `${bucket.url}/${result.key}`);
    const served = Buffer.from(await (await fetch(result.url)).arrayBuffer());
    assert.ok(served.equals(sent), `file ${i}: its URL serves the same bytes`);
  }
}

const tap = (platform, index) =>
  platform === 'alipay' ? { target: { dataset: { index } } } : { currentTarget: { dataset: { index: String(index) } } };

const PROJECTS = [
  { platform: 'wechat', project: 'wechat-miniprogram', engine: 'WXWebAssembly', api: 'wx' },
  { platform: 'alipay', project: 'alipay-miniprogram', engine: 'wasm2js', api: 'my' },
];

for (const { platform, project, engine, api } of PROJECTS) {
  describe(`examples/${project}`, () => {
    test('onLoad loads the core; choosing photos uploads them with progress, results and thumbnails', async (t) => {
      const { sandbox, page } = openExample(t, platform, project);
      await page.onLoad();
      assert.equal(page.data.engine, engine);
      assert.equal(page.data.message, '');

      const photo = sandbox.addFile('holiday photo.jpg', 180 * 1024 + 7);
      const second = sandbox.addFile('IMG_0001.png', 64 * 1024);
      sandbox.queueChoice([photo, second]);
      const results = sandbox.toHost(await page.choose());
      await assertArrived(sandbox, results, [photo, second]);

      const data = sandbox.toHost(page.data);
      assert.equal(data.uploading, false);
      assert.equal(data.totalPercent, 100);
      assert.equal(data.message, '2 of 2 uploaded');
      for (const [i, file] of data.files.entries()) {
        assert.equal(file.state, 'success');
        assert.equal(file.percent, 100);
        assert.equal(file.url, results[i].url, 'the thumbnail shows the uploaded object');
        assert.equal(file.integrity, 'verified', "OSS's CRC-64 was compared with the file's");
        assert.equal(file.error, '');
      }
      // Progress reached the view in whole percents, ending at 100.
      const percents = sandbox.calls
        .filter((call) => call.api === 'setData')
        .map((call) => call.options['files[0].percent'])
        .filter((value) => value !== undefined);
      assert.ok(percents.length >= 1 && percents.every(Number.isInteger), `percents: ${percents}`);
      assert.equal(percents[percents.length - 1], 100);

      // Signed by the server: the page asked for one form per file and sent no secret.
      const signing = sandbox.http.filter((exchange) => String(exchange.url).startsWith(`${app.url}/api/upload-form`));
      assert.equal(signing.length, 2);
      const uploads = sandbox.calls.filter((call) => call.api === `${api}.uploadFile`);
      assert.equal(uploads.length, 2);
      for (const upload of uploads) {
        assert.equal(upload.options.formData['x-oss-signature-version'], 'OSS4-HMAC-SHA256');
        assert.ok(!JSON.stringify(upload.options).includes(Object.values(DEFAULT_ACCESS_KEYS)[0]), 'no secret');
        if (platform === 'alipay') {
          assert.equal(upload.options.fileName, 'file');
          assert.equal(upload.options.fileType, 'image');
        } else {
          assert.equal(upload.options.name, 'file');
        }
      }
      assertNoErrors(sandbox);
    });

    test('a closed picker uploads nothing; cancel stops a file in flight', async (t) => {
      const { sandbox, page } = openExample(t, platform, project);
      await page.onLoad();
      assert.equal(await page.choose(), null, 'nothing queued: the user closed the picker');
      assert.deepEqual(sandbox.toHost(page.data.files), []);

      const slow = sandbox.addFile('slow.jpg', 96 * 1024);
      bucket.faults.add({ op: 'PostObject', action: 'delay', delayMs: 30000 });
      t.after(() => bucket.faults.clear());
      sandbox.queueChoice([slow]);
      const running = page.choose();
      await waitFor(() => sandbox.calls.some((call) => call.api === `${api}.uploadFile`), 'the upload to start');
      assert.equal(page.data.uploading, true);
      page.cancelFile(tap(platform, 0));
      const results = sandbox.toHost(await running);
      assert.equal(results[0].status, 'canceled');
      assert.equal(results[0].error.code, 'ABORTED');
      const data = sandbox.toHost(page.data);
      assert.equal(data.files[0].state, 'canceled');
      assert.equal(data.uploading, false);
      assert.equal(data.message, '0 of 1 uploaded');
      assertNoErrors(sandbox);
    });

    test('a file the server refuses to sign fails alone, with the reason, without retries', async (t) => {
      const { sandbox, page } = openExample(t, platform, project);
      await page.onLoad();
      const ok = sandbox.addFile('ok.jpg', 2048);
      const refused = sandbox.addFile('scan.bmp', 2048); // image/*, but not on the server's list
      sandbox.queueChoice([ok, refused]);
      const results = sandbox.toHost(await page.choose());
      assert.equal(results[0].status, 'success');
      assert.equal(results[1].status, 'error');
      assert.equal(results[1].error.code, 'SIGN_FORM_FAILED');
      assert.equal(results[1].error.status, 400);
      const data = sandbox.toHost(page.data);
      assert.equal(data.files[1].state, 'error');
      assert.match(data.files[1].error, /^SIGN_FORM_FAILED: .*Only images and videos/);
      assert.equal(data.message, '1 of 2 uploaded');
      const asked = sandbox.http.filter((exchange) => String(exchange.url).startsWith(`${app.url}/api/upload-form`));
      assert.equal(asked.length, 2, 'a 4xx from the server is not retried');
      assertNoErrors(sandbox);
    });
  });
}

test('examples/alipay-miniprogram: a chosen video goes up with fileType "video"', async (t) => {
  const { sandbox, page } = openExample(t, 'alipay', 'alipay-miniprogram');
  await page.onLoad();
  const clip = sandbox.addFile('clip.mp4', 300 * 1024);
  sandbox.queueChoice([clip]);
  const results = sandbox.toHost(await page.chooseVideo());
  await assertArrived(sandbox, results, [clip]);
  const [upload] = sandbox.calls.filter((call) => call.api === 'my.uploadFile');
  assert.equal(upload.options.fileType, 'video');
  assert.equal(sandbox.toHost(page.data.files)[0].isVideo, true);
  assertNoErrors(sandbox);
});
