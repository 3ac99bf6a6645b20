#!/usr/bin/env bash
# The test command: installs everything the tests need, builds, then runs unit and integration
# tests against the real parts (runc, conmon, CNI plugins, overlayfs, a local registry).
set -euo pipefail
cd "$(dirname "$0")/.."

# Host parts, plus Debian's Go toolchain, protoc and grpc-go for the Go wire-compatibility client,
# and zstd(1): an encoder for the zstd test layers other than the decoder under test.
bash scripts/setup-host.sh golang-go golang-goprotobuf-dev golang-google-grpc-dev protobuf-compiler zstd
# `npm test` may have been started by another Node.js: from here on, npm, the build and the tests
# (and the daemons they start, on process.execPath) run on the one scripts/node-env.sh pins.
. scripts/node-env.sh
node -e 'process.exit(process.version === "v" + process.argv[1] ? 0 : 1)' "$RKTLET_NODE_VERSION" \
  || { echo "test: Node.js $RKTLET_NODE_VERSION is not first on PATH ($(command -v node))" >&2; exit 1; }
npm ci --no-audit --no-fund
npm run build
npm run lint
bash scripts/build-go-client.sh
bash scripts/check-proto-upstream.sh  # protoc's view; the unit test proto-upstream.test is protobufjs's
# One file at a time: integration tests start daemons, registries and bridges of their own.
node --test --test-concurrency=1 --test-reporter=spec 'dist/src/**/*.test.js' 'dist/bench/lib/**/*.test.js' 'dist/test/**/*.test.js'
