#!/usr/bin/env bash
# Compares rktlet's built-in RuntimeDefault seccomp profile with moby's default.json (the vendored
# copy in src/oci/spec/seccomp/upstream/, or the file given, e.g. a newer upstream one) for x86_64
# and arm64, the default capability set, that set plus each capability either profile conditions
# on, and all capabilities. Prints every difference with its justification
# (src/oci/spec/seccomp/justified.ts); exits 1 when one has none or a justification is stale.
# Needs a build (npm run build). Usage: scripts/check-seccomp-drift.sh [default.json]
set -euo pipefail
cd "$(dirname "$0")/.."
exec node dist/src/oci/spec/seccomp/drift-report.js "$@"
