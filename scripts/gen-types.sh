#!/usr/bin/env bash
# TypeScript types for the CRI proto (types only: the proto itself is loaded at run time).
# The generator writes extension-less relative imports; ESM (NodeNext) needs ".js".
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf src/gen
proto-loader-gen-types --longs=String --enums=String --defaults --oneofs --keepCase \
  --grpcLib=@grpc/grpc-js --outDir=src/gen proto/runtime/v1/api.proto
find src/gen -name '*.ts' -exec sed -i -E -e "s#(from '\.{1,2}/[^']*)';#\1.js';#" -e "s#\.js\.js';#.js';#" {} +
