#!/usr/bin/env bash
# TypeScript types for the CRI proto, and the proto itself as protobufjs JSON (src/gen/api-descriptor.ts)
# so that start-up does not parse the .proto.
# Regenerated only when the proto is newer, so parallel builds do not pull the files away.
# The generator writes extension-less relative imports; ESM (NodeNext) needs ".js".
set -euo pipefail
cd "$(dirname "$0")/.."
proto=proto/runtime/v1/api.proto
stamp=src/gen/.stamp
if [ -f "$stamp" ] && [ "$stamp" -nt "$proto" ] && [ "$stamp" -nt "$0" ] && [ "$stamp" -nt scripts/gen-descriptor.mjs ]; then exit 0; fi
tmp=$(mktemp -d src/.gen-XXXXXX)
proto-loader-gen-types --longs=String --enums=String --defaults --oneofs --keepCase \
  --grpcLib=@grpc/grpc-js --outDir="$tmp" "$proto"
node scripts/gen-descriptor.mjs "$proto" > "$tmp/api-descriptor.ts"
find "$tmp" -name '*.ts' -exec sed -i -E -e "s#(from '\.{1,2}/[^']*)';#\1.js';#" -e "s#\.js\.js';#.js';#" {} +
touch "$tmp/.stamp"
rm -rf src/gen && mv "$tmp" src/gen
