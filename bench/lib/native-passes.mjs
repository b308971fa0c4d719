// The native ceiling timed between the wasm repetitions, not only in its own phase: a
// long-lived `ossup-bench-native serve` process (the 64 MiB made once) runs one CRC-64 or MD5
// pass per request and says how fast it went. On a shared machine whose speed drifts over
// minutes, a ratio to a ceiling measured in another phase moved by ±30% between runs.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Starts the server; `pass(metric)` resolves to `{ value, mbps }`; `close()` ends it. */
export function startNativePasses(binary) {
  const child = spawn(binary, ['serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (line) => waiting.shift()?.resolve(JSON.parse(line)));
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`ossup-bench-native serve exited (${code})`));
  });
  return {
    pass(metric) {
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin.write(`${metric}\n`);
      });
    },
    close() {
      child.stdin.end();
    },
  };
}
