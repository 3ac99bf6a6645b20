// The sigstore npm libraries (@sigstore/bundle, @sigstore/verify), loaded on first use. Most nodes
// never verify a sigstore bundle (no policy, insecureAcceptAnything, or images signed the `.sig`
// way), and the two packages with their protobuf-specs and core are 62 CommonJS modules that cost
// 40-190 ms (median 62), 1.5 MiB of heap and 10 MiB of RSS to load on the 2-core CI machine
// (measured in a fresh process, after GC, 9 runs at load average 12):
// the daemon and every CLI verb would pay that at start if they were imported statically. Outside
// tests, only `import type` of them may appear elsewhere (sigstore-lib.test.ts checks that the
// daemon's and `rktlet pull`'s modules load none of them).
async function load() {
  const [bundle, verify] = await Promise.all([import('@sigstore/bundle'), import('@sigstore/verify')]);
  return { bundle, verify };
}

export type SigstoreLibs = Awaited<ReturnType<typeof load>>;

let loading: Promise<SigstoreLibs> | undefined;

/** The libraries, loaded by the first call; a failed load is tried again by the next. */
export function sigstoreLibs(): Promise<SigstoreLibs> {
  loading ??= load().catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}
