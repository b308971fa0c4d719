#!/usr/bin/env bash
# Installs the framework CLIs the fixture projects are built with (uni-app + Vite, Taro +
# webpack, miniprogram-ci: tests/frameworks/package.json, pinned by its package-lock.json), once:
# a second run finds node_modules up to date and returns at once, offline.
# tests/node/toolchains-frameworks.test.mjs builds the fixtures with them.
set -euo pipefail
cd "$(dirname "$0")/../tests/frameworks"
say() { printf '\033[1msetup-frameworks:\033[0m %s\n' "$*"; }

if [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ]; then
  exit 0
fi
say "installing uni-app, Taro and miniprogram-ci for the framework tests (about 2,000 packages, once)"
start=$SECONDS
# `npm install` from the lock, not `npm ci`: @tarojs/binding lists a native binding per platform
# as an optional dependency, the lock holds only this platform's, and npm ci refuses that.
npm install --no-save --prefer-offline --no-audit --no-fund --loglevel=error
say "installed in $((SECONDS - start)) s"
