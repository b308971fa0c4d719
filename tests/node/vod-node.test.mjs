// VOD mode and the VODUpload drop-in, in Node against the local bucket server acting as VOD's
// bucket, with a small fake app server issuing base64 UploadAddress/UploadAuth pairs whose STS
// credentials the bucket server accepts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBucketServer } from '../../www/server/bucket.mjs';
import * as ossup from '../../pkg/dist/node.mjs';

const MiB = 1024 * 1024;
const dir = await mkdtemp(join(tmpdir(), 'ossup-vod-'));
after(() => rm(dir, { recursive: true, force: true }));

let counter = 0;
async function makeFile(size, ext) {
  const path = join(dir, `vod-${++counter}.${ext}`);
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 997) bytes[i] = (i + counter) & 0xff;
  await writeFile(path, bytes);
  return path;
}

async function bucket(t) {
  const root = await mkdtemp(join(tmpdir(), 'ossup-vod-bucket-'));
  const server = await startBucketServer({ root, testMode: true, bucket: 'outin-vod-local' });
  t.after(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });
  return server;
}

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64');

/** What CreateUploadVideo / RefreshUploadVideo answer, pointed at the local bucket. */
function fakeVodServer(server) {
  let n = 0;
  const auth = () => {
    const sts = server.issueSts({ ttlSeconds: 3000 });
    return b64({
      SecurityToken: sts.securityToken,
      AccessKeyId: sts.accessKeyId,
      ExpireUTCTime: sts.expiration,
      AccessKeySecret: sts.accessKeySecret,
      Expiration: '3000',
      Region: server.region,
    });
  };
  return {
    createUploadVideo(fileName) {
      n++;
      const videoId = `video-${n}`;
      return {
        videoId,
        uploadAddress: b64({ Endpoint: server.url, Bucket: server.bucket, FileName: `sv/${videoId}/${fileName}` }),
        uploadAuth: auth(),
      };
    },
    refreshUploadVideo() {
      return auth();
    },
  };
}

test('the seed SDK flow: three files, callbacks in order, bytes under the address FileName', async (t) => {
  const server = await bucket(t);
  const vod = fakeVodServer(server);
  const files = [await makeFile(40_000, 'jpg'), await makeFile(3 * MiB, 'mp4'), await makeFile(9 * MiB, 'mp4')];
  const events = [];
  const progress = [];
  const done = new Promise((resolve) => {
    const uploader = new ossup.VODUpload({
      userId: '1303984639806000',
      region: server.region,
      partSize: MiB,
      parallel: 2,
      retryCount: 3,
      retryDuration: 0.05,
      onUploadstarted(uploadInfo) {
        events.push(`started ${uploadInfo.file.path}`);
        const answer = vod.createUploadVideo(uploadInfo.file.path.split('/').pop());
        uploader.setUploadAuthAndAddress(uploadInfo, answer.uploadAuth, answer.uploadAddress, answer.videoId);
      },
      onUploadSucceed(uploadInfo) {
        events.push(`succeed ${uploadInfo.videoId} ${uploadInfo.object}`);
      },
      onUploadFailed(uploadInfo, code, message) {
        events.push(`failed ${code} ${message}`);
      },
      onUploadProgress(uploadInfo, totalSize, loadedPercent) {
        // Asserted after the run: VODUpload reports a throwing callback instead of failing.
        progress.push([uploadInfo.file.path, totalSize, loadedPercent]);
      },
      onUploadEnd(uploadInfo) {
        events.push(`end ${uploadInfo.videoId}`);
        resolve(uploader);
      },
    });
    for (const path of files) uploader.addFile({ path, size: undefined }, null, null, null, '{"Vod":{}}');
    uploader.startUpload();
  });
  const uploader = await done;
  assert.deepEqual(
    events.map((e) => e.split(' ').slice(0, 2).join(' ')),
    [
      `started ${files[0]}`,
      'succeed video-1',
      `started ${files[1]}`,
      'succeed video-2',
      `started ${files[2]}`,
      'succeed video-3',
      'end video-3',
    ],
  );
  const list = uploader.listFiles();
  assert.deepEqual(
    list.map((i) => i.state),
    ['Success', 'Success', 'Success'],
  );
  for (const path of files) {
    const reports = progress.filter(([p]) => p === path);
    const { size } = await stat(path);
    assert.ok(reports.length > 0, `no progress for ${path}`);
    assert.ok(reports.every(([, total, fraction]) => total === size && fraction >= 0 && fraction <= 1));
    assert.equal(reports[reports.length - 1][2], 1);
  }
  for (let i = 0; i < 3; i++) {
    assert.equal(list[i].object, `sv/video-${i + 1}/${files[i].split('/').pop()}`);
    assert.deepEqual(await readFile(server.objectPath(list[i].object)), await readFile(files[i]));
  }
});

test('token expiry mid-upload: onUploadTokenExpired → resumeUploadWithAuth, finished parts are not re-sent', async (t) => {
  const server = await bucket(t);
  const vod = fakeVodServer(server);
  const path = await makeFile(10 * MiB, 'mp4');
  server.faults.add({ op: 'UploadPart', partNumber: 4, action: 'expire-token', times: 1 });
  let expired = 0;
  const result = await new Promise((resolve) => {
    const uploader = new ossup.VODUpload({
      region: server.region,
      partSize: MiB,
      parallel: 1,
      onUploadstarted(info) {
        const answer = vod.createUploadVideo('movie.mp4');
        uploader.setUploadAuthAndAddress(info, answer.uploadAuth, answer.uploadAddress, answer.videoId);
      },
      onUploadTokenExpired() {
        expired++;
        setTimeout(() => uploader.resumeUploadWithAuth(vod.refreshUploadVideo()), 20);
      },
      onUploadSucceed: (info) => resolve(info),
      onUploadFailed: (info, code, message) => resolve({ code, message }),
    });
    uploader.addFile({ path });
    uploader.startUpload();
  });
  assert.equal(result.state, 'Success', result.message);
  assert.equal(expired, 1);
  assert.deepEqual(await readFile(server.objectPath(result.object)), await readFile(path));
  const parts = server.requests.filter((r) => r.op === 'UploadPart');
  assert.equal(parts.filter((r) => r.status === 200).length, 10);
  assert.equal(parts.length, 11); // the one refused with SecurityTokenExpired, sent again
});

test('list management: cancelFile, resumeFile, deleteFile, cleanList, stopUpload/startUpload', async (t) => {
  const server = await bucket(t);
  const vod = fakeVodServer(server);
  const paths = [
    await makeFile(1000, 'jpg'),
    await makeFile(2000, 'jpg'),
    await makeFile(3000, 'jpg'),
    await makeFile(12 * MiB, 'mp4'),
  ];
  const started = [];
  let end;
  const ended = () => new Promise((resolve) => (end = resolve));
  const uploader = new ossup.VODUpload({
    region: server.region,
    partSize: MiB,
    parallel: 1,
    onUploadstarted(info) {
      started.push(info.file.path);
      const answer = vod.createUploadVideo(info.file.path.split('/').pop());
      uploader.setUploadAuthAndAddress(info, answer.uploadAuth, answer.uploadAddress, answer.videoId);
    },
    onUploadEnd: () => end(),
  });
  for (const path of paths.slice(0, 3)) uploader.addFile({ path });
  uploader.cancelFile(1);
  uploader.deleteFile(2);
  let finished = ended();
  uploader.startUpload();
  await finished;
  assert.deepEqual(started, [paths[0]]);
  assert.deepEqual(
    uploader.listFiles().map((i) => i.state),
    ['Success', 'Canceled'],
  );
  uploader.resumeFile(1);
  finished = ended();
  uploader.startUpload();
  await finished;
  assert.deepEqual(started, [paths[0], paths[1]]);
  assert.equal(server.requests.filter((r) => r.op === 'PostObject' && r.status === 200).length, 2);

  // stopUpload pauses the big file; startUpload continues it without re-sending done parts.
  uploader.cleanList();
  assert.equal(uploader.listFiles().length, 0);
  uploader.addFile({ path: paths[3] });
  finished = ended();
  uploader.startUpload();
  while (server.requests.filter((r) => r.op === 'UploadPart' && r.status === 200).length < 3)
    await new Promise((r) => setTimeout(r, 5));
  uploader.stopUpload();
  assert.equal(uploader.listFiles()[0].state, 'Stoped');
  await new Promise((r) => setTimeout(r, 200));
  const whileStopped = server.requests.filter((r) => r.op === 'UploadPart' && r.status === 200).length;
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(server.requests.filter((r) => r.op === 'UploadPart' && r.status === 200).length, whileStopped);
  uploader.startUpload();
  await finished;
  const info = uploader.listFiles()[0];
  assert.equal(info.state, 'Success');
  assert.deepEqual(await readFile(server.objectPath(info.object)), await readFile(paths[3]));
  assert.equal(server.requests.filter((r) => r.op === 'InitiateMultipartUpload').length, 1);
});

test('malformed UploadAuth / UploadAddress: onUploadFailed with a code, no request sent', async (t) => {
  const server = await bucket(t);
  const vod = fakeVodServer(server);
  const good = vod.createUploadVideo('x.mp4');
  const path = await makeFile(100, 'mp4');
  const cases = [
    ['not base64!', good.uploadAddress, 'VOD_INVALID_UPLOAD_AUTH'],
    [Buffer.from('not json').toString('base64'), good.uploadAddress, 'VOD_INVALID_UPLOAD_AUTH'],
    [
      b64({ AccessKeyId: 'a', AccessKeySecret: 'b', ExpireUTCTime: '2099-01-01T00:00:00Z' }),
      good.uploadAddress,
      'VOD_INVALID_UPLOAD_AUTH',
    ],
    [
      b64({ AccessKeyId: 'a', AccessKeySecret: 'b', SecurityToken: 'c', ExpireUTCTime: '2001-01-01T00:00:00Z' }),
      good.uploadAddress,
      'VOD_UPLOAD_AUTH_EXPIRED',
    ],
    [good.uploadAuth, b64({ Endpoint: server.url, Bucket: server.bucket }), 'VOD_INVALID_UPLOAD_ADDRESS'],
    [good.uploadAuth, '', 'VOD_INVALID_UPLOAD_ADDRESS'],
  ];
  for (const [uploadAuth, uploadAddress, expected] of cases) {
    const failure = await new Promise((resolve) => {
      const uploader = new ossup.VODUpload({
        region: server.region,
        onUploadstarted: (info) => uploader.setUploadAuthAndAddress(info, uploadAuth, uploadAddress, 'v'),
        onUploadFailed: (info, code, message) => resolve({ code, message, state: info.state }),
        onUploadSucceed: () => resolve({ code: 'unexpected success' }),
      });
      uploader.addFile({ path });
      uploader.startUpload();
    });
    assert.equal(failure.code, expected, failure.message);
    assert.equal(failure.state, 'Failure');
  }
  assert.equal(server.requests.length, 0);
});

test('createUploader({ vodCredentials }) takes the address per file and refreshes once', async (t) => {
  const server = await bucket(t);
  const vod = fakeVodServer(server);
  const paths = [await makeFile(5000, 'png'), await makeFile(9 * MiB, 'mp4')];
  server.faults.add({ op: 'UploadPart', partNumber: 2, action: 'expire-token', times: 1 });
  let refreshes = 0;
  const uploader = ossup.createUploader({
    vodCredentials: async (file) => vod.createUploadVideo(file.name),
    refreshVodCredentials: async ({ videoId }) => {
      refreshes++;
      assert.equal(videoId, 'video-2');
      return vod.refreshUploadVideo();
    },
    concurrency: 1,
  });
  const results = await uploader.upload(paths);
  for (let i = 0; i < 2; i++) {
    assert.equal(results[i].status, 'success', results[i].error && results[i].error.message);
    assert.equal(results[i].key, `sv/video-${i + 1}/${paths[i].split('/').pop()}`);
    assert.deepEqual(await readFile(server.objectPath(results[i].key)), await readFile(paths[i]));
  }
  assert.equal(refreshes, 1);
});
