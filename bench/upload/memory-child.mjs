// Resident memory of our uploader while it sends one big file (multipart, defaults otherwise):
// RSS sampled every 10 ms from just before the upload until it resolves. Reported, not asserted.
const ossup = await import(process.env.OSSUP_BENCH_PACKAGE);

const [url, bucket, region, path, gcEveryMs] = process.argv.slice(2);

const sts = async () =>
  (
    await fetch(`${url}/__ossup_test/sts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ttlSeconds: 3600 }),
    })
  ).json();

process.on('disconnect', () => process.exit(0));

const uploader = ossup.createUploader({ bucket, region, endpoint: url, keyPrefix: 'bench/memory', credentials: sts });
globalThis.gc?.();
await new Promise((resolve) => setTimeout(resolve, 200));
const baseline = process.memoryUsage();
const peak = {
  rss: baseline.rss,
  heapUsed: baseline.heapUsed,
  external: baseline.external,
  arrayBuffers: baseline.arrayBuffers,
};
let samples = 0;
const sample = () => {
  const m = process.memoryUsage();
  samples++;
  for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], m[k]);
};
const timer = setInterval(sample, 10);
// Diagnostic mode: a full GC every `gcEveryMs`, to tell garbage not yet collected from memory held.
const collector = Number(gcEveryMs) > 0 ? setInterval(() => globalThis.gc(), Number(gcEveryMs)) : null;
const start = performance.now();
const [result] = await uploader.upload([{ path, name: 'big.bin', type: 'application/octet-stream' }]);
const ms = performance.now() - start;
sample();
clearInterval(timer);
if (collector) clearInterval(collector);
process.send({
  status: result.status,
  error: result.error ? result.error.message : null,
  parts: result.multipart ? result.multipart.parts : null,
  integrity: result.integrity,
  ms,
  samples,
  baseline: {
    rss: baseline.rss,
    heapUsed: baseline.heapUsed,
    external: baseline.external,
    arrayBuffers: baseline.arrayBuffers,
  },
  peak,
});
