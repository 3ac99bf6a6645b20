// The real crictl (cri-tools v1.29.0) against a test daemon: finds the binary, runs it with its own
// config file (never the host's /etc/crictl.yaml), and reads its output as an operator does
// (`-o json`, and the aligned tables).
//
// The binary is not in Debian: it is `../shared/critest/bin/crictl` beside the repository (where the
// project's machines keep it) or `$CRICTL`. Where it is absent the crictl tests are skipped, except
// under CI=true, where its absence is a failure.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../../src/util/package-info.js';

export const CRICTL_DEFAULT = resolve(packageRoot, '..', 'shared', 'critest', 'bin', 'crictl');

/** The crictl binary to use, or why there is none. */
export function findCrictl(env: NodeJS.ProcessEnv = process.env): { path: string } | { missing: string } {
  const path = env.CRICTL || CRICTL_DEFAULT;
  try {
    accessSync(path, constants.X_OK);
    return { path };
  } catch {
    return { missing: `crictl not found at ${path} (set CRICTL to a cri-tools v1.29 crictl binary)` };
  }
}

/** crictl's JSON, read field by field as the tests check it. */
export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface CrictlResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export class Crictl {
  readonly config: string;

  /** Writes a crictl config for the daemon's socket into `dir`. */
  constructor(
    readonly bin: string,
    socket: string,
    dir: string,
  ) {
    this.config = join(dir, 'crictl.yaml');
    writeFileSync(
      this.config,
      [`runtime-endpoint: unix://${socket}`, `image-endpoint: unix://${socket}`, 'timeout: 20', 'debug: false', 'pull-image-on-create: false', ''].join('\n'),
    );
  }

  /** Runs crictl to completion (killed after timeoutMs); `input` is written to its stdin. */
  run(args: string[], o: { timeoutMs?: number; input?: string | Buffer } = {}): Promise<CrictlResult> {
    const t0 = Date.now();
    return new Promise((resolve) => {
      const child = execFile(
        this.bin,
        ['--config', this.config, ...args],
        { timeout: o.timeoutMs ?? 30_000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
        (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
          resolve({ code, stdout, stderr, ms: Date.now() - t0 });
        },
      );
      if (o.input !== undefined) child.stdin?.end(o.input);
      else child.stdin?.end();
    });
  }

  /** Runs crictl and requires exit code 0; returns its stdout. */
  async ok(args: string[], o: { timeoutMs?: number; input?: string | Buffer } = {}): Promise<string> {
    const r = await this.run(args, o);
    if (r.code !== 0) throw new Error(`crictl ${args.join(' ')} exited with ${r.code}:\n${r.stderr}${r.stdout.slice(0, 2000)}`);
    return r.stdout;
  }

  /** `crictl VERB -o json ARGS…`, parsed (options go before the arguments, as urfave/cli wants). */
  async json<T = Json>([verb, ...rest]: string[]): Promise<T> {
    return JSON.parse(await this.ok([verb!, '-o', 'json', ...rest])) as T;
  }

  /** A long-running crictl (port-forward): the caller reads its output and kills it. */
  start(args: string[]): ChildProcess {
    return spawn(this.bin, ['--config', this.config, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  }
}

/**
 * The local port a `crictl port-forward POD 0:REMOTE` listens on: port 0 lets the kernel pick a
 * free one, and crictl says which ("Forwarding from 127.0.0.1:N -> REMOTE"). `output()` is all it
 * printed so far (for a failure's message and later checks).
 */
export async function forwardedPort(pf: ChildProcess, remote: number, timeoutMs = 15_000): Promise<{ port: number; output: () => string }> {
  let out = '';
  pf.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "Forwarding from" line:\n${out}`)), timeoutMs);
    pf.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = new RegExp(`Forwarding from 127\\.0\\.0\\.1:(\\d+) -> ${remote}`).exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    pf.once('exit', (code) => reject(new Error(`port-forward exited with ${code}:\n${out}`)));
  });
  return { port, output: () => out };
}

/**
 * crictl's tables (Go tabwriter, columns aligned with spaces) as one record per row, keyed by the
 * header's column names. Cells are cut at the header's column starts, so cells with single spaces
 * ("2 seconds ago") stay whole. Screen-clearing escapes (stats) are dropped.
 */
export function parseTable(stdout: string): Record<string, string>[] {
  const lines = stdout
    // eslint-disable-next-line no-control-regex -- ESC starts the escapes this drops
    .replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const header = lines[0];
  if (header === undefined) return [];
  const cols: { name: string; start: number }[] = [];
  for (const m of header.matchAll(/\S+(?: \S+)*/g)) cols.push({ name: m[0], start: m.index });
  return lines.slice(1).map((line) => {
    const row: Record<string, string> = {};
    cols.forEach((c, i) => {
      const end = cols[i + 1]?.start ?? line.length;
      row[c.name] = line.slice(c.start, end).trim();
    });
    return row;
  });
}

/** go-units' HumanSizeWithPrecision (decimal units), as crictl prints sizes: 1113646 → "1.11MB". */
export function humanSize(bytes: number, precision: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(precision))}${units[i]}`;
}
