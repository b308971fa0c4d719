// The mini-program sandboxes themselves, without the uploader: each platform's globals, its
// way of loading the package, and real uploads of real bytes to the local bucket server with
// the platform's own uploadFile — shapes of success, failure, abort, timeout and the limits.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBucketServer } from '../../www/server/bucket.mjs';
import { crc64, crc64Header } from '../../www/server/crc64.mjs';
import { PACKAGE_WASM_PATH, createSandbox, fillerBytes, parseDataPath } from './sandbox/index.mjs';

const PLATFORMS = {
  wechat: { api: 'wx', engine: 'WXWebAssembly', wasmGlobal: 'WXWebAssembly', random: 'wx.getRandomValues' },
  uni: { api: 'uni', engine: 'WXWebAssembly', wasmGlobal: 'WXWebAssembly', random: 'wx.getRandomValues' },
  douyin: { api: 'tt', engine: 'TTWebAssembly', wasmGlobal: 'TTWebAssembly', random: 'tt.getRandomValues' },
  alipay: { api: 'my', engine: 'wasm2js', wasmGlobal: null, random: 'insecure' },
};
const errMsgPlatform = (platform) => platform !== 'alipay';

function sandboxFor(t, platform, options) {
  const sandbox = createSandbox(platform, options);
  t.after(() => sandbox.close());
  return sandbox;
}

/** Asserts the sandbox swallowed no exception from a callback or timer. */
function assertNoErrors(sandbox) {
  assert.deepEqual(
    sandbox.errors.map(({ error, where }) => `${where}: ${error && error.stack}`),
    [],
    'exceptions were thrown inside the sandbox',
  );
}

// ---------------------------------------------------------------- a tiny HTTP server for request tests

async function startPlainServer() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://local');
    const delay = Number(url.searchParams.get('delay') || 0);
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () =>
      setTimeout(() => {
        if (res.destroyed) return;
        const body = Buffer.concat(chunks);
        const route = url.pathname;
        if (route === '/json') {
          res.writeHead(200, { 'Content-Type': 'application/json', 'X-Sandbox': 'yes' });
          return res.end(JSON.stringify({ ok: true, method: req.method, bytes: body.length, query: url.search }));
        }
        if (route === '/echo') {
          res.writeHead(200, {
            'Content-Type': 'application/octet-stream',
            'X-Content-Type-Seen': req.headers['content-type'] || '',
          });
          return res.end(body);
        }
        if (route === '/bin') {
          res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
          return res.end(Buffer.from([0, 1, 2, 253, 254, 255]));
        }
        if (route === '/headers') {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          return res.end(JSON.stringify(req.headers));
        }
        if (route === '/missing') {
          res.writeHead(404, { 'Content-Type': 'application/json' });
          return res.end('{"error":"NoSuchThing"}');
        }
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('plain text');
      }, delay),
    );
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

// ---------------------------------------------------------------- snippets run inside the sandbox

/** Names a key, signs a V4 form with STS credentials and uploads `filePath` with the platform's uploadFile. */
const UPLOAD = `
  const ossup = require('ossup');
  await ossup.ready();
  const api = { wx: () => wx, uni: () => uni, tt: () => tt, my: () => my }[apiName]();
  const key = ossup.objectKey({ prefix: 'sandbox/' + apiName, name: fileName });
  const { fields } = ossup.buildPostForm({
    accessKeyId: sts.accessKeyId,
    accessKeySecret: sts.accessKeySecret,
    securityToken: sts.securityToken,
    region: server.region,
    bucket: server.bucket,
    key,
    contentType,
  });
  return await new Promise((resolve) => {
    const progress = [];
    let headers = null;
    let headersBeforeSuccess = false;
    const options = {
      url: server.url + '/',
      filePath,
      formData: fields,
      success: (res) => resolve({ ok: true, key, fields, res, headers, headersBeforeSuccess, progress }),
      fail: (err) => resolve({ ok: false, key, err, progress }),
    };
    if (apiName === 'my') {
      options.fileName = 'file';
      options.fileType = 'image';
    } else {
      options.name = 'file';
    }
    const task = api.uploadFile(options);
    task.onProgressUpdate((event) => {
      progress.push(event);
      if (abortAtFirstProgress) task.abort();
    });
    if (task.onHeadersReceived) {
      task.onHeadersReceived((event) => {
        headers = event.header;
        headersBeforeSuccess = true;
      });
    }
  });
`;

/** CRC-64 of a local file, read through the platform's FileSystemManager in chunks. */
const STREAMED_CRC = `
  const ossup = require('ossup');
  await ossup.ready();
  const fs = { wx: () => wx, uni: () => uni, tt: () => tt, my: () => my }[apiName]().getFileSystemManager();
  const read = (position, length) =>
    new Promise((resolve, reject) =>
      fs.readFile({ filePath, position, length, success: (res) => resolve(res.data), fail: reject }),
    );
  const crc = ossup.createCrc64();
  for (let position = 0; position < size; position += chunk) {
    const data = await read(position, Math.min(chunk, size - position));
    if (!(data instanceof ArrayBuffer)) throw new Error('readFile without encoding must give an ArrayBuffer');
    crc.update(data);
  }
  return crc.digest();
`;

// ---------------------------------------------------------------- per platform

let bucket;
let bucketRoot;
let plain;

before(async () => {
  bucketRoot = await mkdtemp(path.join(tmpdir(), 'ossup-sandbox-bucket-'));
  bucket = await startBucketServer({ root: bucketRoot, testMode: true });
  plain = await startPlainServer();
});

after(async () => {
  await bucket.close();
  await plain.close();
  await rm(bucketRoot, { recursive: true, force: true });
});

for (const [platform, expected] of Object.entries(PLATFORMS)) {
  describe(`${platform} sandbox`, () => {
    test('has only the globals the platform has', (t) => {
      const sandbox = sandboxFor(t, platform);
      const type = (name) => sandbox.evaluate(`typeof ${name}`);
      for (const name of [
        'TextEncoder',
        'TextDecoder',
        'fetch',
        'FormData',
        'Blob',
        'XMLHttpRequest',
        'crypto',
        'require',
        'module',
        'process',
        'Buffer',
        'setImmediate',
        'queueMicrotask',
        'structuredClone',
        'WebAssembly',
        'window',
        'self',
        'global',
      ]) {
        assert.equal(type(name), 'undefined', `${name} must be absent`);
      }
      for (const name of [
        'setTimeout',
        'clearTimeout',
        'setInterval',
        'clearInterval',
        'console',
        'Page',
        'App',
        'getApp',
      ]) {
        assert.notEqual(type(name), 'undefined', `${name} must be present`);
      }
      for (const name of ['Promise', 'JSON', 'Math', 'Date', 'Uint8Array', 'ArrayBuffer', 'DataView']) {
        assert.notEqual(type(name), 'undefined', `${name} must be present`);
      }
      assert.equal(type(expected.api), 'object');
      if (platform === 'uni') assert.equal(type('wx'), 'object', 'uni-app on mp-weixin also has wx');
      assert.equal(type('WXWebAssembly'), expected.wasmGlobal === 'WXWebAssembly' ? 'object' : 'undefined');
      assert.equal(type('TTWebAssembly'), expected.wasmGlobal === 'TTWebAssembly' ? 'object' : 'undefined');
      const noGlobalThis = platform === 'alipay' || platform === 'douyin';
      assert.equal(type('globalThis'), noGlobalThis ? 'undefined' : 'object');
      assert.equal(
        sandbox.evaluate('(function () { return typeof this; })()'),
        'object',
        'sloppy this is still the global',
      );
      assert.equal(type('BigInt'), platform === 'alipay' ? 'undefined' : 'function');
      assert.equal(typeof sandbox.evaluate('setTimeout(function () {}, 0)'), 'number', 'timer ids are numbers');
      assert.throws(
        () => sandbox.evaluate('eval("1 + 1")'),
        (error) => error.name === 'EvalError',
      );
      assert.throws(
        () => sandbox.evaluate('new Function("return 1")'),
        (error) => error.name === 'EvalError',
      );
    });

    test(`loads the package with ${expected.engine}`, async (t) => {
      const sandbox = sandboxFor(t, platform);
      const result = sandbox.toHost(
        await sandbox.run(`
          const ossup = require('ossup');
          const before = ossup.isReady();
          const loaded = await ossup.ready();
          return { before, engine: ossup.engine(), loaded: loaded.engine, random: ossup.randomSource(), key: ossup.objectKey({ name: 'a.jpg' }) };
        `),
      );
      assert.equal(result.engine, expected.engine);
      assert.equal(result.loaded, expected.engine);
      assert.equal(result.random, expected.random);
      assert.equal(result.before, platform === 'alipay', 'only the wasm2js build is ready on load');
      assert.match(result.key, /^\d{4}\/\d{2}\/\d{2}\/\d+-[0-9a-f]{16}\.jpg$/);
      const apis = sandbox.calls.map((call) => call.api);
      if (expected.wasmGlobal) {
        const load = sandbox.calls.find((call) => call.api === `${expected.wasmGlobal}.instantiate`);
        assert.deepEqual(load.options, { path: PACKAGE_WASM_PATH });
        assert.ok(apis.includes(expected.random), `the random pool is filled through ${expected.random}`);
      } else {
        assert.deepEqual(apis, [], 'the wasm2js build calls no platform API to load');
      }
      assertNoErrors(sandbox);
    });

    for (const size of [1, 1024, 3 * 1024 * 1024]) {
      test(`uploads ${size} bytes with a V4 form, STS credentials and ${expected.api}.uploadFile`, async (t) => {
        const sandbox = sandboxFor(t, platform);
        const filePath = sandbox.addFile('photo.jpg', size);
        const out = sandbox.toHost(
          await sandbox.run(UPLOAD, {
            apiName: expected.api,
            fileName: 'photo.jpg',
            filePath,
            contentType: 'image/jpeg',
            sts: bucket.issueSts(),
            server: { url: bucket.url, region: bucket.region, bucket: bucket.bucket },
            abortAtFirstProgress: false,
          }),
        );
        assert.ok(out.ok, `upload failed: ${JSON.stringify(out.err)}`);
        assert.equal(out.res.statusCode, 200);
        assert.equal(out.res.data, '');
        const stored = await readFile(bucket.objectPath(out.key));
        assert.ok(stored.equals(sandbox.fileBytes(filePath)), 'the stored object has the source bytes');

        let crcHeader;
        if (errMsgPlatform(platform)) {
          // WeChat/Douyin/uni: success has data and statusCode only; headers came before it.
          assert.deepEqual(Object.keys(out.res).sort(), ['data', 'errMsg', 'statusCode']);
          assert.equal(out.res.errMsg, 'uploadFile:ok');
          assert.ok(out.headersBeforeSuccess, 'onHeadersReceived fired before success');
          crcHeader = out.headers['x-oss-hash-crc64ecma'];
        } else {
          assert.deepEqual(Object.keys(out.res).sort(), ['data', 'header', 'statusCode']);
          crcHeader = out.res.header['x-oss-hash-crc64ecma'];
        }
        assert.match(crcHeader, /^\d+$/);

        // The platform sent the fields in order and the file last, under `file`.
        const sent = sandbox.http.find((entry) => entry.api.endsWith('.uploadFile'));
        assert.deepEqual(sent.fields, Object.keys(out.fields));
        assert.equal(sent.file.field, 'file');
        assert.equal(sent.file.contentType, 'image/jpeg');
        assert.equal(sent.file.size, size);
        assert.equal(sent.status, 200);
        assert.equal(sent.bytesSent, sent.bodyBytes);
        const last = out.progress[out.progress.length - 1];
        assert.equal(last.progress, 100);
        if (platform === 'alipay') assert.equal(last.totalBytesWritten, last.totalBytesExpectedToWrite);
        else assert.equal(last.totalBytesSent, last.totalBytesExpectedToSend);

        // The package's CRC-64 over the platform's file reads agrees with OSS.
        const crc = await sandbox.run(STREAMED_CRC, { apiName: expected.api, filePath, size, chunk: 16 * 1024 });
        assert.equal(crc, crcHeader);
        assertNoErrors(sandbox);
      });
    }

    test('readFile and readFileSync return the requested slice', async (t) => {
      const sandbox = sandboxFor(t, platform);
      const filePath = sandbox.addFile('clip.mp4', 5000);
      const source = sandbox.fileBytes(filePath);
      const out = await sandbox.run(
        `
        const fs = api.getFileSystemManager();
        const call = (name, options) =>
          new Promise((resolve) => fs[name]({ ...options, success: (res) => resolve({ res }), fail: (err) => resolve({ err }) }));
        const slice = await call('readFile', { filePath, position: 100, length: 50 });
        const whole = await call('readFile', { filePath });
        const text = await call('readFile', { filePath, position: 0, length: 12, encoding: 'base64' });
        const outOfRange = await call('readFile', { filePath, position: 4990, length: 50 });
        const missing = await call('readFile', { filePath: filePath + '.nope' });
        const info = await call('getFileInfo', { filePath });
        const stat = await call('stat', { path: filePath });
        let syncError = null;
        try { fs.readFileSync(filePath + '.nope'); } catch (error) { syncError = { isError: error instanceof Error, message: error.message }; }
        return {
          sliceIsArrayBuffer: slice.res.data instanceof ArrayBuffer,
          slice: new Uint8Array(slice.res.data),
          wholeLength: whole.res.data.byteLength,
          syncSlice: new Uint8Array(fs.readFileSync(filePath, undefined, 10, 5)),
          syncUtf8Type: typeof fs.readFileSync(filePath, 'utf8'),
          base64: text.res.data,
          outOfRange: outOfRange.err,
          missing: missing.err,
          size: info.res.size,
          statSize: stat.res.stats.size,
          isFile: stat.res.stats.isFile(),
          syncError,
        };
      `,
        { api: sandbox.evaluate(expected.api), filePath },
      );
      const result = sandbox.toHost(out);
      assert.ok(result.sliceIsArrayBuffer);
      assert.deepEqual(Buffer.from(result.slice), source.subarray(100, 150));
      assert.equal(result.wholeLength, 5000);
      assert.deepEqual(Buffer.from(result.syncSlice), source.subarray(10, 15));
      assert.equal(result.syncUtf8Type, 'string');
      assert.equal(result.base64, source.subarray(0, 12).toString('base64'));
      assert.equal(result.size, 5000);
      assert.equal(result.statSize, 5000);
      assert.ok(result.isFile);
      assert.ok(result.syncError.isError, 'readFileSync throws a sandbox Error');
      if (errMsgPlatform(platform)) {
        assert.match(result.outOfRange.errMsg, /^readFile:fail .*out of range/);
        assert.match(result.missing.errMsg, /^readFile:fail no such file or directory/);
        assert.match(result.syncError.message, /^readFileSync:fail no such file or directory/);
      } else {
        assert.equal(typeof result.outOfRange.error, 'number');
        assert.equal(result.missing.error, 11);
      }
      assertNoErrors(sandbox);
    });

    test(`${expected.api}.request gives the platform's response shape`, async (t) => {
      const sandbox = sandboxFor(t, platform);
      const out = await sandbox.run(
        `
        const call = (options) =>
          new Promise((resolve) => {
            const task = api.request({ ...options, success: (res) => resolve({ res, headers }), fail: (err) => resolve({ err, headers }) });
            let headers = null;
            if (task.onHeadersReceived) task.onHeadersReceived((event) => { headers = event.header; });
          });
        const headerOption = apiName === 'my' ? 'headers' : 'header';
        const json = await call({ url: base + '/json?x=1', method: 'POST', data: { a: 1 } });
        const text = await call({ url: base + '/text', dataType: 'text' });
        const binary = await call({ url: base + '/bin', ...(apiName === 'my' ? { dataType: 'arraybuffer' } : { responseType: 'arraybuffer' }) });
        const sentHeaders = await call({ url: base + '/headers', [headerOption]: { 'X-Custom': 'v', Referer: 'https://evil.example' } });
        const echo = await call({ url: base + '/echo', method: 'PUT', data: new Uint8Array([1, 2, 3]).buffer, [headerOption]: { 'Content-Type': 'application/octet-stream' }, ...(apiName === 'my' ? { dataType: 'arraybuffer' } : { responseType: 'arraybuffer' }) });
        const missing = await call({ url: base + '/missing' });
        return {
          json, text,
          binaryIsArrayBuffer: (binary.res.data instanceof ArrayBuffer),
          binary: new Uint8Array(binary.res.data),
          sentHeaders: sentHeaders.res.data,
          echo: new Uint8Array(echo.res.data),
          missing,
        };
      `,
        { api: sandbox.evaluate(expected.api), apiName: expected.api, base: plain.url },
      );
      const result = sandbox.toHost(out);
      assert.ok(result.binaryIsArrayBuffer);
      assert.deepEqual([...result.binary], [0, 1, 2, 253, 254, 255]);
      assert.deepEqual([...result.echo], [1, 2, 3], 'an ArrayBuffer body travels as bytes');
      assert.equal(result.sentHeaders['x-custom'], 'v');
      assert.doesNotMatch(result.sentHeaders.referer, /evil/, 'the platform sets the Referer itself');
      assert.equal(result.text.res.data, 'plain text');
      if (errMsgPlatform(platform)) {
        const { res, headers } = result.json;
        assert.deepEqual(res.data, { ok: true, method: 'POST', bytes: 7, query: '?x=1' });
        assert.equal(res.statusCode, 200);
        assert.equal(res.header['X-Sandbox'], 'yes');
        assert.equal(res.errMsg, 'request:ok');
        assert.equal(headers['X-Sandbox'], 'yes', 'onHeadersReceived');
        assert.equal(result.missing.res.statusCode, 404, 'HTTP errors are successes on WeChat/Douyin');
        assert.deepEqual(result.missing.res.data, { error: 'NoSuchThing' });
      } else {
        const { res } = result.json;
        assert.deepEqual(res.data, { ok: true, method: 'POST', bytes: 7, query: '?x=1' });
        assert.equal(res.status, 200);
        assert.equal(res.headers['X-Sandbox'], 'yes');
        assert.equal(res.statusCode, undefined, 'my.request says status, not statusCode');
        assert.equal(result.missing.err.error, 19, 'HTTP ≥ 400 fails with error 19 on Alipay');
        assert.equal(result.missing.err.status, 404);
      }
      assertNoErrors(sandbox);
    });

    test('abort fails the upload with the platform’s abort shape', async (t) => {
      const sandbox = sandboxFor(t, platform);
      const filePath = sandbox.addFile('big.jpg', 3 * 1024 * 1024);
      const out = sandbox.toHost(
        await sandbox.run(UPLOAD, {
          apiName: expected.api,
          fileName: 'big.jpg',
          filePath,
          contentType: 'image/jpeg',
          sts: bucket.issueSts(),
          server: { url: bucket.url, region: bucket.region, bucket: bucket.bucket },
          abortAtFirstProgress: true,
        }),
      );
      assert.equal(out.ok, false);
      if (errMsgPlatform(platform)) assert.deepEqual(out.err, { errMsg: 'uploadFile:fail abort' });
      else assert.equal(out.err.error, 9);
      assert.ok(sandbox.http[0].bytesSent < sandbox.http[0].bodyBytes, 'the body was cut short');
      await assert.rejects(readFile(bucket.objectPath(out.key)), { code: 'ENOENT' }, 'nothing was stored');
      assertNoErrors(sandbox);
    });

    test('timeouts fail with the platform’s shape', async (t) => {
      const sandbox = sandboxFor(t, platform, { timeoutMs: 150 });
      const filePath = sandbox.addFile('a.txt', 'hello');
      const out = sandbox.toHost(
        await sandbox.run(
          `
          const request = new Promise((resolve) => api.request({ url: base + '/json?delay=1000', fail: resolve, success: () => resolve('success?') }));
          const upload = new Promise((resolve) =>
            api.uploadFile({ url: base + '/json?delay=1000', filePath, name: 'file', fileName: 'file', fileType: 'image', fail: resolve, success: () => resolve('success?') }),
          );
          const longer = new Promise((resolve) => api.request({ url: base + '/json?delay=1000', timeout: 100000, fail: resolve, success: () => resolve('success?') }));
          return { request: await request, upload: await upload, longer: await longer };
        `,
          { api: sandbox.evaluate(expected.api), base: plain.url, filePath },
        ),
      );
      if (errMsgPlatform(platform)) {
        assert.deepEqual(out.request, { errMsg: 'request:fail timeout' });
        assert.deepEqual(out.upload, { errMsg: 'uploadFile:fail timeout' });
        assert.deepEqual(out.longer, { errMsg: 'request:fail timeout' }, 'timeout is capped at the maximum');
      } else {
        assert.equal(out.request.error, 13);
        assert.equal(out.upload.error, 12);
      }
      assertNoErrors(sandbox);
    });

    test('storage survives a restart through a shared Map', async (t) => {
      const storage = new Map();
      const first = sandboxFor(t, platform, { storage });
      const write =
        platform === 'alipay'
          ? "my.setStorageSync({ key: 'resume', data: { uploadId: 'u1', parts: [1, 2], at: new Date(5) } });"
          : `${expected.api}.setStorageSync('resume', { uploadId: 'u1', parts: [1, 2], at: new Date(5) });`;
      first.evaluate(write);
      const second = sandboxFor(t, platform, { storage });
      const read =
        platform === 'alipay'
          ? "var r = my.getStorageSync({ key: 'resume' }).data; var none = my.getStorageSync({ key: 'nope' }).data;"
          : `var r = ${expected.api}.getStorageSync('resume'); var none = ${expected.api}.getStorageSync('nope');`;
      const out = second.evaluate(
        `${read} ({ uploadId: r.uploadId, parts: r.parts, isDate: r.at instanceof Date, ms: r.at.getTime(), none: none })`,
      );
      assert.deepEqual(second.toHost(out), {
        uploadId: 'u1',
        parts: [1, 2],
        isDate: true,
        ms: 5,
        none: platform === 'alipay' ? null : '',
      });
    });

    test('Page() records the page; setData merges paths as WeChat does', async (t) => {
      const sandbox = sandboxFor(t, platform);
      sandbox.evaluate(`
        Page({
          data: { files: [{ name: 'a', progress: 0 }], title: 'x', nested: { keep: 1 } },
          onLoad(query) { this.loadedWith = query; },
          onProgress(index, value) { this.setData({ ['files[' + index + '].progress']: value, 'nested.added': true, 'list[0]': 'a', 'list[1]': 'b' }); },
        });
      `);
      const page = sandbox.page;
      page.onLoad(sandbox.adopt({ id: '7' }));
      page.onProgress(0, 42);
      await new Promise((resolve) => page.setData({ title: 'y' }, resolve));
      assert.deepEqual(sandbox.toHost(page.data), {
        files: [{ name: 'a', progress: 42 }],
        title: 'y',
        nested: { keep: 1, added: true },
        list: ['a', 'b'],
      });
      assert.equal(page.loadedWith.id, '7');
      assert.equal(sandbox.evaluate('getCurrentPages()[0] === getCurrentPages()[0]'), true);
      assert.deepEqual(parseDataPath('a.b[2].c'), ['a', 'b', 2, 'c']);
      assert.throws(() => parseDataPath('a..b'));
    });

    test('chooseResult has the shape of the platform’s picker', (t) => {
      const sandbox = sandboxFor(t, platform);
      const image = sandbox.addFile('a.jpg', 10);
      const video = sandbox.addFile('b.mp4', 20);
      const result = sandbox.toHost(sandbox.chooseResult([image, video]));
      if (platform === 'wechat') {
        assert.match(image, /^wxfile:\/\/tmp_/);
        assert.deepEqual(
          result.tempFiles.map((f) => [f.tempFilePath, f.size, f.fileType]),
          [
            [image, 10, 'image'],
            [video, 20, 'video'],
          ],
        );
        assert.equal(result.type, 'mix');
      } else if (platform === 'alipay') {
        assert.match(image, /^https:\/\/resource\/apml[0-9a-f]{32}\.jpg$/);
        assert.deepEqual(result, { apFilePaths: [image, video], tempFilePaths: [image, video] });
      } else {
        assert.match(image, platform === 'douyin' ? /^ttfile:\/\/temp\// : /^wxfile:\/\/tmp_/);
        assert.deepEqual(result.tempFilePaths, [image, video]);
        assert.deepEqual(result.tempFiles, [
          { path: image, size: 10 },
          { path: video, size: 20 },
        ]);
      }
    });
  });
}

// ---------------------------------------------------------------- WXWebAssembly / TTWebAssembly

// (module (global (export "g") i32 (i32.const 0)))
const GLOBAL_EXPORTING_WASM = Buffer.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x06, 0x06, 0x01, 0x7f, 0x00, 0x41, 0x00, 0x0b, 0x07, 0x05, 0x01,
  0x01, 0x67, 0x03, 0x00,
]);

for (const platform of ['wechat', 'uni', 'douyin']) {
  const name = PLATFORMS[platform].wasmGlobal;
  test(`${platform}: ${name}.instantiate takes only package paths and resolves { instance, module }`, async (t) => {
    const sandbox = sandboxFor(t, platform);
    writeFileSync(path.join(sandbox.packageDir, 'global.wasm'), GLOBAL_EXPORTING_WASM);
    const wasmBytes = readFileSync(new URL('../../pkg/dist/ossup.wasm', import.meta.url));
    const out = sandbox.toHost(
      await sandbox.run(
        `
        const attempt = (argument) =>
          W.instantiate(argument, {}).then(
            () => ({ resolved: true }),
            (error) => ({ resolved: false, isError: error instanceof Error, message: error.message }),
          );
        const ok = await W.instantiate('/global.wasm', {}).then(
          (result) => ({ keys: Object.keys(result).sort(), g: result.instance.exports.g && result.instance.exports.g.value }),
          (error) => ({ rejected: error.message }),
        );
        return {
          bytes: await attempt(bytes),
          buffer: await attempt(bytes.buffer),
          url: await attempt('https://example.com/ossup.wasm'),
          relative: await attempt('miniprogram_npm/ossup/ossup.wasm.br'),
          extension: await attempt('/miniprogram_npm/ossup/ossup.js'),
          missing: await attempt('/nowhere.wasm'),
          escape: await attempt('/../../etc/passwd.wasm'),
          ok,
        };
      `,
        { W: sandbox.evaluate(name), bytes: wasmBytes },
      ),
    );
    for (const what of ['bytes', 'buffer', 'url', 'relative', 'extension', 'missing', 'escape']) {
      assert.equal(out[what].resolved, false, `${what} must be rejected`);
      assert.ok(out[what].isError, `${what}: rejected with a sandbox Error`);
      assert.match(out[what].message, new RegExp(`^${name}\\.instantiate: `));
    }
    if (platform === 'douyin') {
      assert.deepEqual(out.ok, { keys: ['instance', 'module'], g: 0 }, 'TTWebAssembly allows exported Globals');
    } else {
      assert.match(out.ok.rejected, /Global/, 'iOS WeChat rejects a module exporting a Global');
    }
  });
}

// ---------------------------------------------------------------- platform-specific behaviour

describe('getRandomValues', () => {
  for (const platform of ['wechat', 'douyin']) {
    const api = PLATFORMS[platform].api;
    test(`${api}.getRandomValues is asynchronous, ≤ 1 MiB, and promisified without callbacks`, async (t) => {
      const sandbox = sandboxFor(t, platform);
      const out = sandbox.toHost(
        await sandbox.run(
          `
          let sync = true;
          const viaCallback = new Promise((resolve) => api.getRandomValues({ length: 16, success: (res) => resolve({ sync, res }) }));
          sync = false;
          const { sync: wasSync, res } = await viaCallback;
          const viaPromise = await api.getRandomValues({ length: 8 });
          const tooBig = await new Promise((resolve) => api.getRandomValues({ length: 1048577, fail: resolve, success: resolve }));
          return { wasSync, isArrayBuffer: res.randomValues instanceof ArrayBuffer, length: res.randomValues.byteLength, promised: viaPromise.randomValues.byteLength, tooBig };
        `,
          { api: sandbox.evaluate(api) },
        ),
      );
      assert.equal(out.wasSync, false, 'success comes after the call returns');
      assert.ok(out.isArrayBuffer);
      assert.equal(out.length, 16);
      assert.equal(out.promised, 8);
      assert.match(out.tooBig.errMsg, /^getRandomValues:fail/);
    });
  }
  test('uni has no uni.getRandomValues (the package must use wx)', (t) => {
    const sandbox = sandboxFor(t, 'uni');
    assert.equal(sandbox.evaluate('typeof uni.getRandomValues'), 'undefined');
    assert.equal(sandbox.evaluate('typeof wx.getRandomValues'), 'function');
  });
});

describe('WeChat network limits', () => {
  for (const platform of ['wechat', 'uni']) {
    test(`${platform}: the 11th simultaneous request fails at once; the cap is shared with uploadFile`, async (t) => {
      const sandbox = sandboxFor(t, platform);
      const filePath = sandbox.addFile('a.txt', 'x');
      const out = sandbox.toHost(
        await sandbox.run(
          `
          const results = [];
          const started = [];
          for (let i = 0; i < 9; i++) {
            started.push(new Promise((resolve) => api.request({ url: base + '/json?delay=300', success: (res) => resolve(res.statusCode), fail: (err) => resolve(err.errMsg) })));
          }
          started.push(new Promise((resolve) => api.uploadFile({ url: base + '/json?delay=300', filePath, name: 'file', success: (res) => resolve(res.statusCode), fail: (err) => resolve(err.errMsg) })));
          const eleventh = await new Promise((resolve) => api.request({ url: base + '/json', success: () => resolve('success?'), fail: (err) => resolve(err.errMsg) }));
          const twelfth = await new Promise((resolve) => api.uploadFile({ url: base + '/json', filePath, name: 'file', success: () => resolve('success?'), fail: (err) => resolve(err.errMsg) }));
          return { eleventh, twelfth, first: await Promise.all(started) };
        `,
          { api: sandbox.evaluate(platform === 'uni' ? 'uni' : 'wx'), base: plain.url, filePath },
        ),
      );
      assert.match(out.eleventh, /^request:fail .*exceed max .*10/);
      assert.equal(out.twelfth, 'uploadFile:fail createUploadTask:fail exceed max upload connection count 10');
      assert.deepEqual(out.first, Array(10).fill(200));
      assert.equal(sandbox.maxConcurrent, 10);
    });
  }

  test("overflow: 'queue' waits for a free slot instead (current base libraries)", async (t) => {
    const sandbox = sandboxFor(t, 'wechat', { overflow: 'queue' });
    const codes = await sandbox.run(
      `
      const calls = [];
      for (let i = 0; i < 13; i++) calls.push(new Promise((resolve) => wx.request({ url: base + '/json?delay=100', success: (res) => resolve(res.statusCode), fail: (err) => resolve(err.errMsg) })));
      return Promise.all(calls);
    `,
      { base: plain.url },
    );
    assert.deepEqual(sandbox.toHost(codes), Array(13).fill(200));
    assert.equal(sandbox.maxConcurrent, 10);
  });

  test('open requests fail "interrupted" after the app goes to the background', async (t) => {
    const sandbox = sandboxFor(t, 'wechat');
    const pending = sandbox.run(
      `return new Promise((resolve) => wx.request({ url: base + '/json?delay=2000', success: () => resolve('success?'), fail: (err) => resolve(err.errMsg) }));`,
      { base: plain.url },
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    sandbox.goBackground({ graceMs: 100 });
    assert.equal(await pending, 'request:fail interrupted');
    const meanwhile = await sandbox.run(
      `return new Promise((resolve) => wx.request({ url: base + '/json', success: () => resolve('success?'), fail: (err) => resolve(err.errMsg) }));`,
      { base: plain.url },
    );
    assert.equal(meanwhile, 'request:fail interrupted', 'no network until the app is back');
    sandbox.goForeground();
    const back = await sandbox.run(
      `return new Promise((resolve) => wx.request({ url: base + '/json', success: (res) => resolve(res.statusCode), fail: (err) => resolve(err.errMsg) }));`,
      { base: plain.url },
    );
    assert.equal(back, 200);
  });

  test('requireHttps fails http:// URLs as production WeChat would', async (t) => {
    const sandbox = sandboxFor(t, 'wechat', { requireHttps: true });
    const err = await sandbox.run(
      `return new Promise((resolve) => wx.request({ url: base + '/json', success: () => resolve('success?'), fail: (err) => resolve(err.errMsg) }));`,
      { base: plain.url },
    );
    assert.equal(err, 'request:fail url not in domain list');
  });
});

describe('Alipay specifics', () => {
  test('my.uploadFile without fileType fails before any request', async (t) => {
    const sandbox = sandboxFor(t, 'alipay');
    const filePath = sandbox.addFile('a.jpg', 100);
    const results = sandbox.toHost(
      await sandbox.run(
        `
        const upload = (options) => new Promise((resolve) => my.uploadFile({ url: base + '/json', filePath, fileName: 'file', ...options, success: (res) => resolve({ res }), fail: (err) => resolve({ err }) }));
        return {
          none: await upload({}),
          wrong: await upload({ fileType: 'file' }),
          missingFile: await upload({ fileType: 'image', filePath: 'https://resource/apml00000000000000000000000000000000.jpg' }),
        };
      `,
        { base: plain.url, filePath },
      ),
    );
    assert.equal(results.none.err.error, 2);
    assert.match(results.none.err.errorMessage, /fileType/);
    assert.equal(results.wrong.err.error, 2);
    assert.equal(results.missingFile.err.error, 11);
    assert.ok(
      sandbox.http.every((entry) => entry.startedAt === null),
      'nothing reached the network',
    );
  });

  test('my.request honours `headers`, not `header`', async (t) => {
    const sandbox = sandboxFor(t, 'alipay');
    const seen = sandbox.toHost(
      await sandbox.run(
        `
        const ask = (options) => new Promise((resolve) => my.request({ url: base + '/headers', ...options, success: (res) => resolve(res.data) }));
        return { headers: await ask({ headers: { 'X-A': '1' } }), header: await ask({ header: { 'X-B': '2' } }) };
      `,
        { base: plain.url },
      ),
    );
    assert.equal(seen.headers['x-a'], '1');
    assert.equal(seen.header['x-b'], undefined);
  });

  test('uploadFile over http fails with error 20 when requireHttps is on', async (t) => {
    const sandbox = sandboxFor(t, 'alipay', { requireHttps: true });
    const filePath = sandbox.addFile('a.jpg', 1);
    const err = sandbox.toHost(
      await sandbox.run(
        `return new Promise((resolve) => my.uploadFile({ url: base + '/json', filePath, fileName: 'file', fileType: 'image', fail: resolve, success: resolve }));`,
        { base: plain.url, filePath },
      ),
    );
    assert.equal(err.error, 20);
  });

  test('the wasm2js core hashes inputs larger than its first memory (crc64/md5 of 64 KiB)', async (t) => {
    const sandbox = sandboxFor(t, 'alipay');
    const bytes = fillerBytes(64 * 1024, 'growth');
    const out = sandbox.toHost(
      await sandbox.run(
        `
          const ossup = require('ossup');
          const first = ossup.crc64(bytes.subarray(0, 10)); // the glue caches its memory view here
          const big = { crc: ossup.crc64(bytes), md5: ossup.md5Base64(bytes) }; // memory grows here
          return { first, big, small: ossup.crc64(bytes.subarray(0, 10)) };
        `,
        { bytes },
      ),
    );
    assert.equal(out.first, crc64Header(crc64(bytes.subarray(0, 10))));
    assert.equal(out.big.crc, crc64Header(crc64(bytes)));
    assert.equal(out.big.md5, createHash('md5').update(bytes).digest('base64'));
    assert.equal(out.small, crc64Header(crc64(bytes.subarray(0, 10))), 'small inputs still right afterwards');
  });
});

test('requireFile loads an app file whose require resolves only the package and relative files', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ossup-sandbox-app-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'util.js'), 'module.exports = { twice: (n) => n * 2 };');
  await writeFile(
    path.join(dir, 'index.js'),
    `const ossup = require('ossup');
     const { twice } = require('./util');
     let nodeModule = null;
     try { require('fs'); } catch (error) { nodeModule = error.message; }
     Page({ data: { twice: twice(21), nodeModule }, async onLoad() { await ossup.ready(); this.setData({ engine: ossup.engine() }); } });`,
  );
  const sandbox = sandboxFor(t, 'wechat');
  sandbox.requireFile(path.join(dir, 'index.js'));
  await sandbox.page.onLoad();
  const data = sandbox.toHost(sandbox.page.data);
  assert.equal(data.twice, 42);
  assert.match(data.nodeModule, /module 'fs' is not defined/);
  assert.equal(data.engine, 'WXWebAssembly');
});

test('callback exceptions are caught as the platforms do: recorded and passed to App.onError', async (t) => {
  const sandbox = sandboxFor(t, 'douyin');
  sandbox.evaluate('App({ onError(message) { this.seen = message; } });');
  const photo = sandbox.addFile('a.jpg', 3);
  sandbox.queueChoice([photo]);
  const out = sandbox.toHost(
    await sandbox.run(`
      const picked = await tt.chooseImage({ count: 1 });
      const cancelled = await tt.chooseImage({ count: 1 }).catch((error) => error);
      await new Promise((resolve) =>
        tt.getRandomValues({ length: 4, success: () => { setTimeout(resolve, 0); throw new Error('boom'); } }),
      );
      return { picked, cancelled, globalThisInside: typeof globalThis };
    `),
  );
  assert.deepEqual(out.picked.tempFilePaths, [photo]);
  assert.equal(out.picked.errMsg, 'chooseImage:ok');
  assert.equal(out.cancelled.errMsg, 'chooseImage:fail cancel');
  assert.equal(out.globalThisInside, 'undefined');
  assert.equal(sandbox.errors.length, 1);
  assert.equal(sandbox.errors[0].where, 'callback');
  assert.equal(sandbox.errors[0].error.message, 'boom');
  assert.match(sandbox.app.seen, /boom/);
  assert.deepEqual(
    sandbox.calls.map((call) => call.api),
    ['App', 'tt.chooseImage', 'tt.chooseImage', 'tt.getRandomValues'],
  );
});
