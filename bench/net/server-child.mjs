// Inside the server namespace: the local bucket (www/server/bucket.mjs) and an app server that
// signs forms (www/server/credentials.mjs, the demo's signing) and multipart requests, both on the link's
// server address. Talks to the harness over IPC: request counts, and the stored objects' digests.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import { startBucketServer, UPLOADER_RAM_USER } from '../../www/server/bucket.mjs';
import { createCredentialServer } from '../../www/server/credentials.mjs';
import { signHeaders } from '../../pkg/dist/node.mjs';

const [root, host] = process.argv.slice(2);
const bucket = await startBucketServer({ root, host, testMode: true });
const formRequests = [];
const api = createCredentialServer({
  bucket: bucket.bucket,
  region: bucket.region,
  endpoint: bucket.url,
  accessKeyId: UPLOADER_RAM_USER.accessKeyId,
  accessKeySecret: UPLOADER_RAM_USER.accessKeySecret,
  issueSts: (options) => bucket.issueSts(options),
  prefixFor: () => 'bench/signed',
  // The bench asks for hundreds of forms a minute; the demo's limit is for strangers.
  rateLimit: { capacity: 1e9, refillPerSecond: 1e9 },
  local: true,
});
// Multipart in server-signed mode: the app server signs each request's headers (signHeaders).
async function signRequest(req, res) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const headers = signHeaders({
    ...request,
    accessKeyId: UPLOADER_RAM_USER.accessKeyId,
    accessKeySecret: UPLOADER_RAM_USER.accessKeySecret,
  });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(headers));
}
const app = http.createServer((req, res) => {
  formRequests.push(req.url);
  if (req.url === '/api/sign') signRequest(req, res).catch(() => res.destroy());
  else api(req, res);
});
await new Promise((resolve) => app.listen(0, host, resolve));

const md5 = (file) =>
  new Promise((resolve, reject) => {
    const hash = createHash('md5');
    let size = 0;
    createReadStream(file)
      .on('data', (chunk) => {
        size += chunk.length;
        hash.update(chunk);
      })
      .on('end', () => resolve({ size, md5: hash.digest('hex') }))
      .on('error', reject);
  });

process.on('disconnect', () => process.exit(0));
process.send({
  type: 'ready',
  url: bucket.url,
  bucket: bucket.bucket,
  region: bucket.region,
  app: `http://${host}:${app.address().port}`,
});
process.on('message', async (message) => {
  if (message.type === 'log') {
    // Requests since the last call, by operation (bucket) and route (app server).
    const ops = {};
    let failed = 0;
    for (const r of bucket.requests.splice(0)) {
      ops[r.op] = (ops[r.op] || 0) + 1;
      if (!(r.status >= 200 && r.status < 300)) failed++;
    }
    for (const url of formRequests.splice(0)) ops[`app ${url}`] = (ops[`app ${url}`] || 0) + 1;
    process.send({ type: 'log', ops, failed });
  } else if (message.type === 'digests') {
    const out = [];
    for (const key of message.keys) {
      try {
        out.push(await md5(bucket.objectPath(key)));
        // Checked once, then removed: a full run stores several GB otherwise.
        if (message.remove) await rm(bucket.objectPath(key), { force: true });
      } catch (error) {
        out.push({ error: String(error.message) });
      }
    }
    process.send({ type: 'digests', digests: out });
  } else if (message.type === 'sts') {
    process.send({ type: 'sts', sts: bucket.issueSts({ ttlSeconds: 3600 }) });
  }
});
