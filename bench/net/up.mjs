#!/usr/bin/env node
// One profile up, one command in the client namespace, everything down again:
//   node bench/net/up.mjs --profile 4g -- node my-upload.mjs
// The command finds the bucket and the form-signing app server (server namespace) in
// OSSUP_NET_URL, OSSUP_NET_BUCKET, OSSUP_NET_REGION, OSSUP_NET_APP, and STS credentials for the
// bucket in OSSUP_NET_STS (JSON). The link's counters are printed when it exits. Needs root.
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEmulator, PROFILES, startLink, unavailable } from './link.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const dash = args.indexOf('--');
const own = dash === -1 ? args : args.slice(0, dash);
const command = dash === -1 ? [] : args.slice(dash + 1);
const profile = own[own.indexOf('--profile') + 1];
if (!own.includes('--profile') || !PROFILES[profile] || !command.length) {
  console.error(`usage: node bench/net/up.mjs --profile ${Object.keys(PROFILES).join('|')} -- <command> [args…]`);
  process.exit(2);
}
const why = unavailable();
if (why) {
  console.error(`bench/net/up.mjs: ${why}`);
  process.exit(2);
}

buildEmulator();
const dir = await mkdtemp(path.join(tmpdir(), 'ossup-net-up-'));
const link = await startLink(profile);
let code = 1;
try {
  const server = link.spawnIn(
    link.serverNs,
    process.execPath,
    [path.join(HERE, 'server-child.mjs'), dir, link.serverIp],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const [ready] = await once(server, 'message');
  server.send({ type: 'sts' });
  const [{ sts }] = await once(server, 'message');
  const child = link.spawnIn(link.clientNs, command[0], command.slice(1), {
    stdio: 'inherit',
    env: {
      ...process.env,
      OSSUP_NET_URL: ready.url,
      OSSUP_NET_BUCKET: ready.bucket,
      OSSUP_NET_REGION: ready.region,
      OSSUP_NET_APP: ready.app,
      OSSUP_NET_STS: JSON.stringify(sts),
    },
  });
  [code] = await once(child, 'exit');
  console.error(`[bench/net] ${profile}: link counters ${JSON.stringify(await link.stats())}`);
} finally {
  await link.close();
  await rm(dir, { recursive: true, force: true });
}
process.exit(code ?? 1);
