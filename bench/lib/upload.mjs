// Upload pipeline on loopback: the bucket server and the clients in separate processes, runs
// alternating between ours and the plain loop, request counts taken from the server's log.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MiB, testBytes } from './data.js';
import { summary } from './measure.js';
import { pathToFileURL } from 'node:url';
import { PKG, ROOT } from './paths.mjs';

const child = (file, args, execArgv = []) =>
  fork(path.join(ROOT, 'bench/upload', file), args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv,
    env: { ...process.env, OSSUP_BENCH_PACKAGE: pathToFileURL(path.join(PKG, 'dist/node.mjs')).href },
  });

function ask(proc, message) {
  const answer = once(proc, 'message').then(([m]) => m);
  proc.send(message);
  return answer;
}

async function writeLarge(file, bytes, block) {
  const out = createWriteStream(file);
  for (let written = 0; written < bytes; written += block.length) {
    const piece = block.subarray(0, Math.min(block.length, bytes - written));
    if (!out.write(piece)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

export const UPLOAD_SETUP = { smallCount: 200, smallSize: 20 * 1024, largeSize: 64 * MiB, memorySize: 300 * MiB };

export async function runUpload({ reps = 5, concurrency = 3, log = () => {} } = {}) {
  const { smallCount, smallSize, largeSize, memorySize } = UPLOAD_SETUP;
  const dir = await mkdtemp(path.join(tmpdir(), 'ossup-bench-upload-'));
  const procs = [];
  try {
    await mkdir(path.join(dir, 'files'));
    const block = testBytes(largeSize);
    const small = [];
    for (let i = 0; i < smallCount; i++) {
      const file = path.join(dir, 'files', `photo-${i}.jpg`);
      await writeFile(file, block.subarray(i * smallSize, (i + 1) * smallSize));
      small.push({ path: file, name: `photo-${i}.jpg`, type: 'image/jpeg', size: smallSize });
    }
    const largeFile = path.join(dir, 'files', 'video.mp4');
    await writeFile(largeFile, block);
    const large = [{ path: largeFile, name: 'video.mp4', type: 'video/mp4', size: largeSize }];

    const bucket = child('bucket-child.mjs', [path.join(dir, 'bucket')]);
    procs.push(bucket);
    const [server] = await once(bucket, 'message');
    const client = child('client-child.mjs', [server.url, server.bucket, server.region]);
    procs.push(client);
    await once(client, 'message');

    const run = async (contender, files) => {
      await ask(bucket, { type: 'log' }); // clear
      const answer = await ask(client, { contender, files, concurrency });
      if (!answer.ok) throw new Error(answer.error);
      const requests = await ask(bucket, { type: 'log' });
      const count = Object.entries(requests.ops)
        .filter(([op]) => op !== 'Preflight')
        .reduce((n, [, c]) => n + c, 0);
      return { ms: answer.ms, requests: count, ops: requests.ops, failed: requests.failed };
    };

    const workloads = {};
    for (const [id, files] of [
      ['small', small],
      ['large', large],
    ]) {
      log(`upload ${id}`);
      const bytes = files.reduce((n, f) => n + f.size, 0);
      const runs = { ours: [], plain: [], oursNoIntegrity: [] };
      for (const contender of Object.keys(runs)) await run(contender, files); // warm-up
      for (let rep = 0; rep < reps; rep++) {
        const order = rep % 2 ? ['plain', 'oursNoIntegrity', 'ours'] : ['ours', 'oursNoIntegrity', 'plain'];
        for (const contender of order) runs[contender].push(await run(contender, files));
      }
      workloads[id] = {
        files: files.length,
        bytes,
        contenders: Object.fromEntries(
          Object.entries(runs).map(([contender, list]) => [
            contender,
            {
              ms: summary(list.map((r) => r.ms)),
              requestsPerRun: list[0].requests,
              ops: list[0].ops,
              failedRequests: list.reduce((n, r) => n + r.failed, 0),
              requestsPerSecond: summary(list.map((r) => r.requests / (r.ms / 1000))),
              mbps: summary(list.map((r) => bytes / 1e6 / (r.ms / 1000))),
            },
          ]),
        ),
      };
    }

    log('upload memory (300 MiB)');
    const bigFile = path.join(dir, 'files', 'big.bin');
    await writeLarge(bigFile, memorySize, block);
    await rm(largeFile);
    const measureMemory = async (gcEveryMs) => {
      const proc = child(
        'memory-child.mjs',
        [server.url, server.bucket, server.region, bigFile, String(gcEveryMs)],
        ['--expose-gc'],
      );
      procs.push(proc);
      const [answer] = await once(proc, 'message');
      return answer;
    };
    const memory = await measureMemory(0);
    log('upload memory (300 MiB, diagnostic: gc() every 50 ms)');
    const memoryWithGc = await measureMemory(50);
    await rm(bigFile);
    await ask(bucket, { type: 'log' });
    bucket.send({ type: 'close' });
    await once(bucket, 'exit');
    return {
      concurrency,
      reps,
      setup: UPLOAD_SETUP,
      workloads,
      memory: { ...memory, size: memorySize, withGc: memoryWithGc },
    };
  } finally {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill();
    await rm(dir, { recursive: true, force: true });
  }
}
