// The complete configuration with its defaults: the daemon runs with no file at all.
// TOML keys are snake_case (as CRI-O and containerd); the same names are used in code so that
// a key in an error message is the key the operator types.
import { z } from 'zod';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from '../oci/spec/defaults.js';
import { effectiveCgroupDriver, systemdBooted } from '../systemd/booted.js';

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);
const octalMode = z.string().regex(/^0?[0-7]{3,4}$/, 'must be an octal file mode such as "0660"');
const absPath = z.string().regex(/^\//, 'must be an absolute path');
const optionalAbsPath = z.union([z.literal(''), absPath]);
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** One isolation level a RuntimeClass can select. */
export const runtimeHandlerSchema = z.strictObject({
  /**
   * oci: runc/crun containers (src/oci/conmon-runtime/); host: privileged host-namespace pods run
   * chrooted by the same runtime (src/oci/host-isolation.ts); vm: a QEMU VM per pod (src/oci/vm-runtime/), `path` the QEMU binary.
   */
  type: z.enum(['oci', 'host', 'vm']).default('oci'),
  /** Path of the OCI runtime binary (type vm: of qemu-system-x86_64). */
  path: absPath,
  /** The runtime's own state dir (`--root`); empty: <run_root>/oci/<handler> (src/oci/handler-root.ts). */
  root: optionalAbsPath.default(''),
  /** Extra arguments placed before the runtime's subcommand (type vm: appended to QEMU's command line). */
  args: z.array(z.string()).default([]),
  /** Unmount /sys/fs/cgroup/unified in the runtime's mount namespace; auto: when crun meets a hybrid v1 host (src/oci/unified-cgroup.ts). */
  hide_unified_cgroup: z.union([z.boolean(), z.literal('auto')]).default('auto'),
});

export const configSchema = z.strictObject({
  /** Persistent state: pods, containers, images, layers. */
  root: absPath.default('/var/lib/rktlet'),
  /** Volatile state: sockets, exit files, netns mounts, locks. */
  run_root: absPath.default('/run/rktlet'),

  grpc: z
    .strictObject({
      /** Empty: <run_root>/rktlet.sock. */
      socket: optionalAbsPath.default(''),
      socket_mode: octalMode.default('0660'),
      /** Group owning the socket; empty keeps root's group. */
      socket_group: z.string().default(''),
      max_message_bytes: z.number().int().positive().default(16 * 1024 * 1024),
      /**
       * A pod or container whose RunPodSandbox/CreateContainer client gave up (its deadline) before
       * the answer is kept this long, unlisted, for the kubelet's identical retry; then removed.
       */
      create_retry_keep_seconds: z.number().positive().default(300),
    })
    .prefault({}),

  log: z
    .strictObject({
      level: logLevel.default('info'),
    })
    .prefault({}),

  runtime: z
    .strictObject({
      /** Handler used when a pod names none (RuntimeClass unset). */
      default_handler: z.string().min(1).default('runc'),
      handlers: z
        .record(z.string().min(1), runtimeHandlerSchema)
        .default({
          runc: { type: 'oci', path: '/usr/sbin/runc', root: '', args: [], hide_unified_cgroup: 'auto' },
          crun: { type: 'oci', path: '/usr/bin/crun', root: '', args: [], hide_unified_cgroup: 'auto' },
          host: { type: 'host', path: '/usr/sbin/runc', root: '', args: [], hide_unified_cgroup: 'auto' },
        }),
      /**
       * `auto`: systemd when systemd is PID 1 (sd_booted), cgroupfs otherwise. The parsed config holds
       * the driver in effect, so everything (and RuntimeConfig) sees `cgroupfs` or `systemd`. A host
       * fact read here is part of the validated-config cache's key (load.ts schemaFingerprint).
       */
      cgroup_driver: z
        .enum(['auto', 'cgroupfs', 'systemd'])
        .default('auto')
        .transform((v) => effectiveCgroupDriver(v, systemdBooted())),
      conmon: absPath.default('/usr/bin/conmon'),
      /** Clamp oom_score_adj to the daemon's own, as containerd's restrict_oom_score_adj. */
      restrict_oom_score_adj: z.boolean().default(true),
      /** Empty: the built-in RuntimeDefault seccomp profile. */
      seccomp_profile: optionalAbsPath.default(''),
      /**
       * A container that asks for no seccomp profile gets RuntimeDefault (security-first; the CRI
       * says unconfined). false: the CRI's meaning. CRI-O's key of the same name.
       */
      seccomp_use_default_when_empty: z.boolean().default(true),
      /**
       * no_new_privs for every container the pod lets have it: all but privileged ones and those
       * given CAP_SYS_ADMIN (Kubernetes refuses allowPrivilegeEscalation: false for exactly these).
       * The CRI's no_new_privs cannot say "escalation allowed" apart from "unset", so false here
       * gives the CRI's meaning: no_new_privs only where the request asks.
       */
      no_new_privileges: z.boolean().default(true),
      default_capabilities: z
        .array(z.string().regex(/^CAP_[A-Z_]+$/, 'must be a capability name such as CAP_CHOWN'))
        .default([
          'CAP_CHOWN',
          'CAP_DAC_OVERRIDE',
          'CAP_FSETID',
          'CAP_FOWNER',
          'CAP_MKNOD',
          'CAP_NET_RAW',
          'CAP_SETGID',
          'CAP_SETUID',
          'CAP_SETFCAP',
          'CAP_SETPCAP',
          'CAP_NET_BIND_SERVICE',
          'CAP_SYS_CHROOT',
          'CAP_KILL',
          'CAP_AUDIT_WRITE',
        ]),
      /** Paths masked in every unprivileged container whose request names none (moby's list); [] masks nothing. */
      masked_paths: z.array(absPath).default([...DEFAULT_MASKED_PATHS]),
      /** Paths read-only in every unprivileged container whose request names none; [] leaves them writable. */
      readonly_paths: z.array(absPath).default([...DEFAULT_READONLY_PATHS]),
      /** Seconds a stop waits for conmon to report the exit after SIGKILL. */
      stop_kill_grace_seconds: z.number().positive().default(10),
      /** Largest ExecSync output kept per stream, in bytes. */
      exec_sync_max_output_bytes: z.number().int().positive().default(16 * 1024 * 1024),
      /**
       * Where CDI device specs are read (containerd's and CRI-O's cdi_spec_dirs); a later directory
       * overrides an earlier one for a device both define.
       */
      cdi_spec_dirs: z.array(absPath).default(['/etc/cdi', '/var/run/cdi']),
      /**
       * Longest wait for one OCI runtime command (create through conmon, start, kill, delete,
       * state, update): a runtime that hangs fails the CRI call naming it instead of holding it
       * (and the container's lock) for ever. Below the kubelet's 2-minute request timeout.
       */
      runtime_timeout_seconds: z.number().positive().default(110),
    })
    .prefault({}),

  pod: z
    .strictObject({
      /**
       * No infra process unless the pod shares one PID namespace (CRI-O's drop_infra_ctr): the
       * pod's network, IPC and UTS namespaces are pinned as bind-mounted files instead.
       */
      drop_infra: z.boolean().default(true),
      /** Tiny init bind-mounted from the host as the infra process: no pause image needed. */
      infra_init: absPath.default('/usr/bin/catatonit'),
      /** When set, this image runs as the infra container instead of infra_init. */
      pause_image: z.string().default(''),
      shm_size_bytes: z.number().int().positive().default(64 * 1024 * 1024),
      /** cgroup parent when the pod names none. */
      default_cgroup_parent: z.string().default('/rktlet'),
      /**
       * containerd 2.x's defaults for pods with their own network namespace (a pod's own sysctl
       * wins): net.ipv4.ip_unprivileged_port_start=0, so any process binds ports below 1024 in the
       * pod's namespace (root in a user-namespaced pod cannot otherwise), and
       * net.ipv4.ping_group_range="0 2147483647", ping without CAP_NET_RAW.
       */
      enable_unprivileged_ports: z.boolean().default(true),
      enable_unprivileged_icmp: z.boolean().default(true),
    })
    .prefault({}),

  network: z
    .strictObject({
      conf_dir: absPath.default('/etc/cni/net.d'),
      plugin_dirs: z.array(absPath).default(['/usr/lib/cni', '/opt/cni/bin']),
      /** Longest wait for one CNI plugin call (ADD or DEL): a hanging plugin is killed and the call fails. */
      plugin_timeout_seconds: z.number().positive().default(60),
      /** Write a bridge network to conf_dir when it holds no config. */
      write_default_config: z.boolean().default(true),
      default_bridge: z.string().min(1).max(15).default('rktlet0'),
      default_subnet: z.string().regex(/^\d+\.\d+\.\d+\.\d+\/\d+$/, 'must be an IPv4 CIDR').default('10.88.0.0/16'),
      /** Where network namespaces are bind-mounted; empty: <run_root>/netns. */
      netns_dir: optionalAbsPath.default(''),
    })
    .prefault({}),

  image: z
    .strictObject({
      /** Registry host → mirror endpoints tried in order before the registry itself. */
      mirrors: z.record(z.string().min(1), z.array(z.url())).default({}),
      /** Registries reached over plain HTTP (and without TLS verification). Never by default. */
      insecure_registries: z.array(z.string().min(1)).default([]),
      /**
       * The image trust policy (containers-policy.json(5), CRI-O's signature_policy), read at every
       * pull; written at first start, accepting unsigned images by one visible line, when absent.
       */
      signature_policy: absPath.default('/etc/rktlet/policy.json'),
      /**
       * Registries on loopback (localhost, 127.0.0.0/8, ::1, by name) count as listed in
       * insecure_registries, as docker and containerd treat them; false: they too need verified TLS.
       */
      insecure_loopback: z.boolean().default(true),
      max_concurrent_downloads: z.number().int().min(1).max(64).default(3),
      /** Platform to pick from manifest lists; empty: the host's. */
      platform: z.string().default(''),
      /**
       * What one layer may unpack to: its uncompressed tar stream, file contents plus a 512-byte
       * header per entry (bounds gzip and zstd bombs and the disk they would fill).
       */
      max_layer_unpacked_bytes: z.number().int().positive().default(20 * GiB),
      /** The same, summed over the layers one pull unpacks. */
      max_image_unpacked_bytes: z.number().int().positive().default(50 * GiB),
      /** Entries (files, dirs, links, whiteouts) in one layer: each costs an inode. */
      max_layer_entries: z.number().int().positive().default(1_000_000),
      /** Largest manifest or manifest list taken from a registry (containerd and CRI-O: 4 MiB). */
      max_manifest_bytes: z.number().int().positive().default(4 * MiB),
      /** Largest image config blob. */
      max_config_bytes: z.number().int().positive().default(8 * MiB),
      /** zstd frames declaring a larger window are refused (zstd's own default: 128 MiB); rounded down to a power of two. */
      zstd_max_window_bytes: z.number().int().min(1 * MiB).max(2 * GiB).default(128 * MiB),
      /**
       * A registry request that gets no answer, or a download that receives no byte, for this long
       * is abandoned (containerd's image_pull_progress_timeout, 5 min). A download held back by
       * our own disk or unpacker is not stalled.
       */
      pull_progress_timeout_seconds: z.number().positive().default(300),
      /** Retries of transient registry faults (5xx, 429, resets, no answer) per request (podman's retry: 3). */
      pull_retries: z.number().int().min(0).max(20).default(3),
      /** First wait before a retry, doubled for each next one (a 429's Retry-After wins, up to 60 s). */
      pull_retry_delay_seconds: z.number().min(0).max(60).default(1),
    })
    .prefault({}),

  streaming: z
    .strictObject({
      address: z.string().min(1).default('127.0.0.1'),
      /** 0: a free port chosen at start. */
      port: z.number().int().min(0).max(65535).default(0),
      token_ttl_seconds: z.number().int().positive().default(60),
      tls_cert: optionalAbsPath.default(''),
      tls_key: optionalAbsPath.default(''),
      /** A streaming connection with no traffic for this long is closed (kubelet: 4 h). */
      idle_timeout_seconds: z.number().int().positive().default(4 * 3600),
    })
    .prefault({}),

  stats: z
    .strictObject({
      /**
       * The background sampler of writable-layer and image-filesystem usage walks them once per
       * this period; stats calls answer from its cache (containerd's stats_collect_period: 10 s).
       */
      fs_usage_period_seconds: z.number().min(0.1).max(3600).default(10),
    })
    .prefault({}),

  metrics: z
    .strictObject({
      /** host:port for the Prometheus endpoint; empty disables it. */
      address: z.string().default(''),
    })
    .prefault({}),
});

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type RuntimeHandlerConfig = z.output<typeof runtimeHandlerSchema>;
