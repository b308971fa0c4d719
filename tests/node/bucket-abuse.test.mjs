// The local bucket under abuse: bodies that fail authentication store nothing, slow and
// silent connections are closed, the request log stays bounded, and a full disk is answered
// promptly with nothing left behind. Everything over real HTTP (node:http and node:net, so the
// client can keep sending after the answer, or send one byte at a time).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { startBucketServer } from '../../www/server/bucket.mjs';
import { uploadSessionPolicy } from '../../www/server/credentials.mjs';
import {
  ACCESS_KEY_ID,
  ACCESS_KEY_SECRET,
  buildForm,
  getObject,
  inMinutes,
  objectUrl,
  readError,
  rfc1123,
  signedRequest,
  startTestServer,
  v1Fields,
} from './bucket-helpers.mjs';

const MiB = 1024 * 1024;

/** Bytes of every file under `dir`. */
async function diskBytes(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  let total = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    total += await stat(path.join(entry.parentPath ?? entry.path, entry.name)).then(
      (s) => s.size,
      () => 0, // removed meanwhile
    );
  }
  return total;
}

/** Largest growth of `dir` above its size now, sampled every 20 ms until stop() is called. */
function watchGrowth(dir) {
  let base;
  let max = 0;
  let running = true;
  const done = (async () => {
    base = await diskBytes(dir);
    while (running) {
      max = Math.max(max, (await diskBytes(dir)) - base);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    max = Math.max(max, (await diskBytes(dir)) - base);
  })();
  return async () => {
    running = false;
    await done;
    return max;
  };
}

/**
 * Send `head`, `size` bytes of filler, then `tail`, whatever the server answers meanwhile.
 * → { status, text, msToAnswer, sentAtAnswer, sent }
 */
function sendBig(url, { method, headers, head = Buffer.alloc(0), size, tail = Buffer.alloc(0) }) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const total = head.length + size + tail.length;
    const request = http.request(url, { method, headers: { ...headers, 'content-length': total }, agent: false });
    let sent = 0;
    let answer = null;
    request.on('response', (response) => {
      answer = { status: response.statusCode, msToAnswer: Date.now() - started, sentAtAnswer: sent, text: '' };
      response.setEncoding('utf8');
      response.on('data', (chunk) => (answer.text += chunk));
    });
    const write = async () => {
      const filler = Buffer.alloc(MiB, 0x61);
      const put = async (chunk) => {
        sent += chunk.length;
        if (!request.write(chunk)) await once(request, 'drain');
      };
      await put(head);
      for (let left = size; left > 0; left -= MiB) await put(left >= MiB ? filler : filler.subarray(0, left));
      await put(tail);
      request.end();
    };
    write().catch(() => {}); // a server that closes the connection ends the sending
    request.on('close', () => (answer ? resolve({ ...answer, sent }) : reject(new Error('no answer'))));
    request.on('error', () => {});
  });
}

test('a bogus-signature 200 MiB UploadPart is refused before its body is stored', async (t) => {
  const server = await startTestServer(t);
  const init = await signedRequest(server, { method: 'POST', key: 'big.bin', query: { uploads: null } });
  const uploadId = /<UploadId>([^<]+)</.exec(await init.text())[1];
  const stop = watchGrowth(server.root);
  const result = await sendBig(`${objectUrl(server, 'big.bin')}?partNumber=1&uploadId=${uploadId}`, {
    method: 'PUT',
    headers: { authorization: 'OSS OSSUP_FAKE_ACCESS_KEY_ID:AAAAAAAAAAAAAAAAAAAAAAAAAAA=', 'x-oss-date': rfc1123() },
    size: 200 * MiB,
  });
  const growth = await stop();
  t.diagnostic(`403 after ${result.msToAnswer} ms, ${(result.sentAtAnswer / MiB).toFixed(1)} MiB sent by then`);
  t.diagnostic(`root grew by at most ${(growth / MiB).toFixed(2)} MiB; ${(result.sent / MiB).toFixed(0)} MiB sent`);
  assert.equal(result.status, 403);
  assert.match(result.text, /<Code>SignatureDoesNotMatch<\/Code>/);
  assert.ok(result.sentAtAnswer < 100 * MiB, 'answered before the body was in');
  assert.ok(growth < MiB, `the root grew by ${growth} bytes`);
});

test('a bogus-signature 200 MiB PutObject stores nothing', async (t) => {
  const server = await startTestServer(t);
  const stop = watchGrowth(server.root);
  const result = await sendBig(objectUrl(server, 'put.bin'), {
    method: 'PUT',
    headers: { authorization: 'OSS OSSUP_FAKE_ACCESS_KEY_ID:AAAAAAAAAAAAAAAAAAAAAAAAAAA=', 'x-oss-date': rfc1123() },
    size: 200 * MiB,
  });
  const growth = await stop();
  t.diagnostic(`403 after ${result.msToAnswer} ms; root grew by at most ${(growth / MiB).toFixed(2)} MiB`);
  assert.equal(result.status, 403);
  assert.match(result.text, /<Code>SignatureDoesNotMatch<\/Code>/);
  assert.ok(growth < MiB, `the root grew by ${growth} bytes`);
  assert.equal((await getObject(server, 'put.bin')).response.status, 404);
});

/**
 * A PostObject with `fields` before its file, sent but for its closing boundary; asserts that a
 * 403 AccessDenied (matching `message`) comes while the body is incomplete, and nothing stored.
 * (Flooding 300 MiB instead made the answer race the socket's close under load.)
 */
async function assertPostRefusedAtFile(t, server, fields, message) {
  const boundary = 'ossupabuseboundary';
  const head = Buffer.from(
    Object.entries(fields)
      .map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
      .join('') +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const file = Buffer.alloc(64 * 1024, 0x61);
  const request = http.request(`${server.url}/`, {
    method: 'POST',
    headers: {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': head.length + file.length + tail.length,
    },
    agent: false,
  });
  const answered = new Promise((resolve) => request.once('response', resolve));
  request.write(Buffer.concat([head, file]));
  const early = await Promise.race([answered, new Promise((resolve) => setTimeout(resolve, 5000, null))]);
  request.end(tail);
  const response = early ?? (await answered);
  let text = '';
  response.setEncoding('utf8');
  for await (const chunk of response) text += chunk;
  t.diagnostic(`${response.statusCode} ${early ? 'before' : 'only after'} the end of the body`);
  assert.ok(early, 'answered before the body was in');
  assert.equal(response.statusCode, 403);
  assert.match(text, /<Code>AccessDenied<\/Code>/);
  assert.match(text, message);
  assert.equal((await getObject(server, fields.key)).response.status, 404);
}

test('an anonymous PostObject is refused when its file part starts, nothing stored', async (t) => {
  const server = await startTestServer(t);
  await assertPostRefusedAtFile(t, server, { key: 'big.bin' }, /AccessDenied/);
});

test('a PostObject with a valid STS form outside its folder is refused when its file part starts', async (t) => {
  const server = await startTestServer(t);
  const sts = server.issueSts({ policy: uploadSessionPolicy({ bucket: server.bucket, prefix: 'users/a/' }) });
  const fields = v1Fields({
    key: 'users/b/big.bin',
    policy: { expiration: inMinutes(10), conditions: [{ bucket: server.bucket }] },
    accessKeyId: sts.accessKeyId,
    accessKeySecret: sts.accessKeySecret,
    stsToken: sts.securityToken,
  });
  await assertPostRefusedAtFile(t, server, fields, /oss:PutObject/);
});

test('a forged PostObject signature is refused before the file; a good one on the same connection still works', async (t) => {
  const server = await startTestServer(t);
  const policy = { expiration: inMinutes(10), conditions: [] };
  const forged = { ...v1Fields({ policy, key: 'f.bin' }), Signature: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' };
  const encoded = new Response(buildForm(forged, { file: Buffer.alloc(40 * MiB, 1) }));
  const stop = watchGrowth(server.root);
  const refused = await fetch(`${server.url}/`, {
    method: 'POST',
    body: Buffer.from(await encoded.arrayBuffer()),
    headers: { 'content-type': encoded.headers.get('content-type') },
  });
  assert.deepEqual([refused.status, (await readError(refused)).code], [403, 'SignatureDoesNotMatch']);
  assert.ok((await stop()) < MiB);
  const good = buildForm(v1Fields({ policy, key: 'f.bin' }), { file: Buffer.from('fine') });
  assert.equal((await fetch(`${server.url}/`, { method: 'POST', body: good })).status, 204);
  assert.equal((await getObject(server, 'f.bin')).body.toString(), 'fine');
});

// ---------------------------------------------------------------- timeouts

/** Open a connection, send `first`, then `drip` one byte every `everyMs` (if any); → a record of its end. */
function slowClient(port, { first, drip = '', everyMs = 1000 }) {
  const socket = net.connect(port, '127.0.0.1');
  const started = Date.now();
  const record = { closedAfterMs: null, answer: '' };
  socket.setEncoding('latin1');
  socket.on('data', (chunk) => (record.answer += chunk));
  socket.on('error', () => {});
  socket.write(first);
  let i = 0;
  const timer = setInterval(() => {
    if (i < drip.length) socket.write(drip[i++]);
  }, everyMs);
  record.closed = new Promise((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      record.closedAfterMs = Date.now() - started;
      resolve();
    }),
  );
  record.socket = socket;
  return record;
}

/** A PUT of `size` bytes with `Expect: 100-continue`: the body goes only after a 100. → { status, continued, sent } */
function putExpectingContinue(url, headers, size) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: 'PUT',
      headers: { ...headers, expect: '100-continue', 'content-length': size },
      agent: false,
    });
    let continued = false;
    let sent = 0;
    request.on('continue', () => {
      continued = true;
      sent = size;
      request.end(Buffer.alloc(size, 0x62));
    });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode, continued, sent }));
      if (!continued) request.destroy(); // refused: the body is never sent
    });
    request.on('error', (error) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
  });
}

test('Expect: 100-continue is answered only after the headers authenticate', async (t) => {
  const server = await startTestServer(t);
  const date = rfc1123();
  const type = 'application/octet-stream';
  const sign = (secret) =>
    createHmac('sha1', secret).update(`PUT\n\n${type}\n${date}\n/${server.bucket}/expect.bin`).digest('base64');
  const headers = (secret) => ({
    date,
    'content-type': type,
    authorization: `OSS ${ACCESS_KEY_ID}:${sign(secret)}`,
  });
  const forged = await putExpectingContinue(objectUrl(server, 'expect.bin'), headers('not-the-secret'), 8 * MiB);
  assert.deepEqual(forged, { status: 403, continued: false, sent: 0 });
  assert.equal((await getObject(server, 'expect.bin')).response.status, 404);
  const good = await putExpectingContinue(objectUrl(server, 'expect.bin'), headers(ACCESS_KEY_SECRET), 8 * MiB);
  assert.deepEqual(good, { status: 200, continued: true, sent: 8 * MiB });
  const stored = await getObject(server, 'expect.bin');
  assert.ok(stored.body.equals(Buffer.alloc(8 * MiB, 0x62)));
});

test('300 slow or silent connections are closed after the timeouts; a stalled body gets 400 RequestTimeout', async (t) => {
  const limits = { headersTimeoutMs: 2000, requestTimeoutMs: 4000, bodyTimeoutMs: 1500 };
  const server = await startTestServer(t, limits);
  const { port } = new URL(server.url);
  const formHead = (length) =>
    `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: ${length}\r\n\r\n`;
  const clients = [];
  for (let i = 0; i < 100; i++) {
    // Headers one byte a second: only the headers timeout catches these.
    clients.push(['headers', slowClient(port, { first: 'GET /x HTTP/1.1\r\n', drip: 'Host: slowly-slowly\r\n\r\n' })]);
    // A body one byte a second: never idle long enough for the body timeout, caught by the request timeout.
    clients.push(['trickle', slowClient(port, { first: formHead(1000), drip: '-'.repeat(1000) })]);
    // A body that stops: caught by the body timeout, answered like OSS.
    clients.push(['stalled', slowClient(port, { first: `${formHead(1000)}--b\r\n` })]);
  }
  let timer;
  const deadline = new Promise((resolve) => (timer = setTimeout(resolve, 20_000)));
  await Promise.race([Promise.all(clients.map(([, c]) => c.closed)), deadline]);
  clearTimeout(timer);
  for (const [, client] of clients) client.socket.destroy();

  const open = clients.filter(([, c]) => c.closedAfterMs === null).map(([kind]) => kind);
  const slowest = (kind) =>
    Math.max(...clients.filter(([k]) => k === kind).map(([, c]) => c.closedAfterMs ?? Infinity));
  t.diagnostic(
    `closed after at most: headers ${slowest('headers')} ms, trickle ${slowest('trickle')} ms, stalled ${slowest('stalled')} ms`,
  );
  assert.deepEqual(open, [], 'still open after 20 s');
  for (const [kind, client] of clients) {
    if (kind === 'stalled') {
      assert.match(client.answer, /^HTTP\/1\.1 400 /, 'stalled body → 400');
      assert.match(client.answer, /<Code>RequestTimeout<\/Code>/);
      assert.ok(client.closedAfterMs >= limits.bodyTimeoutMs - 100, `closed after ${client.closedAfterMs} ms`);
    }
    if (kind === 'trickle') assert.ok(client.closedAfterMs >= limits.requestTimeoutMs - 100);
  }

  // A request that is being worked on (a delayed answer) is not cut by the body timeout.
  const busy = await startTestServer(t, { ...limits, testMode: true });
  busy.faults.add({ op: 'PostObject', action: 'delay', delayMs: 2500 });
  const form = buildForm(v1Fields({ policy: { expiration: inMinutes(10), conditions: [] }, key: 'slow.txt' }));
  assert.equal((await fetch(`${busy.url}/`, { method: 'POST', body: form })).status, 204);
});

// ---------------------------------------------------------------- the request log

test('40,000 GETs: the request log keeps the newest maxLogEntries, and the heap stays bounded', async (t) => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const server = await startTestServer(t, { maxLogEntries: 1000 });
  const form = buildForm(v1Fields({ policy: { expiration: inMinutes(10), conditions: [] }, key: 'small.txt' }));
  assert.equal((await fetch(`${server.url}/`, { method: 'POST', body: form })).status, 204);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  t.after(() => agent.destroy());
  const get = () =>
    new Promise((resolve, reject) => {
      http
        .get(objectUrl(server, 'small.txt'), { agent }, (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode));
        })
        .on('error', reject);
    });
  const run = async (count) => {
    let next = 0;
    const statuses = new Set();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next++ < count) statuses.add(await get());
      }),
    );
    return [...statuses];
  };
  assert.deepEqual(await run(1000), [200]); // warm up: sockets, JIT, a full log
  gc();
  const before = process.memoryUsage().heapUsed;
  assert.deepEqual(await run(40_000), [200]);
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  t.diagnostic(`heap after 40,000 GETs: ${(grown / MiB).toFixed(1)} MiB more; log holds ${server.requests.length}`);
  assert.equal(server.requests.length, 1000);
  assert.equal(server.requests.at(-1).op, 'GetObject');
  assert.ok(grown < 8 * MiB, `heap grew by ${grown} bytes`);
});

// ---------------------------------------------------------------- a full disk

test('a full disk: prompt 503 answers for PostObject, UploadPart and Initiate, nothing left behind', async (t) => {
  const mountPoint = await mkdtemp(path.join(tmpdir(), 'ossup-bucket-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint], { stdio: 'ignore' });
  } catch {
    await rm(mountPoint, { recursive: true, force: true });
    t.skip('mounting a tmpfs is not allowed here (needs root); the disk-full case did not run');
    return;
  }
  t.diagnostic('ran on a 4 MiB tmpfs');
  let server;
  t.after(async () => {
    await server?.close();
    execFileSync('umount', ['-l', mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  });
  const root = path.join(mountPoint, 'bucket');
  server = await startBucketServer({ root });
  const policy = { expiration: inMinutes(10), conditions: [] };
  const postBytes = (key, bytes) =>
    fetch(`${server.url}/`, {
      method: 'POST',
      body: buildForm(v1Fields({ policy, key }), { file: bytes }),
      signal: AbortSignal.timeout(15_000),
    });

  const init = await signedRequest(server, { method: 'POST', key: 'parts.bin', query: { uploads: null } });
  const uploadId = /<UploadId>([^<]+)</.exec(await init.text())[1];
  assert.equal((await postBytes('kept.txt', Buffer.from('kept'))).status, 204);
  const settled = await diskBytes(root);
  const uploadsBefore = (await readdir(path.join(root, 'uploads'))).sort();

  // Fill what is left with a file outside the bucket's folders.
  const filler = path.join(mountPoint, 'filler');
  await writeFile(filler, Buffer.alloc(0));
  for (let size = 4 * MiB; size >= 4096; size /= 2) {
    await writeFile(filler, Buffer.alloc(size), { flag: 'a' }).catch(() => {});
  }

  const started = Date.now();
  const post = await postBytes('big.bin', Buffer.alloc(2 * MiB, 7));
  const postError = await readError(post);
  const part = await signedRequest(server, {
    method: 'PUT',
    key: 'parts.bin',
    query: { partNumber: '1', uploadId },
    body: Buffer.alloc(2 * MiB, 8),
  });
  const partError = await readError(part);
  const initiate = await signedRequest(server, { method: 'POST', key: 'more.bin', query: { uploads: null } });
  const initiateError = await readError(initiate);
  t.diagnostic(`three answers in ${Date.now() - started} ms`);
  for (const error of [postError, partError, initiateError]) {
    assert.deepEqual([error.status, error.code], [503, 'ServiceUnavailable']);
  }
  assert.deepEqual(await readdir(path.join(root, 'tmp')), [], 'no temp files');
  assert.deepEqual((await readdir(path.join(root, 'uploads'))).sort(), uploadsBefore, 'no new upload folders');
  assert.equal(await diskBytes(root), settled, 'the bucket holds what it held before');
  assert.equal((await getObject(server, 'big.bin')).response.status, 404);

  // Space again: the same server stores as before.
  await rm(filler);
  assert.equal((await postBytes('big.bin', Buffer.alloc(2 * MiB, 7))).status, 204);
  assert.deepEqual((await getObject(server, 'big.bin')).body, Buffer.alloc(2 * MiB, 7));
  assert.equal((await getObject(server, 'kept.txt')).body.toString(), 'kept');
});
