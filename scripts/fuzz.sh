#!/usr/bin/env bash
# Runs each cargo-fuzz target briefly (libFuzzer, no sanitizer: the core has no unsafe code,
# what we look for is panics, which abort the run). Seeds from fuzz/seeds, corpus kept locally.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${FUZZ_SECONDS:-15}
for target in policy key api; do
  mkdir -p "corpus/$target" "seeds/$target"
  log=$(mktemp)
  if RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none "$target" "corpus/$target" "seeds/$target" -- \
      -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
    runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo '?')
    echo "fuzz: $target ok, $runs inputs in ${seconds} s"
    rm -f "$log"
  else
    echo "fuzz: $target FAILED; the end of its log:"
    tail -40 "$log"
    exit 1
  fi
done
