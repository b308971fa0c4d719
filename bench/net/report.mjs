// The "Network" section of bench/RESULTS.md: the latest run's table between two markers; the
// rest of the section (kept tables such as before/after comparisons) is left as it is.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { CONTENDER_LABELS, WORKLOADS } from './stage.mjs';

const START = '<!-- network-run:start -->';
const END = '<!-- network-run:end -->';
const HEADING = '## Network (emulated links)';

const s = (ms) => (ms === null || ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);
const pct = (x) => (x === null || x === undefined ? '—' : `${Math.round(x * 100)}%`);
const mb = (b) =>
  b === null || b === undefined ? '—' : Math.abs(b) < 1e6 ? `${Math.round(b / 1e3)} KB` : `${(b / 1e6).toFixed(1)} MB`;

function profileLabel(name, p) {
  const rate = (bps) => `${bps / 1e6} Mbit/s`;
  return `${name} (${rate(p.up)} up / ${rate(p.down)} down, ${p.rttMs} ms RTT${p.loss ? `, ${p.loss * 100}% loss` : ''})`;
}

/** The table of one run (markdown). */
export function renderNetworkRun(net, { date, commit, note = '' } = {}) {
  if (!net) return '';
  if (net.skipped) return `Skipped: ${net.skipped} (the stage needs root, /dev/net/tun and \`ip netns\`).\n`;
  const lines = [];
  lines.push(
    `Run of ${date || new Date().toISOString()}${commit ? `, commit ${commit}` : ''}; the stage took ${(net.durationS / 60).toFixed(1)} min.${note ? ` ${note}` : ''}`,
    '',
    '| link | workload | contender | time (median) | runs | efficiency | requests | connections | bytes on the wire | overhead | bytes beyond the files |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const cell of net.cells) {
    const p = net.profiles[cell.profile];
    const best = Object.values(cell.contenders)
      .map((c) => c.ms)
      .filter((ms) => ms !== null);
    const fastest = best.length ? Math.min(...best) : null;
    for (const [name, c] of Object.entries(cell.contenders)) {
      // An SDK's error can carry a whole agent dump: its first clause says what happened.
      const time = c.ms === null ? `failed: ${(c.errors[0] || '?').split(/, | \(/)[0].slice(0, 160)}` : s(c.ms);
      const bold = c.ms !== null && c.ms === fastest ? `**${time}**` : time;
      const spread =
        c.msAll.length > 1 ? ` (${c.msAll.map((m) => (m === null ? '✗' : (m / 1000).toFixed(1))).join(' / ')})` : '';
      lines.push(
        `| ${cell.profile} | ${WORKLOADS[cell.workload].label}${cell.workload === 'video' || cell.workload === 'kill' || cell.workload === 'outage' ? ` (${mb(cell.bytes)})` : ''} | ${CONTENDER_LABELS[name] || name} | ${bold}${spread} | ${c.runs}${c.failed ? ` (${c.failed} failed)` : ''} | ${pct(c.efficiency)} | ${c.requests ?? '—'} | ${c.connections ?? '—'} | ${mb(c.bytesOnWire)} | ${pct(c.overhead)} | ${mb(c.resentBytes)} |`,
      );
    }
    void p;
  }
  lines.push('');
  lines.push(
    'Links: ' +
      [...new Set(net.cells.map((c) => c.profile))].map((n) => profileLabel(n, net.profiles[n])).join('; ') +
      '.',
  );
  lines.push('');
  return lines.join('\n');
}

/** Method notes printed once under the heading. */
export const NETWORK_METHOD = `Every contender over the same emulated link in the same run (bench/net: a userspace emulator on
two TUN devices between two network namespaces, cubic in both; see bench/README.md). Time: from
the client's first call to its last result (a kill row: the first process's start to the resumed
process's end). Efficiency = (bytes the client put on the wire ÷ uplink rate + 2 RTT) ÷ time;
it can pass 100% when many packets were lost or dropped by the queue (counted as sent, never
serialised: the emulator drops before its queue).
Requests: counted by the bucket and the form-signing app server; connections: SYNs on the link.
Overhead: bytes on the wire (IP and TCP headers, HTTP, TCP retransmissions) ÷ file bytes − 1.
"Bytes beyond the files": TCP payload minus TCP retransmissions minus the files' bytes (HTTP
framing, and anything an uploader sent twice, e.g. parts re-sent after a kill). Every upload is
checked: the stored objects' size and MD5 equal the files'.`;

/** Writes (or replaces) the latest run in RESULTS.md's network section, keeping everything else. */
export function writeNetworkSection(file, net, meta) {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  writeFileSync(file, withNetworkSection(text, renderNetworkRun(net, meta)));
}

/** `text` with its network section's latest run replaced by `run` (the section added if missing). */
export function withNetworkSection(text, run, previous = text) {
  const block = `${START}\n${run}${END}`;
  if (text.includes(START) && text.includes(END)) {
    return text.slice(0, text.indexOf(START)) + block + text.slice(text.indexOf(END) + END.length);
  }
  // The whole section of `previous` (kept tables included), else a new one.
  const at = previous.indexOf(HEADING);
  if (at !== -1 && previous.includes(START)) {
    const next = previous.indexOf('\n## ', at + HEADING.length);
    const section = previous.slice(at, next === -1 ? undefined : next + 1);
    const replaced =
      section.slice(0, section.indexOf(START)) + block + section.slice(section.indexOf(END) + END.length);
    return `${text.trimEnd()}\n\n${replaced.trimEnd()}\n`;
  }
  return `${text.trimEnd()}\n\n${HEADING}\n\n${NETWORK_METHOD}\n\n${block}\n`;
}
