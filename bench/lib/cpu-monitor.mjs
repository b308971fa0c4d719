// How much CPU other processes took while the harness ran (the machine may be shared): every
// second, the user + system time of every process in /proc, split into this process's tree
// (Chromium, the upload children, cargo) and the rest. Processes that start and end between two
// samples are missed, so "others" is a lower bound. Linux only; elsewhere it reports nothing.
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

function snapshot() {
  const procs = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      // fields[0] is stat field 3 (state): ppid = 4, utime = 14, stime = 15, starttime = 22
      procs.set(Number(name), {
        ppid: Number(fields[1]),
        ticks: Number(fields[11]) + Number(fields[12]),
        start: Number(fields[19]),
      });
    } catch {
      // the process ended meanwhile
    }
  }
  return procs;
}

export function startCpuMonitor(intervalMs = 1000) {
  let hz = 100;
  let startTicks = 0;
  try {
    hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    startTicks = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * hz;
    snapshot();
  } catch {
    return { stop: () => null };
  }
  const seen = new Map();
  let ours = 0;
  let others = 0;
  const sample = () => {
    const procs = snapshot();
    const mine = (pid) => {
      for (let p = pid, i = 0; p > 1 && i < 64; i++) {
        if (p === process.pid) return true;
        const info = procs.get(p);
        if (!info) return false;
        p = info.ppid;
      }
      return false;
    };
    for (const [pid, info] of procs) {
      const key = `${pid}:${info.start}`;
      const before = seen.get(key);
      // First sighting: count what it used only if it started after the monitor.
      const delta = before !== undefined ? info.ticks - before : info.start >= startTicks ? info.ticks : 0;
      seen.set(key, info.ticks);
      if (mine(pid)) ours += delta;
      else others += delta;
    }
  };
  // Baseline: everything alive now.
  for (const [pid, info] of snapshot()) seen.set(`${pid}:${info.start}`, info.ticks);
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { othersSeconds: others / hz, oursSeconds: ours / hz };
    },
  };
}
