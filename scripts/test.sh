#!/usr/bin/env bash
# The test command: installs everything the tests need, builds, then runs unit and integration
# tests against the real parts (runc, conmon, CNI plugins, overlayfs, a local registry).
set -euo pipefail
cd "$(dirname "$0")/.."

# Host parts, plus Debian's Go toolchain, protoc and grpc-go for the Go wire-compatibility client.
bash scripts/setup-host.sh golang-go golang-goprotobuf-dev golang-google-grpc-dev protobuf-compiler
npm ci --no-audit --no-fund
npm run build
npm run lint
bash scripts/build-go-client.sh
bash scripts/check-proto-upstream.sh  # protoc's view; the unit test proto-upstream.test is protobufjs's
# One file at a time: integration tests start daemons, registries and bridges of their own.
node --test --test-concurrency=1 --test-reporter=spec dist/src dist/bench/lib dist/test
