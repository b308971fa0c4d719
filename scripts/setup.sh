#!/usr/bin/env bash
# Installs everything the build, the demo and the tests need, and nothing twice: each step
# checks first, so a second run takes seconds. Safe to run on a fresh Debian machine as root
# (CI, these offline machines) and on a developer laptop with rustup.
#
# Two routes to a wasm32 Rust toolchain (the offline one is how these build machines work: no `rustup target add`):
#   - ordinary: a rustup toolchain that already has `rustup target add wasm32-unknown-unknown`;
#   - offline:  Debian's rustc-web + rust-web-src, with the wasm32 standard library built
#               from source into the sysroot once.
# scripts/env.sh picks the same route for every later command.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

need_apt=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

ordinary_route() {
  command -v rustc >/dev/null 2>&1 || return 1
  local libdir
  libdir=$(rustc --print target-libdir --target wasm32-unknown-unknown 2>/dev/null) || return 1
  compgen -G "$libdir/libcore-*.rlib" >/dev/null
}

if ordinary_route; then
  say "rustup toolchain has wasm32-unknown-unknown: using it"
  for p in binaryen chromium chromium-driver; do have_pkg "$p" || need_apt+=("$p"); done
else
  for p in rustc-web cargo-web rust-web-src lld-22 binaryen chromium chromium-driver; do
    have_pkg "$p" || need_apt+=("$p")
  done
fi

# The official Python OSS SDKs for the fidelity tests need python3 with venv and pip.
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || { have_pkg python3-venv || need_apt+=(python3-venv); }

if [ ${#need_apt[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "missing ${need_apt[*]} and no apt-get: install them (or rustup's wasm32 target + binaryen) by hand"
    exit 1
  fi
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  say "installing Debian packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# shellcheck source=scripts/env.sh
. scripts/env.sh

if [ "$OSSUP_RUST_ROUTE" = offline ]; then
  sysroot_lib="$(/usr/bin/rustc --print sysroot)/lib/rustlib/wasm32-unknown-unknown/lib"
  if ! compgen -G "$sysroot_lib/libtest-*.rlib" >/dev/null; then
    say "building the wasm32 standard library from rust-web-src (about a minute, once)"
    scratch=$(mktemp -d)
    mkdir -p "$scratch/src"
    printf '[package]\nname = "sysroot-scratch"\nversion = "0.0.0"\nedition = "2021"\n[lib]\npath = "src/lib.rs"\n[profile.release]\npanic = "abort"\n' >"$scratch/Cargo.toml"
    : >"$scratch/src/lib.rs"
    (cd "$scratch" && PATH=/usr/bin:$PATH RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Ctarget-cpu=mvp" \
      CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-22 \
      /usr/bin/cargo build -q --release -Z build-std=std,test,panic_abort --target wasm32-unknown-unknown)
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO mkdir -p "$sysroot_lib"
    $SUDO cp "$scratch"/target/wasm32-unknown-unknown/release/deps/*.rlib "$sysroot_lib/"
    rm -rf "$scratch"
  fi
fi

# wasm-bindgen-cli must be exactly the version in Cargo.lock.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3 }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$bindgen_version" ]; then
  say "building wasm-bindgen-cli $bindgen_version (about 4 minutes, once)"
  cargo install -q wasm-bindgen-cli --version "=$bindgen_version" --locked 2>/dev/null ||
    cargo install -q wasm-bindgen-cli --version "=$bindgen_version"
fi
if ! command -v wasm-pack >/dev/null 2>&1; then
  say "building wasm-pack (about 3 minutes, once)"
  cargo install -q wasm-pack --locked 2>/dev/null || cargo install -q wasm-pack
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  say "building cargo-fuzz (about 2 minutes, once)"
  cargo install -q cargo-fuzz --locked 2>/dev/null || cargo install -q cargo-fuzz
fi

# `make bench` only (scripts/setup.sh --bench): twiggy, for what the .wasm is made of.
if [ "${1:-}" = --bench ] && ! command -v twiggy >/dev/null 2>&1; then
  say "building twiggy for the benchmarks (about 2 minutes, once)"
  cargo install -q twiggy --locked 2>/dev/null || cargo install -q twiggy
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm devDependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi
# The example app server's own dependency (Aliyun's STS SDK), as a user who copies it installs it.
lock=examples/server/package-lock.json
if [ ! -d examples/server/node_modules ] || [ $lock -nt examples/server/node_modules/.package-lock.json ]; then
  say "installing the example server's npm dependencies"
  npm ci --prefix examples/server --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error
fi
# oss2 and alibabacloud-oss-v2, pinned, for tests/node/sdk-official.test.mjs: a venv of the
# project's own, refreshed only when tests/sdk/requirements.txt changes.
if [ ! -x .venv-sdk/bin/python ] || [ tests/sdk/requirements.txt -nt .venv-sdk/.installed ]; then
  say "installing the official Python OSS SDKs into .venv-sdk/"
  python3 -m venv .venv-sdk
  .venv-sdk/bin/pip install -q --disable-pip-version-check -r tests/sdk/requirements.txt
  touch .venv-sdk/.installed
fi
bash scripts/setup-toolchains.sh
bash scripts/setup-frameworks.sh
say "ready ($OSSUP_RUST_ROUTE route)"
