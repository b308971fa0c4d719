// bench/lib/report.mjs's ratios: the per-round pairing that keeps a drifting machine's speed
// out of "× ours" and the targets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairedRatio } from '../../bench/lib/report.mjs';
import { renderNetworkRun, withNetworkSection } from '../../bench/net/report.mjs';

const summary = (samples) => ({ samples, median: [...samples].sort((a, b) => a - b)[samples.length >> 1] });

test('a machine that slows down between rounds does not move the ratio', () => {
  // Ours is always 1.5× the contender within a round; the machine halves its speed twice.
  const speed = [4, 4, 2, 1, 1];
  const ours = summary(speed.map((s) => 150 * s));
  const them = summary(speed.map((s, i) => 100 * s * (i === 1 ? 4 : 1))); // one round's contender ran fast
  assert.equal(pairedRatio(ours, them), 1.5);
  // Twice as fast in four rounds of five, but the medians come from different rounds.
  const drift = summary([100, 100, 100, 400, 400]);
  const other = summary([50, 50, 200, 200, 200]);
  assert.equal(pairedRatio(drift, other), 2);
  assert.equal(drift.median / other.median, 0.5);
});

test('an even number of rounds takes the mean of the middle two; unpaired samples fall back to the medians', () => {
  assert.equal(pairedRatio(summary([2, 4, 6, 8]), summary([1, 2, 2, 2])), 2.5); // ratios 2, 2, 3, 4
  assert.equal(pairedRatio({ median: 10, samples: [10] }, { median: 4, samples: [4, 4] }), 2.5);
  assert.equal(pairedRatio({ median: 10 }, { median: 5 }), 2);
  assert.equal(pairedRatio(null, summary([1])), null);
});

test("the network section: a new run replaces the last one, a full run's rewrite keeps the section's other tables", () => {
  const net = (ms) => ({
    profiles: { fibre: { up: 1e8, down: 1e8, rttMs: 10, loss: 0 } },
    durationS: 60,
    cells: [
      {
        profile: 'fibre',
        workload: 'photos',
        bytes: 27e6,
        contenders: {
          ossup: { runs: 1, failed: 0, errors: [], ms, msAll: [ms], efficiency: 0.9, requests: 9, connections: 3 },
        },
      },
    ],
  });
  const first = withNetworkSection('# Results\n\n## Upload\n\nx\n', renderNetworkRun(net(2400), { date: 'DATE-ONE' }));
  assert.match(first, /\| fibre \| 9 photos × 3 MB \| ossup \(Node, STS\) \| \*\*2\.4 s\*\* \|/);
  const kept = first.replace('<!-- network-run:end -->', '<!-- network-run:end -->\n\n### Before\n\nKEPT TABLE\n');
  const second = withNetworkSection(kept, renderNetworkRun(net(3100), { date: 'DATE-TWO' }));
  assert.ok(second.includes('KEPT TABLE') && second.includes('3.1 s') && !second.includes('DATE-ONE'));
  // `make bench` renders the whole file anew: the section comes back from the previous file.
  const rewritten = withNetworkSection(
    '# Results\n\n## Upload\n\ny\n',
    renderNetworkRun(net(2000), { date: 'DATE-THREE' }),
    second,
  );
  assert.ok(rewritten.includes('KEPT TABLE') && rewritten.includes('2.0 s') && rewritten.includes('## Upload\n\ny'));
  assert.equal(rewritten.match(/## Network/g).length, 1);
  assert.match(renderNetworkRun({ skipped: 'not root' }), /Skipped: not root/);
});
