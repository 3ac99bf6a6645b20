#!/usr/bin/env bash
# Installs the host parts rktlet drives (idempotent: only missing packages are installed).
# Runs as root on Debian 12. Used by the test command, the bench and by operators.
set -euo pipefail

PACKAGES=(
  runc crun conmon catatonit            # OCI runtimes, the container monitor, the pod's tiny init
  containernetworking-plugins iptables  # CNI bridge/host-local/portmap/loopback and their NAT
  iproute2 util-linux procps            # ip netns and veth pairs, nsenter/unshare, prlimit (caps zstd layers), ps
  bsdutils                              # script(1): a pty for the pull progress test
  busybox-static                        # test images are built from it
  docker-registry apache2-utils         # a local OCI registry for tests; htpasswd for its auth
  attr                                  # setfattr: xattrs and overlay opaque markers when unpacking layers
  zstd                                  # decompresses zstd layers (a streaming child with a bounded window)
  ca-certificates
  python3                               # the helpers in src/helpers: the daemon's command launcher, the pty, attach and port relays
  python3-pyflakes                      # npm run lint checks those helpers
  python3-yaml                          # reads CDI device specs written in YAML (yaml.safe_load)
  golang-go golang-github-docker-spdystream-dev  # streaming tests: a real Go SPDY client
)
[ $# -gt 0 ] && PACKAGES+=("$@")

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-host: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Package scripts must not start services (docker-registry, containerd) on this host:
  # tests and benchmarks start their own instances on their own ports.
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; made_policy=1
  fi
  trap '[ $made_policy = 1 ] && rm -f "$policy"' EXIT
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Overlay and bridge support in the kernel (built in or as modules).
for m in overlay br_netfilter; do modprobe "$m" 2>/dev/null || true; done
echo "setup-host: ready"
