#!/usr/bin/env bash
# `npm run bench`: rktlet against containerd on this machine (see bench/run.ts and README
# "Benchmarks"). Installs containerd (started only for the run, on private dirs), builds, runs.
# BENCH_QUICK=1 for a short smoke run; other BENCH_* knobs are in bench/lib/settings.ts.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-host.sh containerd
. scripts/node-env.sh  # the pinned Node.js (setup-host installed it) for the build and the run
# Other parts may have type errors while in progress; tsc still emits JS, which is all we need.
npm run build || echo "bench: build reported errors (see above); running with what was emitted"
test -f dist/bench/run.js || { echo "bench: dist/bench/run.js was not built" >&2; exit 1; }
exec node dist/bench/run.js
