// The two programs that run inside a pod's VM, as busybox shell scripts (the guest has busybox and
// nothing else: no python, no libc beyond busybox-static's own). Why shell: they only start, signal
// and wait for processes and move files; busybox has every tool that needs (unshare, nsenter,
// chroot via nsenter -r, mount, ip, awk), and a script needs no build step or toolchain on the host.
//
// The channel is the pod's 9p share (mounted at /share), not a socket: the host writes a request
// file into /share/req/ (renamed into place, so never seen half-written), the agent runs it and
// answers with files (a container's pid and exit files, an exec's output and code). A socket would
// need a host process holding it open (virtio-serial gives EOF in a loop while no one is
// connected), and the daemon may restart at any moment; files outlive both sides. The agent polls
// the directory every 50 ms with `read -t` on a private fifo, which costs no fork.
//
// Layout of the share (host side: <run_root>/vm/<pod>/share):
//   vm.env                      network and hostname for the guest (shell assignments)
//   ready                       written by the agent once the guest is up
//   req/<seq>                   "start <ctr>" | "kill <ctr> <SIG>" | "exec <exec> <ctr>" | "killx <exec>"
//   c/<ctr>/rootfs              the container's root filesystem (the host's overlay, bind-mounted)
//   c/<ctr>/log                 its CRI log file (the host's file, bind-mounted)
//   c/<ctr>/m/<n>               the host sources of its bind mounts (files and directories)
//   c/<ctr>/inner.sh            written by the host: mounts, cgroup, then exec of the process
//   c/<ctr>/pid, c/<ctr>/exit   written by the agent: the process's guest pid, then its exit code
//   c/<ctr>/started             written by inner.sh just before it execs the process
//   x/<exec>/run.sh             written by the host; x/<exec>/{out,err,code} by the agent

/** PID 1 of the guest: mounts, modules, the share, then the agent. */
export const GUEST_INIT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /run /tmp /share
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup && echo '+memory +pids +cpu' > /sys/fs/cgroup/cgroup.subtree_control
for m in $(cat /lib/modules/order); do insmod /lib/modules/$m.ko; done
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 rktlet /share; then
  echo 'rktlet-guest: cannot mount the share' > /dev/console; poweroff -f
fi
exec /bin/sh /agent.sh </dev/null >/dev/console 2>&1
`;

/** The agent: network set-up, then the request loop. */
export const GUEST_AGENT = `S=/share
. $S/vm.env
ip link set lo up
if [ -n "$VM_IP" ]; then
  ip link set eth0 up
  ip addr add "$VM_IP/$VM_PREFIX" dev eth0
  [ -n "$VM_GW" ] && ip route add default via "$VM_GW"
fi
[ -n "$VM_HOSTNAME" ] && hostname "$VM_HOSTNAME"
mkfifo /run/tick
exec 3<>/run/tick
pause() { read -t "$1" -u 3 _ 2>/dev/null; }
# Log lines in the CRI format, each opened and closed so that a log the host reopened (rotated)
# is followed at the next line.
LOGAWK='{ printf "%s %s F %s\\n", strftime("%Y-%m-%dT%H:%M:%S.000000000Z"), s, $0 >> f; close(f) }'
killtree() {
  for k in $(cat /proc/$2/task/$2/children 2>/dev/null); do killtree "$1" "$k"; done
  kill "-$1" "$2" 2>/dev/null
}
start_ctr() {
  d=$S/c/$1
  mkfifo /run/$1.o /run/$1.e
  awk -v s=stdout -v f="$d/log" "$LOGAWK" </run/$1.o & ao=$!
  awk -v s=stderr -v f="$d/log" "$LOGAWK" </run/$1.e & ae=$!
  unshare -m -u -i -p -f /bin/sh "$d/inner.sh" </dev/null >/run/$1.o 2>/run/$1.e &
  u=$!
  c=
  n=0
  while [ -z "$c" ] && [ $n -lt 400 ] && [ -d /proc/$u ]; do
    c=$(cat /proc/$u/task/$u/children 2>/dev/null); c=\${c%% *}; [ -z "$c" ] && pause 0.01; n=$((n+1))
  done
  echo "\${c:-$u}" > $d/pid.tmp && mv $d/pid.tmp $d/pid
  wait $u; code=$?
  wait $ao $ae
  rm -f /run/$1.o /run/$1.e
  echo $code > $d/exit.tmp && mv $d/exit.tmp $d/exit
}
exec_in() {
  x=$S/x/$1
  sh $x/run.sh </dev/null >$x/out 2>$x/err &
  echo $! > /run/x.$1
  wait $!; code=$?
  rm -f /run/x.$1
  echo $code > $x/code.tmp && mv $x/code.tmp $x/code
}
mkdir -p $S/req
echo ok > $S/ready
while :; do
  for f in $S/req/*; do
    [ -f "$f" ] || continue
    read -r op a b < "$f"
    rm -f "$f"
    case "$op" in
      start) start_ctr "$a" & ;;
      kill) [ -f "$S/c/$a/pid" ] && kill "-$b" "$(cat "$S/c/$a/pid")" 2>/dev/null ;;
      exec) exec_in "$a" & ;;
      killx) [ -f "/run/x.$a" ] && killtree KILL "$(cat "/run/x.$a")" ;;
    esac
  done
  jobs >/dev/null
  pause 0.05
done
`;
