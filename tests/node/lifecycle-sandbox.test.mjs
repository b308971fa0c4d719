// A WeChat app going to the background mid-upload: requests still open 5 s later fail
// "interrupted" (DESIGN-NOTES). The uploader pauses with the app and resumes with it, so the
// upload completes instead of burning its retries while the network is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBucketServer } from '../../www/server/bucket.mjs';
import { createSandbox } from './sandbox/index.mjs';

const MiB = 1024 * 1024;

test('WeChat: background mid-upload pauses, foreground resumes, the file lands intact', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'ossup-lifecycle-'));
  const server = await startBucketServer({ root, testMode: true });
  const sandbox = createSandbox('wechat', { backgroundGraceMs: 50 });
  t.after(async () => {
    await sandbox.close();
    await server.close();
    await rm(root, { recursive: true, force: true });
  });
  const filePath = sandbox.addFile('long-video.mp4', 12 * MiB);
  const parts = () => server.requests.filter((r) => r.op === 'UploadPart' && r.status === 200).length;

  const running = sandbox.run(
    `
    const ossup = require('ossup');
    await ossup.ready();
    const uploader = ossup.createUploader({
      bucket: server.bucket, region: server.region, endpoint: server.url,
      partSize: 1024 * 1024, partConcurrency: 1, retry: { limit: 1, delay: 10 },
      credentials: async () => sts,
    });
    const task = uploader.upload([{ tempFilePath: filePath, size }]);
    const events = [];
    task.on('pause', () => events.push('pause'));
    task.on('resume', () => events.push('resume'));
    const [result] = await task;
    return { result: { status: result.status, key: result.key, code: result.error && result.error.code }, events };
  `,
    {
      server: { bucket: server.bucket, region: server.region, url: server.url },
      sts: server.issueSts({ ttlSeconds: 900 }),
      filePath,
      size: 12 * MiB,
    },
  );
  while (parts() < 3) await new Promise((r) => setTimeout(r, 5));
  sandbox.goBackground();
  // Long enough for WeChat to cut the open request ("interrupted") and for retries to run out
  // if the uploader kept going.
  await new Promise((r) => setTimeout(r, 400));
  const whileHidden = parts();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(parts(), whileHidden, 'parts went up while the app was in the background');
  sandbox.goForeground();
  const { result, events } = sandbox.toHost(await running);
  assert.equal(result.status, 'success', result.code);
  assert.deepEqual(events, ['pause', 'resume']);
  assert.deepEqual(await readFile(server.objectPath(result.key)), sandbox.fileBytes(filePath));
  assert.deepEqual(sandbox.errors, []);
});
