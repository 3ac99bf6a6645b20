#!/usr/bin/env bash
# Builds test/go-cri-client against rktlet's proto with Debian's Go toolchain, protoc, protoc-gen-go
# and grpc-go (GOPATH mode, offline). Output: dist/go-cri-client.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pkg="$work/src/rktlet.test/cri/runtime/v1"
mkdir -p "$pkg" "$work/src/rktlet.test/go-cri-client" dist
# Debian's protoc (3.21) predates the debug_redact field option; it changes no wire format.
sed -E -e 's|^option go_package = .*|option go_package = "rktlet.test/cri/runtime/v1;runtime";|' \
  -e 's/ ?\[debug_redact ?= ?true\]//' proto/runtime/v1/api.proto > "$work/api.proto"
protoc --go_out=plugins=grpc,paths=source_relative:"$pkg" -I "$work" "$work/api.proto"
cp test/go-cri-client/main.go "$work/src/rktlet.test/go-cri-client/"
cd "$work/src/rktlet.test/go-cri-client"
GOPATH="$work:/usr/share/gocode" GO111MODULE=off GOFLAGS= GOCACHE="${GOCACHE:-/tmp/rktlet-go-cache}" \
  go build -o "$OLDPWD/dist/go-cri-client" .
