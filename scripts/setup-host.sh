#!/usr/bin/env bash
# Installs the host parts rktlet drives (idempotent: only missing packages are installed).
# Runs as root on Debian 12. Used by the test command, the bench and by operators.
set -euo pipefail

PACKAGES=(
  runc crun conmon catatonit            # OCI runtimes, the container monitor, the pod's tiny init
  containernetworking-plugins iptables  # CNI bridge/host-local/portmap/loopback and their NAT
  iproute2 util-linux procps            # ip netns and veth pairs, nsenter/unshare, ps
  bsdutils                              # script(1): a pty for the pull progress test
  busybox-static                        # test images are built from it
  docker-registry apache2-utils         # a local OCI registry for tests; htpasswd for its auth
  attr                                  # setfattr: xattrs and overlay opaque markers when unpacking layers
  acl                                   # setfacl: a user-namespaced pod's root alone may pass the state dirs to its root filesystem
  ca-certificates curl                  # curl fetches the pinned Node.js build (install_node below)
  python3                               # the helpers in src/helpers: the daemon's command launcher, the pty, attach and port relays
  python3-pyflakes                      # npm run lint checks those helpers
  systemd                               # not run as init: systemd-analyze verify checks contrib/systemd/rktlet.service, systemd-escape and systemd-run check unit names and options
  golang-go golang-github-docker-spdystream-dev  # streaming tests: a real Go SPDY client
  qemu-system-x86 linux-image-amd64 xz-utils  # the vm handler: QEMU (TCG or KVM), the guest's kernel (9p and virtio modules), xz to unpack its vmlinux
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

# Node.js and npm (scripts/node-env.sh names the versions), so that no Node.js of the host's is
# needed (Debian 12 ships Node 18): the official Node build as the npm registry serves it (package
# node-linux-<arch>, made from nodejs.org's tarballs) and the npm release that Node ships with,
# each checked against the SHA-512 pinned here before anything is unpacked, laid out as nodejs.org's
# tarball is (bin/npm -> lib/node_modules/npm) and moved into place in one rename.
fetch_checked() { # url sha512 file
  curl -fsSL --retry 3 -o "$3" "$1" && echo "$2  $3" | sha512sum -c --quiet - \
    || { echo "setup-host: $1 failed its download or SHA-512 check" >&2; return 1; }
}
install_node() {
  . "$(dirname "$0")/node-env.sh"
  [ -x "$RKTLET_NODE_DIR/bin/node" ] && [ -x "$RKTLET_NODE_DIR/bin/npm" ] && return 0
  local arch sha
  case "$(dpkg --print-architecture)" in
    amd64) arch=x64; sha=287b286fe16ff587ab013bd8ba331b8b226a9d10af2edadcaff79336a46a88e486a7dec43a244fd723f8efe9271a043fc677375d8f31ce45b9f3b76567336a44 ;;
    arm64) arch=arm64; sha=219c74279dbfd4d0f002c6368b2591f6794f218b98be24d67ad8e3f3e125bd8421dbe5d184b7c27e46c5105ff63b9bc623685c51bc8f34757e9f3df8d856c95f ;;
    *) echo "setup-host: no pinned Node.js build for $(dpkg --print-architecture)" >&2; return 1 ;;
  esac
  local npm_sha=cedb312b1b7f92421a02cfb68b4194e88f8346651dacd6acc5364a25ef5309d4a32b19616a1ff8aff865e7280c0fa5c0835a99f5cd93368991e2a80ec9da75d2
  [ "$RKTLET_NODE_VERSION/$RKTLET_NPM_VERSION" = 24.22.3/11.19.1 ] \
    || { echo "setup-host: no SHA-512 pinned for Node.js $RKTLET_NODE_VERSION / npm $RKTLET_NPM_VERSION" >&2; return 1; }
  local registry="${RKTLET_NPM_REGISTRY:-https://registry.npmjs.org}"
  registry="${registry%/}"
  local parent; parent="$(dirname "$RKTLET_NODE_DIR")"
  install -d -m 0755 -o root -g root "$parent"
  local tmp; tmp="$(mktemp -d "$parent/.node-XXXXXX")"
  echo "setup-host: installing Node.js $RKTLET_NODE_VERSION and npm $RKTLET_NPM_VERSION into $RKTLET_NODE_DIR"
  fetch_checked "$registry/node-linux-$arch/-/node-linux-$arch-$RKTLET_NODE_VERSION.tgz" "$sha" "$tmp/node.tgz" \
    && fetch_checked "$registry/npm/-/npm-$RKTLET_NPM_VERSION.tgz" "$npm_sha" "$tmp/npm.tgz" \
    || { rm -rf "$tmp"; return 1; }
  tar -xzf "$tmp/node.tgz" -C "$tmp" --no-same-owner --no-same-permissions
  mkdir -p "$tmp/package/lib/node_modules/npm"
  tar -xzf "$tmp/npm.tgz" -C "$tmp/package/lib/node_modules/npm" --strip-components=1 --no-same-owner --no-same-permissions
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$tmp/package/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$tmp/package/bin/npx"
  chmod -R go-w "$tmp/package"; chmod 0755 "$tmp/package"
  "$tmp/package/bin/node" -e 'process.exit(process.version === "v" + process.argv[1] ? 0 : 1)' "$RKTLET_NODE_VERSION"
  # A directory of an earlier layout (no npm) is replaced; processes running its node keep it.
  rm -rf "$RKTLET_NODE_DIR"
  mv -T "$tmp/package" "$RKTLET_NODE_DIR"
  rm -rf "$tmp"
}
install_node

# Overlay and bridge support in the kernel (built in or as modules).
for m in overlay br_netfilter; do modprobe "$m" 2>/dev/null || true; done
echo "setup-host: ready"
