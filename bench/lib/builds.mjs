// What the harness builds besides `make build`'s pkg/dist (all under target/, git-ignored):
// the JS bundles the pages load, the native ceiling (bench/native), and two diagnostic builds
// of the same core — with symbol names for twiggy, and at opt-level 3 — that explain misses.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { ROOT, BUILD, PKG } from './paths.mjs';
import { stripGlobalExports } from '../../scripts/wasm-tools.mjs';

/** Runs a shell command with the toolchain environment `make` uses (scripts/env.sh). */
export function withToolchain(command, { quiet = true } = {}) {
  return execFileSync('bash', ['-c', `source scripts/env.sh && ${command}`], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', quiet ? 'pipe' : 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

const q = (p) => `'${p.replace(/'/g, "'\\''")}'`;

/** The bundles: our glue alone, the Chromium suite, the entries of bench/entries/. */
export async function buildBundles() {
  mkdirSync(BUILD, { recursive: true });
  // `ossup-pkg/…` in bench sources is the run's copy of pkg/ (see paths.mjs).
  const common = { bundle: true, logLevel: 'warning', legalComments: 'none', alias: { 'ossup-pkg': PKG } };
  await esbuild.build({
    ...common,
    entryPoints: [path.join(PKG, 'dist/glue.js')],
    outfile: path.join(BUILD, 'glue.mjs'),
    format: 'esm',
    platform: 'neutral',
  });
  await esbuild.build({
    ...common,
    entryPoints: [path.join(ROOT, 'bench/browser/suite.js')],
    outfile: path.join(BUILD, 'browser-suite.mjs'),
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    external: ['crypto'],
  });
  await esbuild.build({
    ...common,
    entryPoints: ['crypto-js-v4', 'hash-wasm-v4', 'js-sha256-v4', 'webcrypto-v4', 'floor', 'ours-sign'].map((n) =>
      path.join(ROOT, `bench/entries/${n}.js`),
    ),
    outdir: path.join(BUILD, 'cold'),
    outExtension: { '.js': '.mjs' },
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    external: ['crypto'],
  });
  // The tree-shaken entry fetches ossup.wasm from beside itself, as the shipped one does.
  copyFileSync(path.join(PKG, 'dist/ossup.wasm'), path.join(BUILD, 'cold/ossup.wasm'));
}

/** The native ceiling in both profiles; returns { release, 'release-shipped' } binary paths. */
export function buildNative() {
  const targetDir = path.join(BUILD, 'cargo-native');
  const manifest = path.join(ROOT, 'bench/native/Cargo.toml');
  const out = {};
  for (const profile of ['release', 'release-shipped']) {
    withToolchain(
      `CARGO_TARGET_DIR=${q(targetDir)} cargo build --quiet --profile ${profile} --manifest-path ${q(manifest)}`,
    );
    out[profile] = path.join(targetDir, profile, 'ossup-bench-native');
  }
  return out;
}

/**
 * cargo for wasm32 exactly as scripts/build.mjs step 1 runs it (keep the two in step): std
 * rebuilt with immediate-abort panics where its source is at hand, unless OSSUP_PLAIN_STD=1.
 */
function cargoWasm(targetDir, extraEnv) {
  const sysroot = withToolchain('PATH="$OSSUP_WASM_PATH" rustc --print sysroot').trim();
  const buildStd =
    existsSync(path.join(sysroot, 'lib/rustlib/src/rust/library/std')) && process.env.OSSUP_PLAIN_STD !== '1';
  const std = buildStd
    ? `RUSTC_BOOTSTRAP=1 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS='-Ctarget-cpu=mvp -Zunstable-options -Cpanic=immediate-abort'`
    : '';
  withToolchain(
    `PATH="$OSSUP_WASM_PATH" CARGO_TARGET_DIR=${q(targetDir)} ${std} ${extraEnv} cargo build --release --target wasm32-unknown-unknown --quiet${buildStd ? ' -Zbuild-std=std,panic_abort' : ''}`,
  );
  return path.join(targetDir, 'wasm32-unknown-unknown/release/ossup.wasm');
}

/**
 * The shipped pipeline (scripts/build.mjs steps 1-3) with symbols kept: cargo without `strip`,
 * wasm-bindgen, Global exports dropped, `wasm-opt -Oz --debuginfo` (names survive). Also the
 * same without names, to compare with pkg/dist/ossup.wasm. Returns file paths.
 */
export function buildNamedWasm() {
  const dir = path.join(BUILD, 'wasm-named');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // The shipped build's own cargo output (Cargo.toml keeps its symbols; scripts/build.mjs
  // strips them with wasm-opt): the module measured is the one shipped, with names.
  const raw = path.join(ROOT, 'target/wasm/wasm32-unknown-unknown/release/ossup.wasm');
  if (!existsSync(raw)) throw new Error('target/wasm has no ossup.wasm: run `make build` first');
  withToolchain(`wasm-bindgen --target web --out-dir ${q(dir)} --out-name ossup --no-typescript ${q(raw)}`);
  const stripped = path.join(dir, 'stripped.wasm');
  writeFileSync(stripped, stripGlobalExports(readFileSync(path.join(dir, 'ossup_bg.wasm'))));
  const named = path.join(dir, 'named.wasm');
  const plain = path.join(dir, 'plain.wasm');
  withToolchain(`wasm-opt -Oz --debuginfo --strip-producers ${q(stripped)} -o ${q(named)}`);
  withToolchain(`wasm-opt -Oz --strip-debug --strip-producers ${q(stripped)} -o ${q(plain)}`);
  return { dir, stripped, named, plain };
}

/** The same core at opt-level 3 (`wasm-opt -O3`), with its web-target glue: diagnostic only. */
export function buildO3Wasm() {
  const dir = path.join(BUILD, 'wasm-o3');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const raw = cargoWasm(path.join(BUILD, 'cargo-wasm-o3'), 'CARGO_PROFILE_RELEASE_OPT_LEVEL=3');
  withToolchain(`wasm-bindgen --target web --out-dir ${q(dir)} --out-name ossup --no-typescript ${q(raw)}`);
  const wasm = path.join(dir, 'ossup_bg.wasm');
  const stripped = stripGlobalExports(readFileSync(wasm));
  writeFileSync(wasm, stripped);
  withToolchain(`wasm-opt -O3 --strip-debug --strip-producers ${q(wasm)} -o ${q(wasm)}`);
  return { dir, wasm };
}

/** Versions of the Rust/wasm tools, for the report. */
export function toolVersions() {
  const get = (cmd) => {
    try {
      return withToolchain(cmd).trim().split('\n')[0];
    } catch {
      return 'unavailable';
    }
  };
  return {
    rustcHost: get('rustc --version'),
    rustcWasm: `${get('PATH="$OSSUP_WASM_PATH" rustc --version')} (${get('echo $OSSUP_RUST_ROUTE')} route)`,
    wasmBindgen: get('wasm-bindgen --version'),
    wasmOpt: get('wasm-opt --version'),
    twiggy: get('twiggy --version'),
  };
}
