// bench/lib/report.mjs's ratios: the per-round pairing that keeps a drifting machine's speed
// out of "× ours" and the targets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairedRatio } from '../../bench/lib/report.mjs';

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
