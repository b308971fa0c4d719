// The local bucket server in its own process, so that the upload clients measured in another
// process get a core of their own. Talks to bench/lib/upload.mjs over IPC.
import { startBucketServer } from '../../www/server/bucket.mjs';

const server = await startBucketServer({ root: process.argv[2], testMode: true });
// Never outlive the harness (a killed parent closes the IPC channel).
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready', url: server.url, bucket: server.bucket, region: server.region });
process.on('message', async (message) => {
  if (message.type === 'log') {
    // Requests since the last call, by operation, with failures counted apart.
    const ops = {};
    let failed = 0;
    for (const r of server.requests.splice(0)) {
      ops[r.op] = (ops[r.op] || 0) + 1;
      if (!(r.status >= 200 && r.status < 300)) failed++;
    }
    process.send({ type: 'log', ops, failed });
  } else if (message.type === 'close') {
    await server.close();
    process.exit(0);
  }
});
