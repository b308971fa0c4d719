#!/usr/bin/env node
// The network stage alone: `node bench/net/run.mjs [--profile 4g,poor] [--workload photos,video]
// [--contender ossup,ali-multipart] [--reps 3] [--no-write]`. Without options: the default plan
// (stage.mjs). Also from the environment, as in `make bench`: BENCH_NET_PROFILES,
// BENCH_NET_WORKLOADS, BENCH_NET_CONTENDERS, BENCH_NET_REPS, BENCH_QUICK=1. Writes the table into
// bench/RESULTS.md's network section and target/bench/network.json. Needs root (namespaces).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BUILD, RESULTS, ROOT } from '../lib/paths.mjs';
import { buildEmulator } from './link.mjs';
import { writeNetworkSection } from './report.mjs';
import { planFromEnv, runNetwork } from './stage.mjs';

const { values } = parseArgs({
  options: {
    profile: { type: 'string' },
    workload: { type: 'string' },
    contender: { type: 'string' },
    reps: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const env = { ...process.env };
if (values.profile) env.BENCH_NET_PROFILES = values.profile;
if (values.workload) env.BENCH_NET_WORKLOADS = values.workload;
if (values.contender) env.BENCH_NET_CONTENDERS = values.contender;
if (values.reps) env.BENCH_NET_REPS = values.reps;

const started = Date.now();
const log = (m) => console.log(`[net ${((Date.now() - started) / 1000).toFixed(0)}s] ${m}`);
buildEmulator();
const net = await runNetwork({ plan: planFromEnv(env), log });
mkdirSync(BUILD, { recursive: true });
writeFileSync(path.join(BUILD, 'network.json'), JSON.stringify(net, null, 2));
if (!values['no-write']) {
  let commit = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {}
  writeNetworkSection(RESULTS, net, { date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC', commit });
  log(`wrote ${path.relative(ROOT, RESULTS)} (network section) and target/bench/network.json`);
}
if (net.skipped) log(`skipped: ${net.skipped}`);
