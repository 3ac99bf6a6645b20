// Round counts and sizes, from the environment. BENCH_QUICK=1 is a smoke run (a minute or two);
// the default is the full run (under ~20 minutes on a 2-core machine).

export const SCENARIOS = ['lifecycle', 'pull', 'idle-memory', 'concurrent', 'loaded', 'kubelet'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface Settings {
  quick: boolean;
  runtimes: ('containerd' | 'rktlet')[];
  scenarios: ScenarioName[];
  warmup: number;
  lifecycleRounds: number;
  pullRounds: number;
  imageMiB: number;
  imageLayers: number;
  concurrentPods: number;
  concurrentRounds: number;
  loadedPods: number;
  containersPerPod: number;
  /** Pods created in parallel while populating. */
  populateConcurrency: number;
  listRounds: number;
  statusRounds: number;
  execRounds: number;
  restartRounds: number;
  memorySamples: number;
  /** Where results go; empty: bench/results for full runs, the temp dir for quick ones. */
  outDir: string;
  logLevel: string;
  /** The kubelet pattern: pods in all, pods per burst, seconds of steady state after the last. */
  kubeletPods: number;
  kubeletBurst: number;
  kubeletSteadySeconds: number;
  kubeletRounds: number;
  /** Extra node flags for the rktlet daemon (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"). */
  rktletNodeArgs: string[];
}

type Env = Record<string, string | undefined>;

function int(env: Env, key: string, dflt: number, min = 0): number {
  const v = env[key];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${key} must be an integer ≥ ${min}, got "${v}"`);
  return n;
}

function list<T extends string>(env: Env, key: string, allowed: readonly T[]): T[] {
  const v = env[key];
  if (!v) return [...allowed];
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const i of items) if (!allowed.includes(i as T)) throw new Error(`${key}: unknown "${i}" (one of ${allowed.join(', ')})`);
  return items as T[];
}

export function loadSettings(env: Env): Settings {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const q = (full: number, smoke: number) => (quick ? smoke : full);
  return {
    quick,
    runtimes: list(env, 'BENCH_RUNTIMES', ['containerd', 'rktlet'] as const),
    scenarios: list(env, 'BENCH_SCENARIOS', SCENARIOS),
    warmup: int(env, 'BENCH_WARMUP', q(2, 1)),
    lifecycleRounds: int(env, 'BENCH_LIFECYCLE_ROUNDS', q(20, 3), 1),
    pullRounds: int(env, 'BENCH_PULL_ROUNDS', q(5, 2), 1),
    imageMiB: int(env, 'BENCH_IMAGE_MIB', q(100, 20), 1),
    imageLayers: int(env, 'BENCH_IMAGE_LAYERS', 5, 1),
    concurrentPods: int(env, 'BENCH_CONCURRENT_PODS', q(50, 10), 1),
    concurrentRounds: int(env, 'BENCH_CONCURRENT_ROUNDS', q(3, 1), 1),
    loadedPods: int(env, 'BENCH_LOADED_PODS', q(100, 10), 1),
    containersPerPod: int(env, 'BENCH_CONTAINERS_PER_POD', 3, 1),
    populateConcurrency: int(env, 'BENCH_POPULATE_CONCURRENCY', 4, 1),
    listRounds: int(env, 'BENCH_LIST_ROUNDS', q(30, 5), 1),
    statusRounds: int(env, 'BENCH_STATUS_ROUNDS', q(50, 5), 1),
    execRounds: int(env, 'BENCH_EXEC_ROUNDS', q(30, 5), 1),
    restartRounds: int(env, 'BENCH_RESTART_ROUNDS', q(3, 1), 1),
    memorySamples: int(env, 'BENCH_MEMORY_SAMPLES', q(3, 1), 1),
    outDir: env.BENCH_OUT ?? '',
    logLevel: env.BENCH_LOG_LEVEL ?? 'warn',
    kubeletPods: int(env, 'BENCH_KUBELET_PODS', q(100, 20), 1),
    kubeletBurst: int(env, 'BENCH_KUBELET_BURST', q(20, 10), 1),
    kubeletSteadySeconds: int(env, 'BENCH_KUBELET_STEADY_SECONDS', q(40, 12), 1),
    kubeletRounds: int(env, 'BENCH_KUBELET_ROUNDS', 1, 1),
    rktletNodeArgs: (env.BENCH_RKTLET_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
  };
}

/** The settings as the report lists them. */
export function describeSettings(s: Settings): Record<string, string | number | boolean> {
  return {
    mode: s.quick ? 'quick smoke run (BENCH_QUICK=1): figures are indicative only' : 'full',
    order: 'alternating containerd, rktlet per round, after warm-up rounds that are not counted',
    'warm-up rounds': s.warmup,
    'single-pod lifecycle rounds': s.lifecycleRounds,
    'image pull rounds': `${s.pullRounds} (${s.imageMiB} MiB in ${s.imageLayers} layers, removed before each round)`,
    'concurrent start': `${s.concurrentPods} pods × 1 container, ${s.concurrentRounds} rounds`,
    'loaded node': `${s.loadedPods} pods × ${s.containersPerPod} containers, populated ${s.populateConcurrency} pods at a time`,
    'list / status / exec rounds': `${s.listRounds} / ${s.statusRounds} / ${s.execRounds}`,
    'restart rounds': s.restartRounds,
    'daemon log level': s.logLevel,
    'kubelet pattern': `${s.kubeletPods} pods × 1 container in bursts of ${s.kubeletBurst}, ${s.kubeletRounds} round(s), then ${s.kubeletSteadySeconds} s steady; relist every 1 s, Status every 5 s, stats every 10 s`,
    ...(s.rktletNodeArgs.length ? { 'rktlet node flags': s.rktletNodeArgs.join(' ') } : {}),
  };
}
