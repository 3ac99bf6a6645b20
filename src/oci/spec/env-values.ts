// CRI environment values (KeyValue.value, bytes since cri-api 1.36.2) as config.json can carry them.
// config.json is JSON, whose strings are Unicode, and both OCI runtimes here read it as such:
// runc (Go's encoding/json) turns each invalid UTF-8 byte into U+FFFD, whether written raw or as
// a lone-surrogate escape ("\udcff"), and crun (yajl) refuses a raw one outright. Measured with
// runc 1.1.5 and crun 1.8.1: bytes 61 ff fe 62 reached the process as 61 ef bf bd ef bf bd 62.
// So a value that is not UTF-8 cannot reach the container unchanged, and is refused rather than
// corrupted; so is a NUL, which no environment entry can hold (execve takes C strings).
import { InvalidArgumentError } from '../../errors/catalog.js';

export interface EnvVar {
  key: string;
  value: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The request's variables as exact strings, or INVALID_ARGUMENT naming the first one that cannot be. */
export function envFromCri(kvs: readonly { key: string; value: Uint8Array }[]): EnvVar[] {
  return kvs.map(({ key, value }) => {
    if (key === '' || key.includes('=') || key.includes('\0')) {
      throw new InvalidArgumentError(`environment variable name ${JSON.stringify(key)} is not valid: it must be non-empty, without "=" or NUL`);
    }
    let text: string;
    try {
      text = utf8.decode(value);
    } catch {
      const at = firstInvalidUtf8(value);
      throw new InvalidArgumentError(
        `environment variable ${JSON.stringify(key)}: its value is not valid UTF-8 (byte 0x${value[at]!.toString(16).padStart(2, '0')} at offset ${at}); ` +
          'the OCI runtime reads the environment from config.json, whose strings are Unicode, so these bytes cannot reach the container unchanged',
      );
    }
    if (text.includes('\0')) throw new InvalidArgumentError(`environment variable ${JSON.stringify(key)}: its value contains a NUL byte, which no environment entry can hold`);
    return { key, value: text };
  });
}

/** Offset of the first byte that does not start a valid UTF-8 sequence (for the message). */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    let n = 1;
    for (; n <= 4 && i + n <= b.length; n++) {
      try {
        utf8.decode(b.subarray(i, i + n));
        break;
      } catch {
        // a longer sequence may still be valid
      }
    }
    if (n > 4 || i + n > b.length) return i;
    i += n;
  }
  return 0;
}
