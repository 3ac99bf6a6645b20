// tar-stream, loaded at the first layer unpack (with its PAX decoder made byte-exact for xattrs):
// only pulls and imports unpack layers, and loading it at start-up costs every daemon start.
import { installBinaryPax } from './pax-binary.js';

type TarStream = typeof import('tar-stream');

let loading: Promise<TarStream> | undefined;

export function tarStream(): Promise<TarStream> {
  loading ??= import('tar-stream').then((m) => {
    installBinaryPax();
    return m;
  });
  return loading;
}
