// Two network namespaces (client, server) joined by the userspace link emulator (emu/) on two
// TUN devices. Everything carries the prefix `onb-<pid>`, is removed on exit, on failure and on
// SIGINT/SIGTERM, and leftovers of dead runs are swept at start (a live run's are left alone).
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
export const EMU_BINARY = path.join(ROOT, 'target/netemu/release/ossup-netemu');
const PREFIX = 'onb-';

/** Link profiles: rates in bit/s per direction, RTT in ms, random loss per packet (both ways). */
export const PROFILES = {
  fibre: { up: 100e6, down: 100e6, rttMs: 10, loss: 0 },
  '4g': { up: 20e6, down: 50e6, rttMs: 60, loss: 0.005 },
  poor: { up: 2e6, down: 4e6, rttMs: 200, loss: 0.02 },
};

export const CLIENT_IP = '10.231.0.1';
export const SERVER_IP = '10.231.0.2';

const ip = (...args) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });

/** Builds the emulator once (cargo, release); returns the binary's path. */
export function buildEmulator() {
  execFileSync(
    'cargo',
    [
      'build',
      '--quiet',
      '--release',
      '--manifest-path',
      path.join(HERE, 'emu/Cargo.toml'),
      '--target-dir',
      path.join(ROOT, 'target/netemu'),
    ],
    { stdio: 'inherit' },
  );
  return EMU_BINARY;
}

/** Why this machine cannot run the stage, or null when it can. */
export function unavailable() {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root';
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun';
  try {
    ip('netns', 'list');
  } catch {
    return '`ip netns` does not work';
  }
  return null;
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
};

/** Removes namespaces left by runs whose process is gone (their emulator died with them). */
export function sweepLeftovers() {
  const names = ip('netns', 'list')
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter((name) => name.startsWith(PREFIX));
  for (const name of names) {
    const pid = Number(name.slice(PREFIX.length).split('-')[0]);
    if (pid && alive(pid)) continue;
    deleteNamespace(name);
  }
}

function deleteNamespace(name) {
  try {
    // Processes of a dead run still inside it (a server child, a client) go with it.
    for (const pid of ip('netns', 'pids', name).split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {}
    }
  } catch {}
  try {
    ip('netns', 'del', name);
  } catch {}
}

const ALLOWED = '/proc/sys/net/ipv4/tcp_allowed_congestion_control';

/**
 * A namespace may only pick a congestion control the host allows (the list is global): cubic is
 * added for the moment it takes to set it in the namespaces, and the host's list put back.
 */
function withCubicAllowed(fn) {
  const before = readFileSync(ALLOWED, 'utf8').trim();
  const add = !before.split(/\s+/).includes('cubic');
  if (add) writeFileSync(ALLOWED, `${before} cubic`);
  try {
    fn();
  } finally {
    if (add) writeFileSync(ALLOWED, before);
  }
}

const live = new Set();
let hooked = false;
function hookCleanup() {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const link of live) link.closeSync();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      for (const link of live) link.closeSync();
      process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 }[signal] || 0));
    });
  }
}

/**
 * Brings up a link with `profile` (a name of PROFILES or an object like them); resolves to
 * { profile, clientNs, serverNs, clientIp, serverIp, spawnIn(ns, cmd, args, options), stats(),
 * reset(), blackhole(seconds), close() }.
 */
export async function startLink(profile, { seed = 1, id = 0 } = {}) {
  const p = typeof profile === 'string' ? PROFILES[profile] : profile;
  if (!p) throw new Error(`unknown profile ${profile}; known: ${Object.keys(PROFILES).join(', ')}`);
  if (!existsSync(EMU_BINARY)) buildEmulator();
  sweepLeftovers();
  hookCleanup();
  const tag = `${process.pid}-${id}`;
  const clientNs = `${PREFIX}${tag}-c`;
  const serverNs = `${PREFIX}${tag}-s`;
  // Device names: at most 15 bytes.
  const clientDev = `onb${tag}c`.slice(-15);
  const serverDev = `onb${tag}s`.slice(-15);
  const emu = spawn(
    EMU_BINARY,
    [
      '--client',
      clientDev,
      '--server',
      serverDev,
      '--up',
      String(p.up),
      '--down',
      String(p.down),
      '--delay-ms',
      String(p.rttMs / 2),
      '--loss',
      String(p.loss),
      '--seed',
      String(seed),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = readline.createInterface({ input: emu.stdout });
  const waiting = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const nextLine = () => new Promise((resolve) => waiting.push(resolve));
  let closed = false;
  const link = {
    profile: p,
    clientNs,
    serverNs,
    clientIp: CLIENT_IP,
    serverIp: SERVER_IP,
    children: new Set(),
    closeSync() {
      if (closed) return;
      closed = true;
      live.delete(link);
      for (const child of link.children) {
        try {
          child.kill('SIGKILL');
        } catch {}
      }
      try {
        emu.kill('SIGKILL');
      } catch {}
      deleteNamespace(clientNs);
      deleteNamespace(serverNs);
    },
    async close() {
      link.closeSync();
      if (emu.exitCode === null && emu.signalCode === null) await once(emu, 'exit');
    },
    async command(text) {
      const answer = nextLine();
      emu.stdin.write(`${text}\n`);
      return answer;
    },
    async stats() {
      return JSON.parse(await link.command('stats'));
    },
    async reset() {
      await link.command('reset');
    },
    async blackhole(seconds) {
      await link.command(`blackhole ${seconds}`);
    },
    /** A process inside a namespace (`ip netns exec`); killed when the link closes. */
    spawnIn(ns, command, args, options = {}) {
      const child = spawn('ip', ['netns', 'exec', ns, command, ...args], options);
      link.children.add(child);
      child.on('exit', () => link.children.delete(child));
      return child;
    },
  };
  live.add(link);
  try {
    const [first] = await Promise.race([
      Promise.all([nextLine()]),
      once(emu, 'exit').then(([code]) => {
        throw new Error(`the link emulator exited (${code}) before it was ready`);
      }),
    ]);
    if (first !== 'ready') throw new Error(`the link emulator said ${first}`);
    for (const [ns, dev, local, peer] of [
      [clientNs, clientDev, CLIENT_IP, SERVER_IP],
      [serverNs, serverDev, SERVER_IP, CLIENT_IP],
    ]) {
      ip('netns', 'add', ns);
      ip('link', 'set', dev, 'netns', ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'addr', 'add', local, 'peer', `${peer}/32`, 'dev', dev);
      ip('-n', ns, 'link', 'set', dev, 'up');
      // Cubic as on phones; no per-destination metrics carried from one run into the next.
      withCubicAllowed(() => {
        for (const setting of ['net.ipv4.tcp_congestion_control=cubic', 'net.ipv4.tcp_no_metrics_save=1']) {
          execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', setting], { stdio: 'ignore' });
        }
      });
    }
  } catch (error) {
    link.closeSync();
    throw error;
  }
  return link;
}
