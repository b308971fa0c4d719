// VOD mode in the WeChat and Douyin sandboxes: the `VODUpload` drop-in for Aliyun's VOD
// mini-program upload SDK (aliyun-upload-sdk), driven by a page written the way that SDK's
// documentation shows, with only the import changed. The page asks a small fake app server —
// over the platform's real wx.request / tt.request — for what CreateUploadVideo,
// CreateUploadImage and RefreshUploadVideo would return (base64 JSON UploadAddress/UploadAuth),
// pointed at the local verifying bucket server, whose issueSts() supplies the STS credentials.
// The same scenarios as vod-node.test.mjs: the documented flow, token expiry mid-upload, list
// management, malformed credentials.
//
// The seed SDK's documented usage ("Upload SDK for WeChat Mini Program", ApsaraVideo VOD:
// https://help.aliyun.com/document_detail/148119.html, also
// https://www.alibabacloud.com/help/en/vod/developer-reference/upload-sdk-for-wechat-mini-programs),
// summarised (the page below follows it call for call):
//   - import VODUpload from 'aliyun-upload-sdk-1.0.3.min.js'
//   - var uploader = new VODUpload({ userId, region ('cn-shanghai'), retryCount (3),
//     retryDuration (2, seconds), onUploadstarted(uploadInfo), onUploadSucceed(uploadInfo),
//     onUploadFailed(uploadInfo, code, message), onUploadProgress(uploadInfo, totalSize,
//     loadedPercent), onUploadTokenExpired(uploadInfo), onUploadEnd(uploadInfo) })
//   - in onUploadstarted, give the upload address and credential:
//     setUploadAuthAndAddress(uploadFileInfo, uploadAuth, uploadAddress, videoId)
//   - in onUploadTokenExpired, give a new credential: resumeUploadWithAuth(uploadAuth)
//   - add files from wx.chooseVideo / wx.chooseImage as
//     uploader.addFile({ url: res.tempFilePath, coverUrl: res.thumbTempFilePath }, null, null, null, '{"Vod":{}}')
//   - uploader.startUpload()
// and, from the SDK's list-management API: deleteFile, cancelFile, resumeFile, listFiles,
// cleanList, stopUpload. The web SDK's docs add: when onUploadstarted sees uploadInfo.videoId
// (a file that was started before), call RefreshUploadVideo instead of CreateUploadVideo.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBucketServer } from '../../www/server/bucket.mjs';
import { createSandbox } from './sandbox/index.mjs';

const PLATFORMS = { wechat: 'wx', douyin: 'tt' };
const MiB = 1024 * 1024;

// ---------------------------------------------------------------- servers

async function bucketServer(t) {
  const root = await mkdtemp(path.join(tmpdir(), 'ossup-vod-sandbox-'));
  const server = await startBucketServer({ root, testMode: true, bucket: 'outin-vod-local', region: 'cn-shanghai' });
  t.after(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });
  return server;
}

const b64 = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64');
const isoSeconds = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The app's server, answering as its calls to ApsaraVideo VOD would (GET, query parameters as
 * VOD's API takes them):
 *   /CreateUploadVideo?Title&FileName        → { RequestId, VideoId, UploadAddress, UploadAuth }
 *   /CreateUploadImage?ImageType&ImageExt    → { RequestId, ImageId, ImageURL, UploadAddress, UploadAuth }
 *   /RefreshUploadVideo?VideoId              → { RequestId, VideoId, UploadAddress, UploadAuth } (same address)
 * Addresses point at the local bucket (Endpoint = its URL, Bucket = its bucket, FileName =
 * `sv/<VideoId>/<FileName>` or `image/default/<ImageId>.<ext>`); each UploadAuth carries fresh
 * STS credentials from the bucket's issueSts(), with `Expiration` in seconds and `ExpireUTCTime`.
 * `ttlSeconds` (default 3000, as VOD) is how long Create* credentials live; `tamper(answer, call)`
 * may spoil an answer. `calls` records each call with `atRequest` = the bucket's log length then.
 */
async function vodAppServer(t, bucket, { ttlSeconds = 3000, tamper } = {}) {
  const calls = [];
  const addresses = new Map();
  let n = 0;
  const uploadAuth = (ttl) => {
    const sts = bucket.issueSts({ ttlSeconds: ttl });
    return b64({
      SecurityToken: sts.securityToken,
      AccessKeyId: sts.accessKeyId,
      ExpireUTCTime: sts.expiration,
      AccessKeySecret: sts.accessKeySecret,
      Expiration: String(ttl),
      Region: bucket.region,
    });
  };
  const address = (fileName) => b64({ Endpoint: bucket.url, Bucket: bucket.bucket, FileName: fileName });
  const requestId = () => `6A3E0B2C-0000-4000-8000-${String(++n).padStart(12, '0')}`;
  const actions = {
    CreateUploadVideo({ Title, FileName }) {
      if (!Title || !FileName) return [400, { Code: 'MissingParameter', Message: 'Title and FileName are required' }];
      const VideoId = `v${String(n + 1).padStart(31, '0')}`;
      const key = `sv/${VideoId}/${FileName}`;
      addresses.set(VideoId, key);
      return [
        200,
        { RequestId: requestId(), VideoId, UploadAddress: address(key), UploadAuth: uploadAuth(ttlSeconds) },
      ];
    },
    CreateUploadImage({ ImageType = 'default', ImageExt = 'png' }) {
      const ImageId = `i${String(n + 1).padStart(31, '0')}`;
      const key = `image/${ImageType}/${ImageId}.${ImageExt}`;
      addresses.set(ImageId, key);
      return [
        200,
        {
          RequestId: requestId(),
          ImageId,
          ImageURL: `${bucket.url}/${key}`,
          UploadAddress: address(key),
          UploadAuth: uploadAuth(ttlSeconds),
        },
      ];
    },
    RefreshUploadVideo({ VideoId }) {
      if (!addresses.has(VideoId))
        return [404, { Code: 'InvalidVideo.NotFound', Message: 'The video does not exist.' }];
      return [
        200,
        {
          RequestId: requestId(),
          VideoId,
          UploadAddress: address(addresses.get(VideoId)),
          UploadAuth: uploadAuth(3000),
        },
      ];
    },
  };
  const app = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://app.local');
    const action = actions[url.pathname.slice(1)];
    const query = Object.fromEntries(url.searchParams);
    let [status, body] = action ? action(query) : [404, { Code: 'InvalidAction.NotFound' }];
    const call = { action: url.pathname.slice(1), query, status, atRequest: bucket.requests.length };
    calls.push(call);
    if (status === 200 && tamper) body = tamper({ ...body }, call, calls.length - 1);
    call.answer = body;
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise((resolve) => app.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise((resolve) => {
        app.closeAllConnections();
        app.close(resolve);
      }),
  );
  return {
    url: `http://127.0.0.1:${app.address().port}`,
    calls,
    /** The FileName an id's address names. */
    keyOf: (id) => addresses.get(id),
  };
}

// ---------------------------------------------------------------- the page, inside the sandbox

/**
 * A page using the seed SDK as documented; `wx.` becomes `tt.` for Douyin. Only the import is
 * changed. Locals: `config` = { appServer, options (more VODUpload options) }. The page records
 * every callback in `this.events` ({ type, name, state, videoId, object, detail }) and counts
 * onUploadEnd in `this.ended`.
 */
const PAGE = `
// was: import VODUpload from 'aliyun-upload-sdk-1.0.3.min.js'
const { VODUpload } = require('ossup');

function callAppServer(action, data) {
  return new Promise(function (resolve, reject) {
    wx.request({
      url: config.appServer + '/' + action,
      data: data,
      success: function (res) {
        if (res.statusCode === 200) resolve(res.data);
        else reject(new Error(action + ' answered ' + res.statusCode + ' ' + JSON.stringify(res.data)));
      },
      fail: function (err) {
        reject(new Error(action + ' failed: ' + err.errMsg));
      },
    });
  });
}

function nameOf(uploadInfo) {
  var file = uploadInfo && uploadInfo.file;
  var where = file && (file.url || file.tempFilePath || file.path);
  return where ? where.split('/').pop().replace(/^tmp_/, '') : null;
}

Page({
  data: {},
  onLoad: function () {
    var page = this;
    page.events = [];
    page.ended = 0;
    var uploader = new VODUpload(
      Object.assign(
        {
          userId: '1303984639806000',
          region: 'cn-shanghai',
          retryCount: 3,
          retryDuration: 2,
          onUploadstarted: function (uploadInfo) {
            page.log('started', uploadInfo);
            var name = nameOf(uploadInfo);
            // VOD wants CreateUploadImage for images; chooseMedia says which a file is.
            var isImage = uploadInfo.isImage || uploadInfo.file.fileType === 'image' || /\\.(jpe?g|png|gif)$/i.test(name);
            // A file started before (or one replacing a video's source) refreshes its VideoId.
            var videoId = uploadInfo.videoId || page.replaceVideoId;
            var asked = videoId
              ? callAppServer('RefreshUploadVideo', { VideoId: videoId })
              : isImage
                ? callAppServer('CreateUploadImage', { ImageType: 'default', ImageExt: name.split('.').pop() })
                : callAppServer('CreateUploadVideo', { Title: name, FileName: name });
            asked.then(
              function (res) {
                uploader.setUploadAuthAndAddress(uploadInfo, res.UploadAuth, res.UploadAddress, res.VideoId || res.ImageId);
              },
              function (error) {
                page.log('app-server-error', uploadInfo, error.message);
              },
            );
          },
          onUploadSucceed: function (uploadInfo) {
            page.log('succeed', uploadInfo);
          },
          onUploadFailed: function (uploadInfo, code, message) {
            page.log('failed', uploadInfo, { code: code, message: message });
          },
          onUploadProgress: function (uploadInfo, totalSize, loadedPercent) {
            page.log('progress', uploadInfo, { totalSize: totalSize, loadedPercent: loadedPercent });
          },
          onUploadTokenExpired: function (uploadInfo) {
            page.log('expired', uploadInfo);
            callAppServer('RefreshUploadVideo', { VideoId: uploadInfo.videoId }).then(
              function (res) {
                uploader.resumeUploadWithAuth(res.UploadAuth);
              },
              function (error) {
                page.log('app-server-error', uploadInfo, error.message);
              },
            );
          },
          onUploadEnd: function (uploadInfo) {
            page.log('end', uploadInfo);
            page.ended++;
          },
        },
        config.options,
      ),
    );
    page.uploader = uploader;
  },
  log: function (type, uploadInfo, detail) {
    this.events.push({
      type: type,
      name: nameOf(uploadInfo),
      state: uploadInfo && uploadInfo.state,
      videoId: uploadInfo && uploadInfo.videoId,
      object: uploadInfo && uploadInfo.object,
      detail: detail,
    });
  },
  // What a page on a current base library does: wx.chooseMedia, each picked file added as is.
  chooseMedia: function () {
    var uploader = this.uploader;
    return new Promise(function (resolve, reject) {
      wx.chooseMedia({
        count: 9,
        mediaType: ['image', 'video'],
        success: function (res) {
          res.tempFiles.forEach(function (file) {
            uploader.addFile(file, null, null, null, '{"Vod":{}}');
          });
          resolve(res.tempFiles.length);
        },
        fail: reject,
      });
    });
  },
  // Exactly the seed SDK's documented addFile calls (its image snippet reads res.tempFilePath,
  // which chooseImage does not return: tempFilePaths[0] is the one path picked).
  chooseAsDocumented: function (kind) {
    var uploader = this.uploader;
    return new Promise(function (resolve, reject) {
      if (kind === 'video') {
        wx.chooseVideo({
          success: function (res) {
            var file = { url: res.tempFilePath, coverUrl: res.thumbTempFilePath };
            var userData = '{"Vod":{}}';
            uploader.addFile(file, null, null, null, userData);
            resolve();
          },
          fail: reject,
        });
      } else {
        wx.chooseImage({
          success: function (res) {
            var file = { url: res.tempFilePaths[0], coverUrl: res.thumbTempFilePath };
            var userData = '{"Vod":{}}';
            uploader.addFile(file, null, null, null, userData);
            resolve();
          },
          fail: reject,
        });
      }
    });
  },
});
`;

async function openPage(t, platform, config) {
  const sandbox = createSandbox(platform);
  t.after(() => sandbox.close());
  await sandbox.run(PAGE.replaceAll('wx.', `${PLATFORMS[platform]}.`), { config });
  const page = sandbox.page;
  page.onLoad();
  return {
    sandbox,
    page,
    events: () => sandbox.toHost(page.events),
    states: () => sandbox.toHost(page.uploader.listFiles()).map((info) => info.state),
  };
}

async function until(condition, what, timeoutMs = 20000) {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** No exception escaped a callback or timer, and VODUpload caught none thrown by the page. */
function assertNoErrors(sandbox) {
  assert.deepEqual(
    sandbox.errors.map(({ error, where }) => `${where}: ${error && error.stack}`),
    [],
    'exceptions were thrown inside the sandbox',
  );
  assert.deepEqual(
    sandbox.logs.filter((entry) => entry.level === 'error').map((entry) => entry.args.map(String).join(' ')),
    [],
    'errors were logged inside the sandbox',
  );
}

const parts = (bucket, key) => bucket.requests.filter((r) => r.op === 'UploadPart' && (!key || r.key === key));
const ops = (bucket, key) => bucket.requests.filter((r) => r.key === key).map((r) => `${r.op} ${r.status}`);
const notProgress = (events) => events.filter((e) => e.type !== 'progress').map((e) => `${e.type} ${e.name}`);
const partCount = (size) => Math.ceil(size / MiB);

/** Each part number of the object stored exactly once (a 200 per part, no part stored twice). */
function assertPartsOnce(bucket, key, size) {
  const ok = parts(bucket, key).filter((r) => r.status === 200);
  const numbers = ok.map((r) => r.partNumber).sort((a, b) => a - b);
  assert.deepEqual(
    numbers,
    Array.from({ length: partCount(size) }, (_, i) => i + 1),
    'every part stored exactly once',
  );
}

/**
 * The documented flow's outcome: callbacks in order, one app-server call per file (image →
 * CreateUploadImage, videos → CreateUploadVideo) through the platform's request, progress for
 * each file, and the bytes under each address's FileName (the 9 MiB video by multipart).
 */
async function checkFlow({ sandbox, page, events, states }, bucket, app, files, api) {
  const seen = events();
  assert.deepEqual(notProgress(seen), [
    ...files.flatMap((f) => [`started ${f.name}`, `succeed ${f.name}`]),
    `end ${files[files.length - 1].name}`,
  ]);
  assert.deepEqual(states(), ['Success', 'Success', 'Success']);
  assert.deepEqual(
    app.calls.map((c) => `${c.action} ${c.status}`),
    ['CreateUploadImage 200', 'CreateUploadVideo 200', 'CreateUploadVideo 200'],
  );
  const appRequests = sandbox.http.filter((e) => e.url && e.url.startsWith(app.url));
  assert.equal(appRequests.length, 3);
  assert.ok(appRequests.every((e) => e.api === `${api}.request` && e.status === 200));

  const infos = sandbox.toHost(page.uploader.listFiles());
  for (const [i, f] of files.entries()) {
    const info = infos[i];
    const id = i === 0 ? app.calls[0].answer.ImageId : app.calls[i].answer.VideoId;
    assert.equal(info.videoId, id, `${f.name}: the id given to setUploadAuthAndAddress`);
    assert.equal(info.object, app.keyOf(id), `${f.name}: stored under the address's FileName`);
    assert.equal(info.userData, '{"Vod":{}}');
    const stored = await readFile(bucket.objectPath(info.object));
    assert.ok(stored.equals(sandbox.fileBytes(f.path)), `${f.name}: the stored bytes are the file's`);

    const progress = seen.filter((e) => e.type === 'progress' && e.name === f.name).map((e) => e.detail);
    assert.ok(progress.length > 0, `${f.name}: onUploadProgress was called`);
    assert.ok(progress.every((p) => p.totalSize === f.size && p.loadedPercent >= 0 && p.loadedPercent <= 1));
    assert.equal(progress[progress.length - 1].loadedPercent, 1);
    const succeed = seen.find((e) => e.type === 'succeed' && e.name === f.name);
    assert.equal(succeed.state, 'Success');
    assert.equal(succeed.object, info.object);
  }
  assert.deepEqual(ops(bucket, infos[0].object), ['PostObject 200']);
  assert.deepEqual(ops(bucket, infos[1].object), ['PostObject 200']);
  assert.deepEqual(ops(bucket, infos[2].object), [
    'InitiateMultipartUpload 200',
    ...Array(partCount(files[2].size)).fill('UploadPart 200'),
    'CompleteMultipartUpload 200',
  ]);
  assertNoErrors(sandbox);
}

// ---------------------------------------------------------------- the tests

for (const [platform, api] of Object.entries(PLATFORMS)) {
  describe(`${platform}: VODUpload`, () => {
    test('the documented flow: an image and two videos (one multipart), callbacks in order, bytes under FileName', async (t) => {
      const bucket = await bucketServer(t);
      const app = await vodAppServer(t, bucket);
      const opened = await openPage(t, platform, { appServer: app.url });
      const files = [
        { name: 'photo.jpg', size: 300 * 1024 },
        { name: 'clip.mp4', size: 3 * MiB + 4321 },
        { name: 'movie.mp4', size: 9 * MiB + 12345 },
      ];
      for (const f of files) f.path = opened.sandbox.addFile(f.name, f.size);
      opened.sandbox.queueChoice(files.map((f) => f.path));
      assert.equal(await opened.page.chooseMedia(), 3);
      assert.deepEqual(opened.states(), ['Ready', 'Ready', 'Ready']);
      opened.page.uploader.startUpload();
      await until(() => opened.page.ended === 1, 'onUploadEnd');
      await checkFlow(opened, bucket, app, files, api);
    });

    test("the documented flow with the seed SDK's own addFile({ url, coverUrl }) from chooseVideo/chooseImage", async (t) => {
      const bucket = await bucketServer(t);
      const app = await vodAppServer(t, bucket);
      const opened = await openPage(t, platform, { appServer: app.url });
      const files = [
        { name: 'photo.jpg', size: 300 * 1024, kind: 'image' },
        { name: 'clip.mp4', size: 3 * MiB + 4321, kind: 'video' },
        { name: 'movie.mp4', size: 9 * MiB + 12345, kind: 'video' },
      ];
      for (const f of files) {
        f.path = opened.sandbox.addFile(f.name, f.size);
        opened.sandbox.queueChoice([f.path]);
        await opened.page.chooseAsDocumented(f.kind);
      }
      opened.page.uploader.startUpload();
      await until(() => opened.page.ended === 1, 'onUploadEnd');
      await checkFlow(opened, bucket, app, files, api);
    });

    test('uploadInfo.isImage tells the page an image from a video for the files its pickers return', async (t) => {
      const opened = await openPage(t, platform, { appServer: 'http://127.0.0.1:9' });
      const photo = opened.sandbox.addFile('photo.jpg', 1000);
      const clip = opened.sandbox.addFile('clip.mp4', 1000);
      opened.sandbox.queueChoice([photo, clip]);
      await opened.page.chooseMedia();
      assert.deepEqual(
        opened.sandbox.toHost(opened.page.uploader.listFiles()).map((info) => info.isImage),
        [true, false],
      );
    });

    test('token expiry mid-upload (OSS answers SecurityTokenExpired): onUploadTokenExpired → RefreshUploadVideo → resumeUploadWithAuth, finished parts not re-sent', async (t) => {
      const bucket = await bucketServer(t);
      const app = await vodAppServer(t, bucket);
      const opened = await openPage(t, platform, { appServer: app.url });
      const size = 10 * MiB + 777;
      const movie = opened.sandbox.addFile('movie.mp4', size);
      bucket.faults.add({ op: 'UploadPart', partNumber: 4, action: 'expire-token', times: 1 });
      opened.sandbox.queueChoice([movie]);
      await opened.page.chooseMedia();
      opened.page.uploader.startUpload();
      await until(() => opened.page.ended === 1, 'onUploadEnd');

      const events = opened.events();
      assert.deepEqual(notProgress(events), [
        'started movie.mp4',
        'expired movie.mp4',
        'succeed movie.mp4',
        'end movie.mp4',
      ]);
      const videoId = app.calls[0].answer.VideoId;
      assert.equal(events.find((e) => e.type === 'expired').videoId, videoId, 'onUploadTokenExpired names the video');
      assert.deepEqual(
        app.calls.map((c) => `${c.action} ${c.query.VideoId || ''}`.trim()),
        ['CreateUploadVideo', `RefreshUploadVideo ${videoId}`],
      );
      const key = app.keyOf(videoId);
      const refused = parts(bucket, key).filter((r) => r.status !== 200);
      assert.deepEqual(
        refused.map((r) => `${r.partNumber} ${r.status} ${r.code}`),
        ['4 403 SecurityTokenExpired'],
      );
      assertPartsOnce(bucket, key, size);
      assert.equal(parts(bucket, key).length, partCount(size) + 1, 'only the refused part was sent twice');
      assert.ok(
        app.calls[1].atRequest > bucket.requests.findIndex((r) => r.op === 'UploadPart' && r.status === 200),
        'the refresh came after finished parts',
      );
      assert.ok((await readFile(bucket.objectPath(key))).equals(opened.sandbox.fileBytes(movie)));
      assertNoErrors(opened.sandbox);
    });

    test('an UploadAuth that expires soon (ExpireUTCTime) is refreshed mid-upload before OSS refuses anything', async (t) => {
      const bucket = await bucketServer(t);
      // 62 s: the uploader refreshes credentials within 60 s of their expiry, so after 1–2 s.
      const app = await vodAppServer(t, bucket, { ttlSeconds: 62 });
      const opened = await openPage(t, platform, { appServer: app.url, options: { parallel: 1 } });
      const size = 16 * MiB + 1;
      const movie = opened.sandbox.addFile('movie.mp4', size);
      bucket.faults.add({ op: 'UploadPart', action: 'delay', delayMs: 180, times: 1000 });
      opened.sandbox.queueChoice([movie]);
      await opened.page.chooseMedia();
      opened.page.uploader.startUpload();
      await until(() => opened.page.ended === 1, 'onUploadEnd');

      assert.deepEqual(notProgress(opened.events()), [
        'started movie.mp4',
        'expired movie.mp4',
        'succeed movie.mp4',
        'end movie.mp4',
      ]);
      assert.deepEqual(
        app.calls.map((c) => c.action),
        ['CreateUploadVideo', 'RefreshUploadVideo'],
      );
      const key = app.keyOf(app.calls[0].answer.VideoId);
      assert.deepEqual(
        bucket.requests.filter((r) => r.status !== 200).map((r) => `${r.op} ${r.status} ${r.code}`),
        [],
        'nothing was refused',
      );
      const before = bucket.requests.slice(0, app.calls[1].atRequest).filter((r) => r.op === 'UploadPart');
      assert.ok(before.length >= 1 && before.length < partCount(size), `refreshed after ${before.length} parts`);
      assertPartsOnce(bucket, key, size);
      assert.equal(parts(bucket, key).length, partCount(size));
      assert.ok((await readFile(bucket.objectPath(key))).equals(opened.sandbox.fileBytes(movie)));
      assertNoErrors(opened.sandbox);
    });

    test('list management: cancelFile, deleteFile, resumeFile, cleanList, stopUpload/startUpload, checked at the bucket', async (t) => {
      const bucket = await bucketServer(t);
      const app = await vodAppServer(t, bucket);
      const opened = await openPage(t, platform, { appServer: app.url, options: { parallel: 1 } });
      const { sandbox, page } = opened;
      const uploader = page.uploader;
      const add = async (...files) => {
        const paths = files.map(([name, size]) => sandbox.addFile(name, size));
        sandbox.queueChoice(paths);
        await page.chooseMedia();
        return paths;
      };
      let ends = 0;
      const runToEnd = async () => {
        ends++;
        uploader.startUpload();
        await until(() => page.ended === ends, `onUploadEnd #${ends}`);
      };
      const keyOfCall = (i) => app.keyOf(app.calls[i].answer.VideoId || app.calls[i].answer.ImageId);

      // Before starting: cancel b (it stays listed, skipped), delete c (gone from the list).
      const [a, b] = await add(['a.jpg', 100 * 1024], ['b.jpg', 120 * 1024], ['c.jpg', 140 * 1024]);
      uploader.cancelFile(1);
      uploader.deleteFile(2);
      assert.deepEqual(opened.states(), ['Ready', 'Canceled']);
      await runToEnd();
      assert.deepEqual(opened.states(), ['Success', 'Canceled']);
      assert.deepEqual(notProgress(opened.events()), ['started a.jpg', 'succeed a.jpg', 'end a.jpg']);
      assert.deepEqual(
        app.calls.map((c) => `${c.action} ${c.query.ImageExt}`),
        ['CreateUploadImage jpg'],
      );
      assert.deepEqual(
        bucket.requests.map((r) => `${r.op} ${r.key} ${r.status}`),
        [`PostObject ${keyOfCall(0)} 200`],
        'only a reached the bucket',
      );
      assert.ok((await readFile(bucket.objectPath(keyOfCall(0)))).equals(sandbox.fileBytes(a)));

      // resumeFile: the canceled b is Ready again and goes up on the next startUpload.
      uploader.resumeFile(1);
      assert.deepEqual(opened.states(), ['Success', 'Ready']);
      await runToEnd();
      assert.deepEqual(opened.states(), ['Success', 'Success']);
      assert.equal(app.calls.length, 2);
      assert.deepEqual(ops(bucket, keyOfCall(1)), ['PostObject 200']);
      assert.ok((await readFile(bucket.objectPath(keyOfCall(1)))).equals(sandbox.fileBytes(b)));

      // cleanList: the list is empty and nothing of what it held is sent.
      await add(['d.jpg', 1000]);
      uploader.cleanList();
      assert.equal(uploader.listFiles().length, 0);
      const requestsBefore = bucket.requests.length;
      uploader.startUpload();
      await sleep(150);
      assert.equal(app.calls.length, 2, 'no upload address was asked for');
      assert.equal(bucket.requests.length, requestsBefore, 'nothing reached the bucket');

      // stopUpload pauses a multipart upload; startUpload continues it: same upload, same
      // address, no finished part sent again (parallel 1: at most the part in flight).
      bucket.faults.add({ op: 'UploadPart', action: 'delay', delayMs: 40, times: 1000 });
      const eSize = 12 * MiB + 99;
      const [e] = await add(['e.mp4', eSize]);
      ends = page.ended;
      ends++;
      uploader.startUpload();
      await until(() => parts(bucket).filter((r) => r.status === 200).length >= 3, 'three parts of e.mp4');
      uploader.stopUpload();
      assert.deepEqual(opened.states(), ['Stoped']);
      const eKey = keyOfCall(2);
      const doneAtStop = new Set(
        parts(bucket, eKey)
          .filter((r) => r.status === 200)
          .map((r) => r.partNumber),
      );
      await sleep(150); // the part in flight settles
      const whileStopped = bucket.requests.length;
      await sleep(300);
      assert.equal(bucket.requests.length, whileStopped, 'nothing is sent while stopped');
      const restartAt = bucket.requests.length;
      uploader.startUpload();
      await until(() => page.ended === ends, 'onUploadEnd after startUpload');
      assert.deepEqual(opened.states(), ['Success']);
      const resent = bucket.requests
        .slice(restartAt)
        .filter((r) => r.op === 'UploadPart' && doneAtStop.has(r.partNumber))
        .map((r) => r.partNumber);
      assert.ok(resent.length <= 1, `finished parts sent again after startUpload: ${resent}`);
      assert.equal(ops(bucket, eKey).filter((op) => op.startsWith('InitiateMultipartUpload')).length, 1);
      assert.equal(app.calls.length, 3, 'the stopped file kept its address and auth');
      assert.ok((await readFile(bucket.objectPath(eKey))).equals(sandbox.fileBytes(e)));

      // cancelFile on the file being uploaded: its multipart upload is aborted, nothing is
      // stored, no callback reports it, and the next file goes up.
      uploader.cleanList();
      const fSize = 10 * MiB + 5;
      const [f, g] = await add(['f.mp4', fSize], ['g.jpg', 50 * 1024]);
      const eventsBefore = opened.events().length;
      const partsBefore = parts(bucket).length;
      uploader.startUpload();
      ends++;
      await until(() => parts(bucket).length - partsBefore >= 2, 'two parts of f.mp4');
      uploader.cancelFile(0);
      await until(() => page.ended === ends, 'onUploadEnd after cancelFile');
      assert.deepEqual(opened.states(), ['Canceled', 'Success']);
      const fKey = keyOfCall(3);
      const gKey = keyOfCall(4);
      // (That OSS accepts the abort is checked on its own below: on mini programs it does not.)
      assert.equal(ops(bucket, fKey).filter((op) => op.startsWith('AbortMultipartUpload')).length, 1);
      assert.ok(!ops(bucket, fKey).some((op) => op.startsWith('CompleteMultipartUpload')));
      assert.ok(!existsSync(bucket.objectPath(fKey)), 'the canceled file is not stored');
      assert.ok((await readFile(bucket.objectPath(gKey))).equals(sandbox.fileBytes(g)));
      assert.deepEqual(notProgress(opened.events().slice(eventsBefore)), [
        'started f.mp4',
        'started g.jpg',
        'succeed g.jpg',
        'end g.jpg',
      ]);

      // resumeFile on the canceled f: onUploadstarted sees its videoId, the page asks for
      // RefreshUploadVideo, and f goes up again to the same FileName.
      uploader.resumeFile(0);
      await runToEnd();
      assert.deepEqual(opened.states(), ['Success', 'Success']);
      assert.deepEqual(
        app.calls.slice(5).map((c) => `${c.action} ${c.query.VideoId}`),
        [`RefreshUploadVideo ${app.calls[3].answer.VideoId}`],
      );
      assert.ok((await readFile(bucket.objectPath(fKey))).equals(sandbox.fileBytes(f)));
      assertNoErrors(sandbox);
    });

    test('cancelFile on a multipart upload aborts it at the bucket (AbortMultipartUpload accepted)', async (t) => {
      const bucket = await bucketServer(t);
      const app = await vodAppServer(t, bucket);
      const opened = await openPage(t, platform, { appServer: app.url, options: { parallel: 1 } });
      bucket.faults.add({ op: 'UploadPart', action: 'delay', delayMs: 40, times: 1000 });
      opened.sandbox.queueChoice([opened.sandbox.addFile('movie.mp4', 10 * MiB)]);
      await opened.page.chooseMedia();
      opened.page.uploader.startUpload();
      await until(() => parts(bucket).filter((r) => r.status === 200).length >= 2, 'two parts');
      opened.page.uploader.cancelFile(0);
      await until(() => opened.page.ended === 1, 'onUploadEnd');
      const key = app.keyOf(app.calls[0].answer.VideoId);
      assert.deepEqual(
        bucket.requests
          .filter((r) => r.key === key && r.op === 'AbortMultipartUpload')
          .map((r) => `${r.status} ${r.code}`),
        ['204 null'],
      );
    });

    test("replacing a video's source: RefreshUploadVideo for an existing VideoId, the new file overwrites the old", async (t) => {
      const bucket = await bucketServer(t);
      const app = await vodAppServer(t, bucket);
      const opened = await openPage(t, platform, { appServer: app.url });
      const first = opened.sandbox.addFile('take-1.mp4', 2 * MiB);
      opened.sandbox.queueChoice([first]);
      await opened.page.chooseMedia();
      opened.page.uploader.startUpload();
      await until(() => opened.page.ended === 1, 'the first onUploadEnd');
      const videoId = app.calls[0].answer.VideoId;

      opened.page.replaceVideoId = videoId;
      const second = opened.sandbox.addFile('take-2.mp4', 2 * MiB + 10);
      opened.sandbox.queueChoice([second]);
      await opened.page.chooseMedia();
      opened.page.uploader.startUpload();
      await until(() => opened.page.ended === 2, 'the second onUploadEnd');
      assert.deepEqual(
        app.calls.map((c) => c.action),
        ['CreateUploadVideo', 'RefreshUploadVideo'],
      );
      const failed = opened.events().find((e) => e.type === 'failed');
      assert.equal(failed, undefined, failed && `${failed.detail.code}: ${failed.detail.message}`);
      assert.deepEqual(opened.states(), ['Success', 'Success']);
      assert.ok((await readFile(bucket.objectPath(app.keyOf(videoId)))).equals(opened.sandbox.fileBytes(second)));
    });

    test('malformed UploadAuth / UploadAddress: onUploadFailed(uploadInfo, code, message), nothing sent to the bucket', async (t) => {
      const bucket = await bucketServer(t);
      const good = (() => {
        const sts = bucket.issueSts({ ttlSeconds: 3000 });
        return {
          SecurityToken: sts.securityToken,
          AccessKeyId: sts.accessKeyId,
          ExpireUTCTime: sts.expiration,
          AccessKeySecret: sts.accessKeySecret,
          Expiration: '3000',
          Region: bucket.region,
        };
      })();
      const without = (value, field) => {
        const copy = { ...value };
        delete copy[field];
        return copy;
      };
      const address = { Endpoint: bucket.url, Bucket: bucket.bucket, FileName: 'sv/x/x.mp4' };
      // [what, UploadAuth, UploadAddress, code, message]
      const cases = [
        ['UploadAuth not base64', 'not base64!', b64(address), 'VOD_INVALID_UPLOAD_AUTH', /UploadAuth is not base64/],
        ['UploadAuth not JSON', b64('AccessKeyId=a'), b64(address), 'VOD_INVALID_UPLOAD_AUTH', /base64 but not JSON/],
        ['UploadAuth base64 twice', b64(b64(good)), b64(address), 'VOD_INVALID_UPLOAD_AUTH', /double-encoded/],
        [
          'UploadAuth without SecurityToken',
          b64(without(good, 'SecurityToken')),
          b64(address),
          'VOD_INVALID_UPLOAD_AUTH',
          /UploadAuth has no SecurityToken/,
        ],
        [
          'UploadAuth without an expiry',
          b64(without(without(good, 'ExpireUTCTime'), 'Expiration')),
          b64(address),
          'VOD_INVALID_UPLOAD_AUTH',
          /neither ExpireUTCTime nor Expiration/,
        ],
        [
          'UploadAuth expired (ExpireUTCTime is the real expiry, not Expiration)',
          b64({ ...good, ExpireUTCTime: isoSeconds(Date.now() - 60_000) }),
          b64(address),
          'VOD_UPLOAD_AUTH_EXPIRED',
          /UploadAuth expired at .*RefreshUploadVideo/,
        ],
        ['UploadAuth missing', undefined, b64(address), 'VOD_INVALID_UPLOAD_AUTH', /UploadAuth is missing/],
        ['UploadAddress not base64', b64(good), '{"Endpoint":1}', 'VOD_INVALID_UPLOAD_ADDRESS', /not base64/],
        [
          'UploadAddress cut short',
          b64(good),
          b64(address).slice(0, -6),
          'VOD_INVALID_UPLOAD_ADDRESS',
          /UploadAddress is (not base64|base64 but not JSON)/,
        ],
        [
          'UploadAddress without FileName',
          b64(good),
          b64(without(address, 'FileName')),
          'VOD_INVALID_UPLOAD_ADDRESS',
          /UploadAddress has no FileName/,
        ],
      ];
      const app = await vodAppServer(t, bucket, {
        tamper: (answer, call, index) => {
          const [, uploadAuth, uploadAddress] = cases[index];
          return { ...answer, UploadAuth: uploadAuth, UploadAddress: uploadAddress };
        },
      });
      const opened = await openPage(t, platform, { appServer: app.url });
      const paths = cases.map((_, i) => opened.sandbox.addFile(`clip-${i}.mp4`, 1000 + i));
      opened.sandbox.queueChoice(paths);
      await opened.page.chooseMedia();
      opened.page.uploader.startUpload();
      await until(() => opened.page.ended === 1, 'onUploadEnd');

      const events = opened.events();
      const failed = events.filter((e) => e.type === 'failed');
      assert.equal(failed.length, cases.length);
      for (const [i, [what, , , code, message]] of cases.entries()) {
        assert.equal(failed[i].name, `clip-${i}.mp4`);
        assert.equal(failed[i].detail.code, code, `${what}: ${failed[i].detail.message}`);
        assert.match(failed[i].detail.message, message, what);
        assert.equal(failed[i].state, 'Failure');
      }
      assert.deepEqual(
        events.filter((e) => e.type === 'succeed' || e.type === 'progress'),
        [],
      );
      assert.deepEqual(opened.states(), Array(cases.length).fill('Failure'));
      assert.equal(events[events.length - 1].type, 'end');
      assert.deepEqual(bucket.requests, [], 'no request reached the bucket');
      assert.deepEqual(
        opened.sandbox.http.filter((e) => !e.url || !e.url.startsWith(app.url)).map((e) => `${e.api} ${e.url}`),
        [],
        'the page sent nothing but its app-server calls',
      );
      assertNoErrors(opened.sandbox);
    });
  });
}
