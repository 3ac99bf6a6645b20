// undici, loaded at the first registry request: only image pulls use it, and loading it is a
// noticeable part of the daemon's start-up.
let loading: Promise<typeof import('undici')> | undefined;

export function undici(): Promise<typeof import('undici')> {
  loading ??= import('undici');
  return loading;
}
