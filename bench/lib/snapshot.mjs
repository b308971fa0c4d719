// Copies pkg/ into target/bench/pkg once the build output is complete and settled.
import { cpSync, existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { PKG, ROOT } from './paths.mjs';

const NEEDED = [
  'dist/ossup.wasm',
  'dist/ossup.wasm.br',
  'dist/glue.js',
  'dist/node.mjs',
  'dist/browser.mjs',
  'dist/miniprogram.cjs',
  'dist/wasm2js.mjs',
  'dist/wasm2js.cjs',
  'dist/ossup-post.wasm',
  'dist/ossup-post.wasm.br',
  'dist/post.mjs',
  'dist/post-miniprogram.cjs',
];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function state() {
  const files = NEEDED.map((f) => path.join(ROOT, 'pkg', f));
  if (!files.every(existsSync)) return null;
  return files.map((f) => `${statSync(f).size}:${statSync(f).mtimeMs}`).join('|');
}

/** Waits (up to `timeoutMs`) for a complete pkg/dist that stays unchanged for 2 s, then copies it. */
export async function snapshotPackage({ timeoutMs = 120000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const before = state();
    if (before) {
      await sleep(2000);
      if (state() === before) break;
    } else if (Date.now() > deadline) {
      throw new Error('pkg/dist is incomplete: run `make build` first');
    } else {
      await sleep(1000);
    }
  }
  rmSync(PKG, { recursive: true, force: true });
  for (const part of ['src', 'dist', 'package.json']) {
    cpSync(path.join(ROOT, 'pkg', part), path.join(PKG, part), { recursive: true });
  }
  return PKG;
}
