// Upload clients, timed one run at a time on request from bench/lib/upload.mjs (IPC):
// - ours: `createUploader` with STS credentials and `concurrency` N (multipart above 8 MiB,
//   parts also N at a time), integrity checking on as by default;
// - plain: the ceiling — a fetch + FormData loop with N workers, one PostObject per file,
//   signed with our `buildPostForm`, no retries, no checks.
import { readFile } from 'node:fs/promises';
const ossup = await import(process.env.OSSUP_BENCH_PACKAGE);

const [url, bucket, region] = process.argv.slice(2);

async function sts() {
  // The bucket server's control API returns `server.issueSts()` (testMode).
  const answer = await fetch(`${url}/__ossup_test/sts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ttlSeconds: 3600 }),
  });
  if (!answer.ok) throw new Error(`STS: HTTP ${answer.status}`);
  return answer.json();
}

async function ours(files, concurrency, extra = {}) {
  const uploader = ossup.createUploader({
    ...extra,
    bucket,
    region,
    endpoint: url,
    keyPrefix: 'bench/ours',
    concurrency,
    partConcurrency: concurrency,
    credentials: sts,
  });
  const results = await uploader.upload(files.map((f) => ({ path: f.path, name: f.name, type: f.type })));
  const failed = results.filter((r) => r.status !== 'success');
  if (failed.length) throw new Error(`ours: ${failed.length} failed: ${failed[0].error && failed[0].error.message}`);
  return results.length;
}

async function plain(files, concurrency) {
  const credentials = await sts();
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++];
      const bytes = await readFile(file.path);
      const key = ossup.objectKey({ prefix: 'bench/plain', name: file.name });
      const { fields } = ossup.buildPostForm({
        accessKeyId: credentials.accessKeyId,
        accessKeySecret: credentials.accessKeySecret,
        securityToken: credentials.securityToken,
        region,
        bucket,
        key,
        contentType: file.type,
        contentLengthRange: [bytes.length, bytes.length],
      });
      const form = new FormData();
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      form.append('file', new Blob([bytes], { type: file.type }), file.name);
      const answer = await fetch(`${url}/`, { method: 'POST', body: form });
      await answer.arrayBuffer();
      if (!answer.ok) throw new Error(`plain: HTTP ${answer.status} for ${file.name}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  return files.length;
}

// Diagnostic: the same without the local CRC-64 read and compare, to size what it costs.
const oursNoIntegrity = (files, concurrency) => ours(files, concurrency, { integrity: false });

const contenders = { ours, plain, oursNoIntegrity };

process.on('message', async ({ contender, files, concurrency }) => {
  try {
    const start = performance.now();
    const count = await contenders[contender](files, concurrency);
    const ms = performance.now() - start;
    process.send({ ok: true, ms, count });
  } catch (error) {
    process.send({ ok: false, error: String((error && error.stack) || error) });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
