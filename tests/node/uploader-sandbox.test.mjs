// The uploader inside the mini-program sandboxes (WeChat, Alipay, Douyin, uni-app), against the
// local verifying bucket server: a page-like script requires the package, waits for ready(),
// creates an uploader whose credentials come from a tiny app server over the platform's own
// request API, and uploads what the platform's picker returned. The same scenarios as
// uploader-node.test.mjs — batch, server-signed forms, faults, bad input — plus what only a
// mini program has: the 10-request cap, headers via onHeadersReceived, Alipay's error numbers.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { startBucketServer, DEFAULT_ACCESS_KEYS } from '../../www/server/bucket.mjs';
import { crc64, crc64Header } from '../../www/server/crc64.mjs';
import * as ossup from '../../pkg/dist/node.mjs';
import { DIST_DIR, createSandbox } from './sandbox/index.mjs';

const [ACCESS_KEY_ID, ACCESS_KEY_SECRET] = Object.entries(DEFAULT_ACCESS_KEYS)[0];
const PLATFORMS = ['wechat', 'alipay', 'douyin', 'uni'];
const API = { wechat: 'wx', alipay: 'my', douyin: 'tt', uni: 'uni' };
const MiB = 1024 * 1024;

// ---------------------------------------------------------------- servers

async function bucket(t) {
  const root = await mkdtemp(path.join(tmpdir(), 'ossup-sandbox-uploader-'));
  const server = await startBucketServer({ root, testMode: true });
  t.after(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });
  return server;
}

/**
 * The app's own server, as the README recipes describe it: STS credentials, one signed form per
 * file (its own key under `signed/user-42/`), header signatures for multipart. Counts its calls.
 */
async function appServer(t, server, { delayMs = 0 } = {}) {
  const hits = { sts: 0, form: 0, sign: 0 };
  const forms = [];
  const routes = {
    '/api/sts': () => {
      hits.sts++;
      return server.issueSts({ ttlSeconds: 900 });
    },
    '/api/upload-form': ({ name, size, contentType, key }) => {
      hits.form++;
      forms.push({ name, size, contentType, key });
      const chosen = ossup.objectKey({ prefix: 'signed/user-42', name });
      const { fields } = ossup.buildPostForm({
        accessKeyId: ACCESS_KEY_ID,
        accessKeySecret: ACCESS_KEY_SECRET,
        region: server.region,
        bucket: server.bucket,
        key: chosen,
        contentType,
        contentLengthRange: [size, size],
        expiresIn: 600,
      });
      return { host: server.url, fields };
    },
    '/api/sign': (request) => {
      hits.sign++;
      return ossup.signHeaders({ ...request, accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET });
    },
  };
  const app = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () =>
      setTimeout(() => {
        const route = routes[new URL(req.url, 'http://x').pathname];
        if (!route || req.method !== 'POST') {
          res.writeHead(404, { 'Content-Type': 'application/json' });
          return res.end('{"message":"no such route"}');
        }
        const body = Buffer.concat(chunks).toString('utf8');
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(route(body ? JSON.parse(body) : {})));
      }, delayMs),
    );
  });
  await new Promise((resolve) => app.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise((resolve) => {
        app.closeAllConnections();
        app.close(resolve);
      }),
  );
  return { url: `http://127.0.0.1:${app.address().port}`, hits, forms };
}

function sandboxFor(t, platform, options) {
  const sandbox = createSandbox(platform, options);
  t.after(() => sandbox.close());
  return sandbox;
}

// ---------------------------------------------------------------- the page, inside the sandbox

/**
 * What a mini program page does: its platform's API object, a JSON POST over that API's
 * `request` (Alipay: `headers`, `status`, HTTP ≥ 400 in `fail`), the package, an uploader, and
 * an upload of the picker's result with every event collected. Locals: `cfg` (bucket, region,
 * endpoint, app), `mode` ('sts' | 'signForm' | 'signedWithBucket' | 'localSts'), `options`
 * (more uploader options), `picked`, `sts` (for 'localSts'), `cancelAfterMs` (cancel file 0
 * that long after the start).
 */
const PAGE = `
  const api = typeof uni !== 'undefined' ? uni : typeof wx !== 'undefined' ? wx : typeof tt !== 'undefined' ? tt : my;
  const alipay = typeof my !== 'undefined' && api === my;
  const postJson = (url, data) =>
    new Promise((resolve, reject) => {
      const options = {
        url,
        method: 'POST',
        data: JSON.stringify(data || {}),
        dataType: 'json',
        success: (res) => {
          const status = alipay ? res.status : res.statusCode;
          if (status === 200) resolve(res.data);
          else reject(Object.assign(new Error('HTTP ' + status), { status }));
        },
        fail: (err) =>
          reject(Object.assign(new Error(alipay ? 'my.request error ' + err.error + ': ' + err.errorMessage : err.errMsg), { status: err.status })),
      };
      options[alipay ? 'headers' : 'header'] = { 'content-type': 'application/json' };
      api.request(options);
    });

  const ossup = require('ossup');
  await ossup.ready();
  const base = { bucket: cfg.bucket, region: cfg.region, endpoint: cfg.endpoint, keyPrefix: 'sandbox/' + cfg.platform, retry: { limit: 3, delay: 20, backoffLimit: 100 } };
  const modes = {
    sts: { credentials: () => postJson(cfg.app + '/api/sts') },
    localSts: { credentials: async () => sts },
    signForm: {
      signForm: (file) => postJson(cfg.app + '/api/upload-form', file),
      signRequest: (request) => postJson(cfg.app + '/api/sign', request),
    },
  };
  // Server-signed mode needs no bucket (the form carries the host), except for multipart, where
  // the uploader addresses the bucket itself and the app server signs each request.
  modes.signedWithBucket = Object.assign({}, base, modes.signForm);
  const uploader = ossup.createUploader(Object.assign({}, mode === 'signForm' ? {} : base, modes[mode], options));
  const task = uploader.upload(picked);
  const progress = [];
  const retries = [];
  let complete = null;
  task.on('progress', (e) => {
    progress.push({ index: e.file.index, loaded: e.loaded, total: e.total, percent: e.percent, totalPercent: e.totalPercent, totalBytes: e.totalBytes });
  });
  task.on('retry', (file, info) => retries.push({ index: file.index, code: info.error.code, reason: info.reason || null, status: info.error.status }));
  if (cancelAfterMs !== undefined) setTimeout(() => task.cancel(0), cancelAfterMs);
  task.on('complete', (summary) => {
    complete = { successful: summary.successful.length, failed: summary.failed.length, canceled: summary.canceled.length };
  });
  const errorOf = (e) => e && { name: e.name, code: e.code, message: e.message, status: e.status, retryable: e.retryable, platformCode: e.platformCode, hint: e.hint };
  const results = await task;
  return {
    engine: ossup.engine(),
    now: ossup.now(),
    credentialMode: uploader.credentialMode,
    results: results.map((r) => Object.assign({}, r, { error: errorOf(r.error) })),
    progress,
    retries,
    complete,
  };
`;

async function runPage(sandbox, { server, app, mode = 'sts', options = {}, picked, sts, cancelAfterMs }) {
  const out = await sandbox.run(PAGE, {
    cfg: {
      bucket: server.bucket,
      region: server.region,
      endpoint: server.url,
      app: app && app.url,
      platform: sandbox.platform,
    },
    mode,
    options,
    picked,
    sts,
    cancelAfterMs,
  });
  return sandbox.toHost(out);
}

// ---------------------------------------------------------------- checks

const md5Upper = (bytes) => createHash('md5').update(bytes).digest('hex').toUpperCase();
const crcOf = (bytes) => crc64Header(crc64(bytes));
const posts = (server) => server.requests.filter((r) => r.op === 'PostObject');

/** A success result for `platformPath`: the stored bytes are the source's, and it says so. */
async function assertUploaded(server, sandbox, result, platformPath) {
  assert.equal(result.status, 'success', result.error && `${result.error.code}: ${result.error.message}`);
  const source = sandbox.fileBytes(platformPath);
  const stored = await readFile(server.objectPath(result.key));
  assert.ok(stored.equals(source), `${result.key}: the bucket holds different bytes`);
  assert.equal(result.size, source.length);
  assert.equal(result.url, `${server.url}/${result.key.split('/').map(encodeURIComponent).join('/')}`);
  if (result.multipart) assert.match(result.etag, new RegExp(`^[0-9A-F]{32}-${result.multipart.parts}$`));
  else assert.equal(result.etag, md5Upper(source));
  assert.equal(result.crc64, crcOf(source));
  assert.equal(result.integrity, 'verified', `${result.key}: the CRC-64 was compared with OSS's`);
}

/** Per file: progress never goes back and ends at 100 %; the total ends at 100 %. */
function assertProgress(progress, files) {
  for (let i = 0; i < files; i++) {
    const events = progress.filter((e) => e.index === i);
    assert.ok(events.length > 0, `file ${i} had progress events`);
    for (let k = 1; k < events.length; k++) assert.ok(events[k].loaded >= events[k - 1].loaded, `file ${i} went back`);
    assert.equal(events[events.length - 1].percent, 100, `file ${i} reached 100 %`);
  }
  assert.equal(progress[progress.length - 1].totalPercent, 100);
}

// ---------------------------------------------------------------- every platform

for (const platform of PLATFORMS) {
  const api = API[platform];
  describe(`${platform}: the uploader in the sandbox`, () => {
    test(`STS mode: a picker batch (two images and a video) goes up byte for byte, with progress and verified CRC-64`, async (t) => {
      const server = await bucket(t);
      const app = await appServer(t, server);
      const sandbox = sandboxFor(t, platform);
      const paths = [
        sandbox.addFile('tiny.jpg', 1),
        sandbox.addFile('photo.png', 70_000),
        sandbox.addFile('holiday.mp4', 5 * MiB + 17),
      ];
      const picked = sandbox.chooseResult(paths);
      const out = await runPage(sandbox, { server, app, picked });

      assert.equal(
        out.engine,
        platform === 'alipay' ? 'wasm2js' : platform === 'douyin' ? 'TTWebAssembly' : 'WXWebAssembly',
      );
      assert.equal(out.credentialMode, 'credentials');
      assert.equal(out.results.length, 3);
      for (let i = 0; i < 3; i++) {
        // 'verified' needs OSS's CRC-64 header: on WeChat, Douyin and uni-app it only comes through
        // UploadTask.onHeadersReceived (their uploadFile success carries no headers).
        await assertUploaded(server, sandbox, out.results[i], paths[i]);
        assert.match(
          out.results[i].key,
          new RegExp(`^sandbox/${platform}/\\d{4}/\\d{2}/\\d{2}/\\d+-[0-9a-f]{16}\\.(jpg|png|mp4)$`),
        );
        assert.equal(out.results[i].recovered, undefined);
      }
      assert.equal(path.extname(out.results[2].key), '.mp4');
      assertProgress(out.progress, 3);
      assert.equal(out.progress[out.progress.length - 1].totalBytes, 1 + 70_000 + 5 * MiB + 17);
      assert.deepEqual(out.retries, []);
      assert.deepEqual(out.complete, { successful: 3, failed: 0, canceled: 0 });
      // The object URL serves the stored bytes (the bucket is public-read).
      const fetched = Buffer.from(await (await fetch(out.results[2].url)).arrayBuffer());
      assert.ok(fetched.equals(sandbox.fileBytes(paths[2])));

      // What the platform saw: one credential request, one uploadFile per file under `file`.
      assert.equal(app.hits.sts, 1, 'credentials fetched once for the batch');
      const uploads = sandbox.http.filter((e) => e.api === `${api}.uploadFile`);
      assert.equal(uploads.length, 3);
      assert.ok(uploads.every((e) => e.status === 200 && e.file.field === 'file'));
      assert.deepEqual(
        sandbox.http.filter((e) => e.api === `${api}.request`).map((e) => e.url),
        [`${app.url}/api/sts`],
      );
      assert.equal(posts(server).length, 3);
      assert.deepEqual(sandbox.errors, []);
    });

    test('server-signed mode: signForm asks the app server over the platform request API; its keys win', async (t) => {
      const server = await bucket(t);
      const app = await appServer(t, server);
      const sandbox = sandboxFor(t, platform);
      const paths = [sandbox.addFile('a.jpg', 3000), sandbox.addFile('clip.mp4', 2 * MiB)];
      const out = await runPage(sandbox, { server, app, mode: 'signForm', picked: sandbox.chooseResult(paths) });
      assert.equal(out.credentialMode, 'signForm');
      for (let i = 0; i < 2; i++) {
        await assertUploaded(server, sandbox, out.results[i], paths[i]);
        assert.match(out.results[i].key, /^signed\/user-42\/\d{4}\/\d{2}\/\d{2}\/\d+-[0-9a-f]{16}\.(jpg|mp4)$/);
      }
      assert.equal(app.hits.form, 2);
      assert.equal(app.hits.sts, 0);
      const types = app.forms.map((f) => [f.size, f.contentType]).sort((a, b) => a[0] - b[0]);
      assert.deepEqual(types, [
        [3000, 'image/jpeg'],
        [2 * MiB, 'video/mp4'],
      ]);
      assert.ok(app.forms.every((f) => typeof f.key === 'string' && typeof f.name === 'string'));
      const requests = sandbox.http.filter((e) => e.api === `${api}.request`);
      assert.equal(requests.length, 2, 'one signing request per file, through the platform');
      assertProgress(out.progress, 2);
    });

    test('bad input fails before any network call', async (t) => {
      const server = await bucket(t);
      const sandbox = sandboxFor(t, platform);
      const cfg = { bucket: server.bucket, region: server.region, endpoint: server.url };
      const create = (options) => `const o = require('ossup'); await o.ready(); o.createUploader(${options});`;
      const missingBucket = await sandbox.thrown(create(`{ region: cfg.region, credentials: async () => ({}) }`), {
        cfg,
      });
      const missingRegion = await sandbox.thrown(create(`{ bucket: cfg.bucket, credentials: async () => ({}) }`), {
        cfg,
      });
      const noCredentials = await sandbox.thrown(
        create(`{ bucket: cfg.bucket, region: cfg.region, endpoint: cfg.endpoint }`),
        {
          cfg,
        },
      );
      assert.deepEqual([missingBucket.name, missingBucket.code], ['OssupError', 'MISSING_OPTION']);
      assert.match(missingBucket.message, /`bucket` is required/);
      assert.deepEqual([missingRegion.name, missingRegion.code], ['OssupError', 'MISSING_OPTION']);
      assert.match(missingRegion.message, /`region` is required/);
      assert.deepEqual([noCredentials.name, noCredentials.code], ['OssupError', 'MISSING_CREDENTIALS']);
      assert.match(noCredentials.message, /signForm|credentials/);

      const empty = sandbox.addFile('empty.jpg', 0);
      const big = sandbox.addFile('big.mp4', 2001);
      const fine = sandbox.addFile('fine.jpg', 2000);
      const out = await runPage(sandbox, {
        server,
        mode: 'localSts',
        sts: server.issueSts(),
        options: { maxFileSize: 2000 },
        picked: sandbox.chooseResult([empty, big]),
      });
      assert.deepEqual(
        out.results.map((r) => [r.status, r.error.code]),
        [
          ['error', 'FILE_EMPTY'],
          ['error', 'FILE_TOO_LARGE'],
        ],
      );
      assert.match(out.results[0].error.message, /0 bytes; the minimum is 1/);
      assert.match(out.results[1].error.message, /2001 bytes; the maximum is 2000/);
      assert.deepEqual(out.complete, { successful: 0, failed: 2, canceled: 0 });
      assert.deepEqual(sandbox.http, [], 'no request and no uploadFile was made');
      assert.deepEqual(server.requests, []);
      assert.ok(fine, 'a valid file exists beside them (not uploaded here)');
    });

    test(`progress moves while ${api}.uploadFile sends, not only at the end`, async (t) => {
      const server = await bucket(t);
      const sandbox = sandboxFor(t, platform);
      const file = sandbox.addFile('video.mp4', 6 * MiB);
      const out = await runPage(sandbox, {
        server,
        mode: 'localSts',
        sts: server.issueSts(),
        picked: sandbox.chooseResult([file]),
      });
      await assertUploaded(server, sandbox, out.results[0], file);
      const middle = out.progress.filter((e) => e.percent > 0 && e.percent < 100);
      assert.ok(middle.length >= 3, `${middle.length} progress events between 0 and 100 %`);
      assert.ok(
        middle.some((e) => e.totalPercent > 0 && e.totalPercent < 100),
        'totalPercent moves too',
      );
    });
  });
}

// ---------------------------------------------------------------- the WeChat request cap

describe('the 10-request cap (WeChat, uni-app)', () => {
  for (const platform of ['wechat', 'uni']) {
    test(`${platform}: concurrency 20 never has more than 10 requests open; nothing fails "exceed max"`, async (t) => {
      const server = await bucket(t);
      const app = await appServer(t, server);
      // Uncapped, so the peak is what the uploader attempted, not what the platform let through.
      const uncapped = sandboxFor(t, platform, { maxConcurrent: 0 });
      const capped = sandboxFor(t, platform); // old base libraries: the 11th call fails at once
      for (const sandbox of [uncapped, capped]) {
        const paths = Array.from({ length: 20 }, (_, i) => sandbox.addFile(`p${i}.jpg`, 40_000 + i));
        server.faults.add({ op: 'PostObject', action: 'delay', delayMs: 150, times: 20 });
        const out = await runPage(sandbox, {
          server,
          app,
          options: { concurrency: 20 },
          picked: sandbox.chooseResult(paths),
        });
        for (let i = 0; i < 20; i++) await assertUploaded(server, sandbox, out.results[i], paths[i]);
        assert.deepEqual(out.retries, []);
        assert.ok(sandbox.maxConcurrent <= 10, `peak ${sandbox.maxConcurrent} requests at once`);
        assert.equal(sandbox.maxConcurrent, 10, 'concurrency 20 is lowered to the cap, not below it');
        assert.deepEqual(
          sandbox.http.filter((e) => e.error === 'overflow'),
          [],
        );
      }
    });
  }

  for (const [mode, label] of [
    ['sts', 'STS mode'],
    ['signedWithBucket', 'server-signed mode'],
  ]) {
    test(`wechat: a big file (multipart) beside 19 small ones in ${label} stays within the cap`, async (t) => {
      const server = await bucket(t);
      const app = await appServer(t, server, { delayMs: 30 });
      const sandbox = sandboxFor(t, 'wechat', { maxConcurrent: 0 });
      const paths = [sandbox.addFile('big.mp4', 12 * MiB)];
      for (let i = 0; i < 19; i++) paths.push(sandbox.addFile(`p${i}.jpg`, 50_000));
      server.faults.add({ op: 'PostObject', action: 'delay', delayMs: 200, times: 19 });
      const out = await runPage(sandbox, {
        server,
        app,
        mode,
        options: { concurrency: 20, partSize: MiB },
        picked: sandbox.chooseResult(paths),
      });
      for (let i = 0; i < 20; i++) await assertUploaded(server, sandbox, out.results[i], paths[i]);
      assert.equal(out.results[0].multipart.parts, 12);
      t.diagnostic(`peak ${sandbox.maxConcurrent} requests at once`);
      assert.ok(sandbox.maxConcurrent <= 10, `peak ${sandbox.maxConcurrent} requests at once (WeChat allows 10)`);
    });
  }
});

// ---------------------------------------------------------------- faults

const FAULT_CODES = {
  // wx.uploadFile: errMsg "uploadFile:fail timeout" / the socket error; my.uploadFile: error 12.
  wechat: { timeout: 'TIMEOUT', dropped: 'NETWORK_ERROR' },
  alipay: { timeout: 'UPLOAD_FAILED', dropped: 'UPLOAD_FAILED' },
};

for (const platform of ['wechat', 'alipay']) {
  const api = API[platform];
  const codes = FAULT_CODES[platform];
  describe(`${platform}: faults`, () => {
    test('a 500 and a connection dropped before storing are retried; the file lands once', async (t) => {
      const server = await bucket(t);
      const app = await appServer(t, server);
      const sandbox = sandboxFor(t, platform);
      const file = sandbox.addFile('a.jpg', 20_000);
      server.faults.add({ op: 'PostObject', action: 'status', status: 500, times: 1 });
      server.faults.add({ op: 'PostObject', action: 'drop-before', times: 1 });
      const out = await runPage(sandbox, { server, app, picked: sandbox.chooseResult([file]) });
      await assertUploaded(server, sandbox, out.results[0], file);
      assert.deepEqual(
        out.retries.map((r) => r.code),
        ['InternalError', codes.dropped],
      );
      assert.deepEqual(
        posts(server).map((r) => r.status),
        [500, 0, 200],
      );
      if (platform === 'alipay') {
        const dropped = sandbox.http.filter((e) => e.api === 'my.uploadFile')[1];
        assert.equal(dropped.error, 'network');
      }
    });

    test('a lost response (stored, then the connection dropped) ends as one object, recovered: true', async (t) => {
      const server = await bucket(t);
      const app = await appServer(t, server);
      const sandbox = sandboxFor(t, platform);
      const file = sandbox.addFile('lost.jpg', 40_000);
      server.faults.add({ op: 'PostObject', action: 'drop-after', times: 1 });
      const out = await runPage(sandbox, { server, app, picked: sandbox.chooseResult([file]) });
      const [result] = out.results;
      assert.equal(result.status, 'success', result.error && result.error.message);
      assert.equal(result.recovered, true);
      assert.equal(result.integrity, 'verified');
      assert.equal(result.crc64, crcOf(sandbox.fileBytes(file)));
      assert.ok((await readFile(server.objectPath(result.key))).equals(sandbox.fileBytes(file)));
      assert.deepEqual(
        posts(server).map((r) => r.code || r.status),
        [0, 'FileAlreadyExists'],
      );
      // Confirmed by a HEAD sent with the platform's request API, after reading the file for its CRC.
      const heads = sandbox.http.filter((e) => e.api === `${api}.request` && e.method === 'HEAD');
      assert.equal(heads.length, 1);
      assert.equal(heads[0].status, 200);
      assert.ok(sandbox.calls.some((c) => c.api === `${api}.FileSystemManager.readFile`));
    });

    test('a request slower than the timeout is retried and confirmed', async (t) => {
      const server = await bucket(t);
      const app = await appServer(t, server);
      const sandbox = sandboxFor(t, platform, { timeoutMs: 400 });
      const file = sandbox.addFile('slow.jpg', 500);
      server.faults.add({ op: 'PostObject', action: 'delay', delayMs: 1500, times: 1 });
      const out = await runPage(sandbox, { server, app, picked: sandbox.chooseResult([file]) });
      const [result] = out.results;
      assert.equal(out.retries[0].code, codes.timeout);
      assert.equal(sandbox.http.filter((e) => e.api === `${api}.uploadFile`)[0].error, 'timeout');
      // The slow attempt stored the object before its answer came too late: the retry met
      // FileAlreadyExists and confirmed the stored bytes by size and CRC-64.
      assert.equal(result.status, 'success', result.error && result.error.message);
      assert.equal(result.recovered, true);
      assert.ok((await readFile(server.objectPath(result.key))).equals(sandbox.fileBytes(file)));
    });

    test('an expired STS token is refreshed once for all uploads in flight', async (t) => {
      const server = await bucket(t);
      const app = await appServer(t, server);
      const sandbox = sandboxFor(t, platform);
      const paths = [1, 2, 3, 4].map((i) => sandbox.addFile(`f${i}.jpg`, 1000 * i));
      server.faults.add({ op: 'PostObject', action: 'expire-token', times: 4 });
      const out = await runPage(sandbox, {
        server,
        app,
        options: { concurrency: 4 },
        picked: sandbox.chooseResult(paths),
      });
      for (let i = 0; i < 4; i++) await assertUploaded(server, sandbox, out.results[i], paths[i]);
      assert.equal(app.hits.sts, 2, 'one credential request at start, one shared refresh');
      assert.deepEqual(
        out.retries.map((r) => r.reason),
        ['credentials-refreshed', 'credentials-refreshed', 'credentials-refreshed', 'credentials-refreshed'],
      );
      assert.deepEqual(
        sandbox.http.filter((e) => e.api === `${api}.request`).map((e) => e.url),
        [`${app.url}/api/sts`, `${app.url}/api/sts`],
      );
    });

    test("a skewed device clock is corrected from the server's Date header", async (t) => {
      const server = await bucket(t);
      const app = await appServer(t, server);
      const sandbox = sandboxFor(t, platform);
      server.setClockOffset(20 * 60 * 1000);
      const file = sandbox.addFile('skew.jpg', 500);
      const out = await runPage(sandbox, { server, app, picked: sandbox.chooseResult([file]) });
      await assertUploaded(server, sandbox, out.results[0], file);
      assert.deepEqual(
        out.retries.map((r) => r.reason),
        ['clock-skew'],
      );
      assert.ok(Math.abs(out.now - Date.now() - 20 * 60 * 1000) < 5000, "the sandbox's signing clock moved");
      assert.deepEqual(
        posts(server).map((r) => r.status),
        [403, 200],
      );
    });

    test('a corrupted CRC-64 from OSS is CRC64_MISMATCH, never a success', async (t) => {
      const server = await bucket(t);
      const app = await appServer(t, server);
      const sandbox = sandboxFor(t, platform);
      const file = sandbox.addFile('bad.jpg', 9000);
      server.faults.add({ op: 'PostObject', action: 'corrupt', times: 1 });
      const out = await runPage(sandbox, { server, app, picked: sandbox.chooseResult([file]) });
      const [result] = out.results;
      assert.equal(result.status, 'error');
      assert.equal(result.error.code, 'CRC64_MISMATCH');
      assert.match(result.error.message, /corrupted/);
      assert.equal(posts(server).length, 1, 'not retried under the same key');
    });
  });
}

// ---------------------------------------------------------------- more platform-specific behaviour

describe('Alipay error numbers', () => {
  test('a path that does not exist: error 11 → FILE_NOT_FOUND saying where paths must come from', async (t) => {
    const server = await bucket(t);
    const sandbox = sandboxFor(t, 'alipay');
    const missing = 'https://resource/apml00000000000000000000000000000000.jpg';
    const out = await runPage(sandbox, {
      server,
      mode: 'localSts',
      sts: server.issueSts(),
      // As my.chooseImage gives it (a path, no size: stat with my.getFileInfo), and with a size
      // (straight to my.uploadFile).
      picked: [missing, { path: missing, size: 100 }],
    });
    for (const result of out.results) {
      assert.equal(result.status, 'error');
      assert.equal(result.error.name, 'OssupError');
      assert.equal(result.error.code, 'FILE_NOT_FOUND');
      assert.equal(result.error.platformCode, 11);
      assert.match(
        result.error.message,
        /error 11\): the file does not exist: filePath must come from my\.chooseImage/,
      );
    }
    assert.match(out.results[0].error.message, /^my\.getFileInfo failed/);
    assert.match(out.results[1].error.message, /^my\.uploadFile failed/);
    assert.deepEqual(out.retries, [], 'a missing file is not retried');
    const upload = sandbox.http.filter((e) => e.api === 'my.uploadFile');
    assert.equal(upload.length, 1);
    assert.equal(upload[0].startedAt, null, 'nothing reached the network');
    assert.deepEqual(server.requests, []);
  });

  test('http where https is required: error 20 → HTTPS_REQUIRED, not retried', async (t) => {
    const server = await bucket(t);
    const sandbox = sandboxFor(t, 'alipay', { requireHttps: true });
    const file = sandbox.addFile('a.jpg', 100);
    const out = await runPage(sandbox, {
      server,
      mode: 'localSts',
      sts: server.issueSts(),
      picked: sandbox.chooseResult([file]),
    });
    const [result] = out.results;
    assert.equal(result.error.code, 'HTTPS_REQUIRED');
    assert.equal(result.error.platformCode, 20);
    assert.match(result.error.message, /use an https endpoint/);
    assert.deepEqual(out.retries, []);
    assert.deepEqual(server.requests, []);
  });

  test('cancel while my.uploadFile is in flight: the task aborts (error 9) and the file is canceled, not failed', async (t) => {
    const server = await bucket(t);
    const sandbox = sandboxFor(t, 'alipay');
    const file = sandbox.addFile('long.mp4', 2 * MiB);
    // OSS holds its answer for 3 s; the page cancels after 300 ms.
    server.faults.add({ op: 'PostObject', action: 'delay', delayMs: 3000, times: 1 });
    const started = Date.now();
    const out = await runPage(sandbox, {
      server,
      mode: 'localSts',
      sts: server.issueSts(),
      picked: sandbox.chooseResult([file]),
      cancelAfterMs: 300,
    });
    assert.ok(Date.now() - started < 2500, 'cancel did not wait for the answer');
    const [result] = out.results;
    assert.equal(result.status, 'canceled');
    assert.equal(result.error.code, 'ABORTED');
    assert.deepEqual(out.complete, { successful: 0, failed: 0, canceled: 1 });
    assert.deepEqual(out.retries, []);
    const uploads = sandbox.http.filter((e) => e.api === 'my.uploadFile');
    assert.equal(uploads.length, 1, 'not retried');
    assert.equal(uploads[0].error, 'abort');
  });
});

test('wechat: a host missing from the legal domains is DOMAIN_NOT_ALLOWED, not retried', async (t) => {
  const server = await bucket(t);
  const sandbox = sandboxFor(t, 'wechat', { requireHttps: true });
  const file = sandbox.addFile('a.jpg', 100);
  const out = await runPage(sandbox, {
    server,
    mode: 'localSts',
    sts: server.issueSts(),
    picked: sandbox.chooseResult([file]),
  });
  assert.equal(out.results[0].error.code, 'DOMAIN_NOT_ALLOWED');
  assert.match(out.results[0].error.message, /legal domains/);
  assert.deepEqual(out.retries, []);
  assert.deepEqual(server.requests, []);
});

// ---------------------------------------------------------------- an unknown platform

test('a runtime with none of wx, my, tt, uni or XMLHttpRequest: createUploader throws UNSUPPORTED_PLATFORM', () => {
  // A bare logic layer: the language's intrinsics only, no WebAssembly (the wasm2js build needs none).
  const context = vm.createContext(
    {},
    { name: 'ossup-unknown-platform', codeGeneration: { strings: false, wasm: false } },
  );
  vm.runInContext('delete this.WebAssembly; delete this.console;', context);
  const source = readFileSync(path.join(DIST_DIR, 'wasm2js.cjs'), 'utf8');
  const module = { exports: {} };
  const load = new vm.Script(`(function (require, module, exports) {${source}\n})`, {
    filename: 'wasm2js.cjs',
  }).runInContext(context);
  load(
    (name) => {
      throw new Error(`no module ${name} here`);
    },
    module,
    module.exports,
  );
  const o = module.exports;
  assert.equal(o.engine(), 'wasm2js');
  assert.equal(o.isReady(), true);
  const check = vm.runInContext(
    `(function (o) {
      var seen = [];
      ['wx', 'my', 'tt', 'uni', 'XMLHttpRequest', 'WebAssembly', 'fetch', 'process', 'require'].forEach(function (name) {
        if (typeof this[name] !== 'undefined') seen.push(name);
      }, this);
      try {
        o.createUploader({ bucket: 'b', region: 'cn-hangzhou', credentials: async function () { return {}; } });
        return { seen: seen, error: null };
      } catch (e) {
        return { seen: seen, error: { name: e.name, code: e.code, message: e.message } };
      }
    })`,
    context,
  )(o);
  assert.deepEqual([...check.seen], []);
  assert.equal(check.error.name, 'OssupError');
  assert.equal(check.error.code, 'UNSUPPORTED_PLATFORM');
  assert.match(check.error.message, /no upload API found \(my, wx, tt, uni or XMLHttpRequest\): pass `transport`/);
  // The core still works there (signing needs no platform API).
  assert.match(o.objectKey({ name: 'a.jpg' }), /^\d{4}\/\d{2}\/\d{2}\/\d+-[0-9a-f]{16}\.jpg$/);
});
