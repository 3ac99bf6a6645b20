#!/usr/bin/env bash
# A second check of proto/runtime/v1/api.proto against the upstream copy in proto/upstream/, with
# another parser than the unit test's (src/server/proto-upstream.test.ts, protobufjs): protoc's
# descriptor sets of both files (no source info, so comments and layout do not count) must be
# byte-identical. Debian's protoc (3.21) predates the debug_redact option, so it is dropped from
# both (the unit test compares it). Needs protobuf-compiler (scripts/test.sh installs it).
# Usage: scripts/check-proto-upstream.sh [UPSTREAM.proto]   (OURS=file.proto compares another file)
set -euo pipefail
cd "$(dirname "$0")/.."
upstream=${1:-proto/upstream/cri-api-kubernetes-1.36.3/api.proto}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for pair in "ours:${OURS:-proto/runtime/v1/api.proto}" "upstream:$upstream"; do
  name=${pair%%:*}
  mkdir -p "$work/$name"
  sed -E 's/ ?\[debug_redact ?= ?true\]//' "${pair#*:}" > "$work/$name/api.proto"
  protoc -I "$work/$name" --descriptor_set_out="$work/$name.pb" "$work/$name/api.proto"
done
if cmp -s "$work/ours.pb" "$work/upstream.pb"; then
  echo "check-proto-upstream: descriptor sets identical ($(stat -c %s "$work/ours.pb") bytes)"
else
  echo "check-proto-upstream: descriptor sets differ from $upstream" >&2
  exit 1
fi
