#!/usr/bin/env bash
# The test command: installs everything the tests need, builds, then runs unit and integration
# tests against the real parts (runc, conmon, CNI plugins, overlayfs, a local registry).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-host.sh
npm ci --no-audit --no-fund
npm run build
npm run lint
# One file at a time: integration tests start daemons, registries and bridges of their own.
node --test --test-concurrency=1 --test-reporter=spec dist/src dist/test
