// Timing helpers shared by the Node and Chromium runs (no Node or DOM imports). Every number
// in RESULTS.md is a median of repetitions; the timer is read outside the measured loops.

export const now = () => performance.now();

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `{ median, min, max, samples }` of a list of samples. */
export function summary(samples) {
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples };
}

// A sink the optimiser cannot prove unused: every measured call's result length lands here.
let sink = 0;
export const sinkValue = () => sink;

function lengthOf(value) {
  return value && typeof value.length === 'number' ? value.length : 1;
}

/** Runs `fn` `n` times; returns elapsed ms. The loop holds the call and nothing else. */
export function timeSync(fn, n) {
  let acc = 0;
  const start = now();
  for (let i = 0; i < n; i++) acc += lengthOf(fn());
  const elapsed = now() - start;
  sink += acc;
  return elapsed;
}

/** As `timeSync` for an async `fn`, awaited one call after another (throughput with awaits). */
export async function timeAsync(fn, n) {
  let acc = 0;
  const start = now();
  for (let i = 0; i < n; i++) acc += lengthOf(await fn());
  const elapsed = now() - start;
  sink += acc;
  return elapsed;
}

/**
 * The call count that takes about `targetMs`: doubles from 8 until a run lasts ≥ targetMs / 4,
 * then scales. The doubling runs double as warm-up (JIT tiers, wasm tier-up, caches).
 */
export async function calibrate(fn, isAsync, targetMs) {
  const time = isAsync ? timeAsync : timeSync;
  let n = 8;
  for (;;) {
    const elapsed = await time(fn, n);
    if (elapsed >= targetMs / 4 || n >= 1 << 24)
      return Math.max(1, Math.ceil((n * targetMs) / Math.max(elapsed, 0.01)));
    n *= 2;
  }
}

/**
 * Calls `fn` for at least `ms`: long enough for V8 to move hot JS and wasm functions to its
 * optimising tier (wasm tier-up is compiled in the background and lags on a busy machine).
 */
export async function warmUp(fn, isAsync, ms) {
  const end = now() + ms;
  let n = 1;
  while (now() < end) {
    await (isAsync ? timeAsync : timeSync)(fn, n);
    if (n < 1024) n *= 2;
  }
}

/**
 * Calls per second of each contender, repetitions interleaved (rep 1 of every contender, then
 * rep 2, …) so that drift on a shared machine spreads over all rows alike.
 * `contenders`: [{ id, fn, async }]. Returns { [id]: summary of ops/s }.
 */
export async function opsPerSecond(contenders, { reps, targetMs, warmupMs = 250 }) {
  const plan = [];
  for (const c of contenders) {
    await warmUp(c.fn, c.async, warmupMs);
    const n = await calibrate(c.fn, c.async, targetMs);
    await (c.async ? timeAsync : timeSync)(c.fn, n); // one discarded repetition
    plan.push({ ...c, n, samples: [] });
  }
  for (let rep = 0; rep < reps; rep++) {
    for (const c of plan) {
      const elapsed = await (c.async ? timeAsync : timeSync)(c.fn, c.n);
      c.samples.push((c.n * 1000) / elapsed);
    }
  }
  return Object.fromEntries(plan.map((c) => [c.id, { ...summary(c.samples), callsPerRep: c.n }]));
}

/**
 * MB/s (10^6 bytes per second) of hashing `chunks` (total `bytes`) with each contender's
 * `run(chunks)` → digest; warm-up passes for at least `warmupMs`, then `reps` passes, interleaved.
 * A `selfTimed` contender (the native ceiling, in another process) resolves to
 * `{ value, mbps }` and its own timing is taken, not the round trip's.
 */
export async function throughput(contenders, chunks, bytes, { reps, warmupMs = 300 }) {
  const plan = [];
  for (const c of contenders) {
    const end = now() + warmupMs; // at least one pass, more for the fast ones (wasm tier-up)
    do await c.run(chunks);
    while (now() < end);
    plan.push({ ...c, samples: [] });
  }
  for (let rep = 0; rep < reps; rep++) {
    for (const c of plan) {
      const start = now();
      const digest = await c.run(chunks);
      const elapsed = now() - start;
      sink += lengthOf(c.selfTimed ? digest.value : digest);
      c.samples.push(c.selfTimed ? digest.mbps : bytes / 1e6 / (elapsed / 1000));
    }
  }
  return Object.fromEntries(plan.map((c) => [c.id, summary(c.samples)]));
}
