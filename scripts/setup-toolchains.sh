#!/usr/bin/env bash
# Installs the bundlers tests/node/toolchains-bundlers.test.mjs builds with (Vite 5 and 8, webpack 5,
# Rollup 4, the mini-program type packages; pinned in tests/toolchains/package-lock.json) once:
# npm ci from ~/.npm's cache, so a second machine set-up or a re-install needs no network.
set -euo pipefail
cd "$(dirname "$0")/../tests/toolchains"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  printf '\033[1msetup:\033[0m installing the bundler fixtures'"'"' toolchains (tests/toolchains)\n'
  npm ci --no-audit --no-fund --loglevel=error --prefer-offline
fi
