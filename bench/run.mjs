#!/usr/bin/env node
// `make bench`: measures ours against the contenders in Node, headless Chromium and native
// Rust, and writes bench/RESULTS.md (and target/bench/results.json). Run after `make build`
// (the Makefile does). No timing assertions: the report says met / missed and why.
// BENCH_QUICK=1 cuts repetitions for a fast smoke run of the harness itself.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUILD, PKG, ROOT, RESULTS } from './lib/paths.mjs';
import { snapshotPackage } from './lib/snapshot.mjs';
import { buildBundles, buildNative, buildNamedWasm, buildO3Wasm, toolVersions } from './lib/builds.mjs';
import { loadNodeLibs, packageVersions } from './lib/node-libs.mjs';
import { runSigning } from './lib/signing.js';
import { runHashing } from './lib/hashing.js';
import { startNativePasses } from './lib/native-passes.mjs';
import { POST_FORM_INPUT, SIGNING_INPUTS } from './lib/data.js';
import { median, summary } from './lib/measure.js';
import { analyseWasm, compressed, jsComposition, measureSizes, subsetSizes } from './lib/sizes.mjs';
import { launchChromium, openSuite, coldStart } from './lib/chromium.mjs';
import { startStaticServer } from './lib/static-server.mjs';
import { runUpload } from './lib/upload.mjs';
import { renderResults } from './lib/report.mjs';
import { startCpuMonitor } from './lib/cpu-monitor.mjs';
import { buildEmulator, unavailable as networkUnavailable } from './net/link.mjs';
import { planFromEnv, runNetwork } from './net/stage.mjs';
import { renderNetworkRun, withNetworkSection } from './net/report.mjs';
import { pathToFileURL } from 'node:url';

const QUICK = process.env.BENCH_QUICK === '1';
// Signing 11 and hashing 7 since 2026-12-06 (7 and 5 before): on the shared 2-core machines a
// burst of outside load spread a row's repetitions by up to 60%, and with 5 passes two slow
// ones moved a median by a third (Chromium's CRC-64 row at 18:46 UTC that day).
const REPS = {
  signing: QUICK ? 3 : 11,
  hashing: QUICK ? 2 : 7,
  cold: QUICK ? 3 : 11,
  upload: QUICK ? 2 : 5,
  native: QUICK ? 3 : 7,
};
const SIGNING_TARGET_MS = QUICK ? 40 : 100;

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)}s`;
const log = (message) => console.log(`[bench ${elapsed()}] ${message}`);

const results = { meta: {}, errors: [] };

// The machine may be shared: the load average through the run, and the CPU that processes
// outside this harness and its children used meanwhile (lib/cpu-monitor.mjs).
const loadSamples = [os.loadavg()[0]];
const cpuMonitor = startCpuMonitor();
setInterval(() => loadSamples.push(os.loadavg()[0]), 5000).unref();

async function stage(name, fn) {
  const t = Date.now();
  log(`${name}…`);
  try {
    const value = await fn();
    log(`${name} done in ${((Date.now() - t) / 1000).toFixed(1)}s`);
    return value;
  } catch (error) {
    const message = String((error && error.stack) || error)
      .split('\n')
      .slice(0, 4)
      .join(' ');
    log(`${name} FAILED: ${message}`);
    results.errors.push({ stage: name, message });
    return undefined;
  }
}

function machine() {
  let cpu = 'unknown';
  try {
    cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))[1].trim();
  } catch {
    cpu = os.cpus()[0]?.model || 'unknown';
  }
  return {
    cpu,
    cores: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    v8: process.versions.v8,
    loadStart: os.loadavg()[0].toFixed(2),
  };
}

mkdirSync(BUILD, { recursive: true });
log('copying pkg/ (src, dist) to target/bench/pkg: the whole run measures that build');
await snapshotPackage();
// wasm-bindgen's DataView cache trusts ArrayBuffer#detached when it exists; wasm2js never detaches.
const glueSource = readFileSync(path.join(PKG, 'dist/glue.js'), 'utf8');
const dataViewCache = /function getDataViewMemory0\(\) \{\n\s*if \(([^\n]*)\)/.exec(glueSource);

const versions = packageVersions();
results.meta = {
  date: new Date().toISOString(),
  machine: machine(),
  versions,
  missing: Object.entries(versions)
    .filter(([, v]) => v === null)
    .map(([n]) => n),
  reps: REPS,
  hashTotal: '64 MiB',
  quick: QUICK,
  glueDataViewCheck: dataViewCache ? dataViewCache[1] : null,
};
results.meta.tools = await stage('tool versions', () => toolVersions());

await stage('bundles (esbuild)', () => buildBundles());

// Native ceiling: same core, host target, both profiles.
const nativeBinaries = await stage('native build (bench/native, cargo --release and release-shipped)', () =>
  buildNative(),
);
const o3 = await stage('diagnostic build: the core at opt-level 3', () => buildO3Wasm());
// What opt-level 3 would cost users in size (the report weighs it against the speed).
if (o3) results.o3Wasm = compressed(readFileSync(o3.wasm));
const named = await stage('diagnostic build: the core with symbol names (for twiggy)', () => buildNamedWasm());

results.native = await stage('native run', () => {
  if (!nativeBinaries) throw new Error('native build failed');
  const inputs = path.join(BUILD, 'signing-inputs.json');
  writeFileSync(
    inputs,
    JSON.stringify(Object.fromEntries(Object.entries(SIGNING_INPUTS).map(([k, v]) => [k, JSON.stringify(v)]))),
  );
  const out = {};
  for (const [profile, binary] of Object.entries(nativeBinaries)) {
    const raw = JSON.parse(execFileSync(binary, [inputs, String(REPS.native)], { encoding: 'utf8' }));
    const spreadOf = (xs) => {
      const s = summary(xs);
      return `${Math.round(((s.max - s.min) / s.median) * 100)}%`;
    };
    out[profile] = {
      ...raw,
      crc64Median: median(raw.crc64.mbps),
      crc64Spread: spreadOf(raw.crc64.mbps),
      md5Median: median(raw.md5.mbps),
      md5Spread: spreadOf(raw.md5.mbps),
      v1Median: median(raw.v1),
      v4Median: median(raw.v4),
      v4HeaderMedian: median(raw.v4Header),
    };
  }
  return out;
});

// The ceiling again, one pass between each round of the wasm repetitions (Node and Chromium):
// the ratios to native in the targets use these, measured in the same minutes.
const nativePasses = nativeBinaries ? startNativePasses(nativeBinaries.release) : null;

const node = {};
results.node = node;
const libs = await stage('load Node contenders', () => loadNodeLibs());
if (libs && !o3) libs.glueO3 = null;
if (libs && nativePasses) libs.nativePass = (metric) => nativePasses.pass(metric);
if (libs) {
  node.signing = await stage('Node: signing', () =>
    runSigning(libs, { reps: REPS.signing, targetMs: SIGNING_TARGET_MS, log }),
  );
  node.hashing = await stage('Node: CRC-64 and MD5', () => runHashing(libs, { reps: REPS.hashing, log }));
}
// The native binary must agree with ours on every signature and digest.
await stage('native agrees with ours', () => {
  if (!results.native || !node.signing || !node.hashing) return;
  for (const [profile, n] of Object.entries(results.native)) {
    for (const k of ['v1', 'v4', 'v4Header']) {
      if (n.signatures[k] !== node.signing.outputs[k])
        throw new Error(`native (${profile}) ${k} signature ${n.signatures[k]} ≠ ours ${node.signing.outputs[k]}`);
    }
    if (n.crc64.value !== node.hashing.crc64.expected) throw new Error(`native CRC-64 ${n.crc64.value} ≠ ours`);
    if (n.md5.value !== node.hashing.md5.expected) throw new Error(`native MD5 ${n.md5.value} ≠ ours`);
  }
});

const sizes = await stage('sizes', async () => {
  const out = await measureSizes();
  out.js = await jsComposition();
  if (named) {
    out.analysis = analyseWasm(named.named, named.plain);
    out.subsets = subsetSizes(named.stripped, named.dir);
  }
  return out;
});
results.sizes = sizes;

const chromium = {};
results.chromium = chromium;
await stage('Chromium', async () => {
  const server = await startStaticServer({
    '/pkg/': `${PKG}/`,
    '/target/bench/': `${BUILD}/`,
    '/bench/browser/': `${ROOT}/bench/browser/`,
  });
  let browser = await launchChromium();
  try {
    chromium.version = browser.version();
    const suite = await openSuite(browser, server.url, versions, nativePasses);
    log('Chromium: signing');
    chromium.signing = await suite.signing({ reps: REPS.signing, targetMs: SIGNING_TARGET_MS });
    log('Chromium: CRC-64 and MD5');
    chromium.hashing = await suite.hashing({ reps: REPS.hashing });
    await suite.close();
    // The cold starts in a browser of their own: after the suite (hundreds of MiB of buffers
    // in its page), the same browser gave slower and more scattered cold starts (2026-12-07,
    // medians of 7 before / after it: the full entry 3.8 / 5.2 ms, the tree-shaken one 3.7 /
    // 6.6, crypto-js 3.2 / 4.2; ossup/post 3.4 / 3.3).
    await browser.close();
    browser = await launchChromium();
    log('Chromium: cold start');
    chromium.cold = await coldStart(browser, server.url, {
      reps: REPS.cold,
      expected: node.signing ? node.signing.outputs.v4 : undefined,
      expectedPost: libs ? libs.ours.buildPostForm(POST_FORM_INPUT).fields['x-oss-signature'] : undefined,
    });
  } finally {
    await browser.close();
    await server.close();
  }
});
nativePasses?.close();

results.upload = await stage('upload pipeline (Node, loopback)', () =>
  runUpload({ reps: REPS.upload, concurrency: 3, log }),
);

// Uploads over emulated phone links (bench/net; root only, else the report says it was skipped).
results.network = await stage('network (emulated links, bench/net)', async () => {
  if (networkUnavailable()) return { skipped: networkUnavailable() };
  buildEmulator();
  return runNetwork({ plan: planFromEnv(), log, packageUrl: pathToFileURL(path.join(PKG, 'dist/node.mjs')).href });
});

results.meta.machine.loadEnd = os.loadavg()[0].toFixed(2);
const cpu = cpuMonitor.stop();
if (cpu) {
  const seconds = (Date.now() - started) / 1000;
  results.meta.machine.otherCpu = {
    seconds: cpu.othersSeconds,
    share: cpu.othersSeconds / (seconds * results.meta.machine.cores),
    harnessSeconds: cpu.oursSeconds,
  };
}
results.meta.machine.loadDuring = { median: median(loadSamples).toFixed(2), max: Math.max(...loadSamples).toFixed(2) };
results.meta.durationS = (Date.now() - started) / 1000;
writeFileSync(path.join(BUILD, 'results.json'), JSON.stringify(results, null, 2));
// The network section keeps what it held besides the latest run (kept before/after tables).
const previousResults = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '';
writeFileSync(
  RESULTS,
  withNetworkSection(
    renderResults(results),
    renderNetworkRun(results.network, { date: results.meta.date.slice(0, 16).replace('T', ' ') + ' UTC' }),
    previousResults,
  ),
);
log(`wrote ${path.relative(ROOT, RESULTS)} and ${path.relative(ROOT, path.join(BUILD, 'results.json'))}`);
if (results.errors.length) {
  console.error(`${results.errors.length} stage(s) failed: ${results.errors.map((e) => e.stage).join(', ')}`);
  process.exit(1);
}
