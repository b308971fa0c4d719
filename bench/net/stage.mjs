// The network stage: every contender over the same emulated link (link.mjs) in the same run.
// Per profile one link, the bucket and a form-signing app server in the server namespace
// (server-child.mjs), one fresh client process per run in the client namespace (client-child.mjs).
// Counted on the link: bytes the client put on the wire, TCP retransmissions, connections (SYNs).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { median } from '../lib/measure.js';
import { PROFILES, startLink, unavailable } from './link.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const MB = 1e6;

/** Files per workload; `video` depends on the profile (10 MB on poor). */
export function workloadFiles(workload, profile) {
  const many = (n, size, name, type) =>
    Array.from({ length: n }, (_, i) => ({ name: `${name}-${i}.${type.split('/')[1]}`, size, type }));
  switch (workload) {
    case 'photos':
      return many(9, 3 * MB, 'photo', 'image/jpeg');
    case 'small':
      return many(50, 100_000, 'thumb', 'image/jpeg');
    case 'video':
    case 'kill':
    case 'outage':
      return [{ name: 'video.mp4', size: profile === 'poor' ? 10 * MB : 50 * MB, type: 'video/mp4' }];
    case 'video200':
      return [{ name: 'video.mp4', size: 200 * MB, type: 'video/mp4' }];
    default:
      throw new Error(`unknown workload ${workload}`);
  }
}

export const WORKLOADS = {
  photos: { label: '9 photos × 3 MB' },
  small: { label: '50 files × 100 KB' },
  video: { label: 'one video' },
  video200: { label: 'one 200 MB video' },
  kill: { label: 'the video, client killed at 50% and resumed' },
  outage: { label: 'the video, a 10 s link outage at 50%' },
};

export const CONTENDER_LABELS = {
  ossup: 'ossup (Node, STS)',
  'ossup-wechat': 'ossup (WeChat sandbox)',
  'ossup-signed': 'ossup (server-signed)',
  'ali-put': 'ali-oss `put`',
  'ali-multipart': 'ali-oss `multipartUpload`',
  'post-all': 'PostObject loop, all at once',
  'post-serial': 'PostObject loop, one at a time',
};

const ALL = Object.keys(CONTENDER_LABELS);
// Single-request contenders are left out of the big-file rows: one cubic flow under random loss
// takes minutes for 50 MB.
const ONE_FILE = ['ossup', 'ossup-wechat', 'ossup-signed', 'ali-multipart'];
const RESUMABLE = ['ossup', 'ali-multipart'];

/**
 * The default plan (about 20 minutes): medians of 3 for the 4G photo and video rows (the
 * one-at-a-time PostObject loop once), one run elsewhere; the outage and kill rows on 4G only.
 */
export function defaultPlan({ quick = false } = {}) {
  if (quick) return [{ profile: 'fibre', workload: 'photos', contenders: ALL, reps: 1 }];
  return [
    // The one-at-a-time loop takes ~70 s a run here (one cubic flow under loss): once is enough.
    { profile: '4g', workload: 'photos', contenders: ALL, reps: 3, once: ['post-serial'] },
    { profile: '4g', workload: 'small', contenders: ALL, reps: 1 },
    { profile: '4g', workload: 'video', contenders: ONE_FILE, reps: 3 },
    { profile: '4g', workload: 'kill', contenders: RESUMABLE, reps: 1 },
    // ali-oss `put` is one 50 MB request: over two minutes on 4G with or without the outage.
    { profile: '4g', workload: 'outage', contenders: RESUMABLE, reps: 1 },
    { profile: 'poor', workload: 'video', contenders: ONE_FILE, reps: 1 },
    { profile: 'fibre', workload: 'photos', contenders: ALL, reps: 1 },
    { profile: 'fibre', workload: 'video', contenders: [...ONE_FILE, 'ali-put', 'post-all'], reps: 1 },
  ];
}

/** A plan from the command line / environment: profiles × workloads with every fitting contender. */
export function customPlan({ profiles, workloads, contenders, reps }) {
  const plan = [];
  for (const profile of profiles) {
    for (const workload of workloads) {
      let list =
        contenders || (['photos', 'small'].includes(workload) ? ALL : workload === 'kill' ? RESUMABLE : ONE_FILE);
      if (workload === 'kill') list = list.filter((c) => RESUMABLE.includes(c));
      plan.push({ profile, workload, contenders: list, reps });
    }
  }
  return plan;
}

const list = (v) =>
  v
    ? v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
    : null;

/**
 * BENCH_NET_PROFILES / BENCH_NET_WORKLOADS / BENCH_NET_CONTENDERS (comma lists) and BENCH_NET_REPS
 * pick cells; without any, the default plan (BENCH_QUICK=1: one fibre row).
 */
export function planFromEnv(env = process.env) {
  const quick = env.BENCH_QUICK === '1';
  const profiles = list(env.BENCH_NET_PROFILES);
  const workloads = list(env.BENCH_NET_WORKLOADS);
  const contenders = list(env.BENCH_NET_CONTENDERS);
  const reps = env.BENCH_NET_REPS ? Number(env.BENCH_NET_REPS) : null;
  if (!profiles && !workloads && !contenders) {
    const plan = defaultPlan({ quick });
    return reps ? plan.map((cell) => ({ ...cell, reps })) : plan;
  }
  for (const p of profiles || []) if (!PROFILES[p]) throw new Error(`unknown profile ${p}`);
  for (const w of workloads || []) if (!WORKLOADS[w]) throw new Error(`unknown workload ${w}`);
  for (const c of contenders || []) if (!CONTENDER_LABELS[c]) throw new Error(`unknown contender ${c}`);
  return customPlan({
    profiles: profiles || ['4g'],
    workloads: workloads || ['photos'],
    contenders,
    reps: reps || (quick ? 1 : 3),
  });
}

function fillBytes(size, seed) {
  // Incompressible and distinct per file (no transport can shortcut them).
  const out = Buffer.alloc(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, i);
  }
  return out;
}

function ipc(child) {
  const pending = new Map();
  child.on('message', (m) => {
    pending.get(m.type)?.(m);
    pending.delete(m.type);
  });
  return (message) =>
    new Promise((resolve) => {
      pending.set(message.type, resolve);
      child.send(message);
    });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function runNetwork({ plan, log = console.log, seed = 1, packageUrl } = {}) {
  const why = unavailable();
  if (why) return { skipped: why };
  plan = plan || defaultPlan();
  const dir = await mkdtemp(path.join(tmpdir(), 'ossup-bench-net-'));
  const started = Date.now();
  const cells = [];
  try {
    const byProfile = new Map();
    for (const cell of plan) {
      if (!byProfile.has(cell.profile)) byProfile.set(cell.profile, []);
      byProfile.get(cell.profile).push(cell);
    }
    let linkId = 0;
    for (const [profileName, profileCells] of byProfile) {
      const profile = PROFILES[profileName];
      const link = await startLink(profileName, { seed, id: linkId++ });
      try {
        const serverChild = link.spawnIn(
          link.serverNs,
          process.execPath,
          [path.join(HERE, 'server-child.mjs'), path.join(dir, `bucket-${profileName}`), link.serverIp],
          { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
        );
        const ask = ipc(serverChild);
        const [ready] = await Promise.race([
          once(serverChild, 'message'),
          once(serverChild, 'exit').then(([code]) => {
            throw new Error(`the server child exited (${code}) before it was ready`);
          }),
        ]);
        const server = { url: ready.url, bucket: ready.bucket, region: ready.region, app: ready.app };
        for (const cell of profileCells) {
          log(`network: ${profileName} ${cell.workload} (${cell.contenders.join(', ')}) × ${cell.reps}`);
          const files = workloadFiles(cell.workload, profileName);
          const filesDir = path.join(dir, `files-${profileName}-${cell.workload}`);
          await mkdir(filesDir, { recursive: true });
          let bytes = 0;
          for (const [i, f] of files.entries()) {
            f.path = path.join(filesDir, f.name);
            const content = fillBytes(f.size, i + 1 + f.size);
            f.md5 = createHash('md5').update(content).digest('hex');
            await writeFile(f.path, content);
            bytes += f.size;
          }
          const runs = Object.fromEntries(cell.contenders.map((c) => [c, []]));
          for (let rep = 0; rep < cell.reps; rep++) {
            // Interleaved, the order reversed every other repetition.
            const these = cell.contenders.filter((c) => rep === 0 || !(cell.once || []).includes(c));
            const order = rep % 2 ? [...these].reverse() : these;
            for (const contender of order) {
              const run = await runOnce({
                link,
                ask,
                server,
                files,
                bytes,
                contender,
                workload: cell.workload,
                dir,
                profile,
              });
              runs[contender].push(run);
              log(
                `  ${contender}: ${run.error ? `FAILED ${run.error.split('\n')[0]}` : `${(run.ms / 1000).toFixed(1)} s, ${Math.round(run.efficiency * 100)}%, ${run.requests} requests, ${run.connections} connections`}`,
              );
            }
          }
          await rm(filesDir, { recursive: true, force: true });
          cells.push({
            profile: profileName,
            workload: cell.workload,
            files: files.length,
            bytes,
            reps: cell.reps,
            runs,
          });
        }
      } finally {
        await link.close();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { profiles: PROFILES, cells: cells.map(summarise), durationS: (Date.now() - started) / 1000 };
}

async function runOnce({ link, ask, server, files, bytes, contender, workload, dir, profile, packageUrl }) {
  const runId = `${contender}-${Date.now().toString(36)}`;
  const stateDir = path.join(dir, 'state', runId);
  await mkdir(stateDir, { recursive: true });
  const { sts } = await ask({ type: 'sts' });
  const job = {
    contender,
    runId,
    stateDir,
    server,
    sts,
    files: files.map(({ path: p, name, size, type }) => ({ path: p, name, size, type })),
    package: packageUrl || process.env.OSSUP_NET_PACKAGE,
  };
  await ask({ type: 'log' }); // clears the request log
  await link.reset();
  const start = () =>
    link.spawnIn(link.clientNs, process.execPath, [path.join(HERE, 'client-child.mjs')], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, OSSUP_NET_JOB: JSON.stringify(job) },
    });
  const resultOf = (child) =>
    new Promise((resolve) => {
      let result = null;
      readline.createInterface({ input: child.stdout }).on('line', (line) => {
        if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7));
        else process.stdout.write(`    [client] ${line}\n`);
      });
      child.on('exit', (code, signal) =>
        resolve(result || { error: `client exited (${code ?? signal}) without a result` }),
      );
    });

  const t0 = performance.now();
  let child = start();
  let done = resultOf(child);
  let interruption = null;
  if (workload === 'kill' || workload === 'outage') {
    // Half of the file's bytes through the link (TCP payload, retransmissions not counted).
    const half = bytes / 2;
    let finished = false;
    done.then(() => (finished = true));
    while (!finished) {
      const s = await link.stats();
      if (s.up.tcpPayloadBytes - s.up.retransmittedBytes >= half) break;
      await sleep(50);
    }
    if (!finished) {
      interruption = { atMs: performance.now() - t0 };
      if (workload === 'outage') {
        await link.blackhole(10);
      } else {
        child.kill('SIGKILL');
        await done;
        child = start();
        done = resultOf(child);
      }
    }
  }
  const result = await done;
  const wallMs = performance.now() - t0;
  const stats = await link.stats();
  const log = await ask({ type: 'log' });
  // A killed run's time is the whole story: first process's start to the resumed one's end.
  const ms = workload === 'kill' && interruption ? interruption.atMs + result.ms : result.ms;
  const run = {
    ms: result.error ? null : ms,
    wallMs,
    error: result.error,
    interruption,
    up: stats.up,
    down: stats.down,
    ops: log.ops,
    failedRequests: log.failed,
    requests: Object.values(log.ops).reduce((n, c) => n + c, 0),
    connections: stats.up.syns,
    overhead: stats.up.bytes / bytes - 1,
    // Application bytes beyond the files: HTTP framing, and whatever was sent twice (a part
    // re-sent after a kill); TCP's own retransmissions are counted apart.
    resentBytes: stats.up.tcpPayloadBytes - stats.up.retransmittedBytes - bytes,
  };
  if (!result.error) {
    const { digests } = await ask({ type: 'digests', keys: result.keys, remove: true });
    const bad = files.findIndex((f, i) => !digests[i] || digests[i].size !== f.size || digests[i].md5 !== f.md5);
    if (result.keys.length !== files.length || bad !== -1) {
      run.error = `verification failed: ${files[bad] ? files[bad].name : 'count'} ${JSON.stringify(digests[bad] || result.keys.length)}`;
      run.ms = null;
    }
  }
  const limitS = stats.up.bytes / (profile.up / 8) + (2 * profile.rttMs) / 1000;
  run.limitS = limitS;
  run.efficiency = run.ms ? limitS / (run.ms / 1000) : null;
  await sleep(300); // what is left in the link's queue drains before the next run
  return run;
}

function summarise(cell) {
  const contenders = {};
  for (const [name, runs] of Object.entries(cell.runs)) {
    const ok = runs.filter((r) => r.ms !== null);
    const pick = (f) => (ok.length ? median(ok.map(f)) : null);
    contenders[name] = {
      runs: runs.length,
      failed: runs.length - ok.length,
      errors: runs.filter((r) => r.error).map((r) => r.error.split('\n')[0]),
      ms: pick((r) => r.ms),
      msAll: runs.map((r) => r.ms),
      efficiency: pick((r) => r.efficiency),
      requests: pick((r) => r.requests),
      connections: pick((r) => r.connections),
      bytesOnWire: pick((r) => r.up.bytes),
      overhead: pick((r) => r.overhead),
      resentBytes: pick((r) => r.resentBytes),
      tcpRetransmitted: pick((r) => r.up.retransmittedBytes),
      queueDrops: pick((r) => r.up.queueDrops),
      lost: pick((r) => r.up.lost),
      ops: ok[0]?.ops || runs[0]?.ops,
    };
  }
  return { ...cell, runs: undefined, contenders };
}
