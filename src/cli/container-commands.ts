// Daemonless container verbs over the state root: `rktlet ps`, `rktlet inspect`, `rktlet logs [-f]`.
// They read what the daemon wrote (and conmon's exit files); they never change anything.
import type { Command } from 'commander';
import { readerConfig } from './options.js';
import { filterContainers } from '../container/filter.js';
import { loadContainers } from '../container/offline-view.js';
import { describeContainer, pickOne } from './refs.js';
import { readLogRecords } from '../container/log-reader.js';
import { toCriStatus } from '../container/to-cri.js';
import { exitDir } from '../container/paths.js';
import { readExitFile } from '../oci/conmon-runtime/exit-files.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { ContainerRecord } from '../container/types.js';


function ago(ns: string): string {
  const s = Math.max(0, Math.round((Date.now() - Number(BigInt(ns) / 1_000_000n)) / 1000));
  if (s < 60) return `${s} seconds ago`;
  if (s < 3600) return `${Math.round(s / 60)} minutes ago`;
  return `${Math.round(s / 3600)} hours ago`;
}

/** Rows like `crictl ps`. */
export function containerRows(records: ContainerRecord[]): string[][] {
  const rows = [['CONTAINER', 'IMAGE', 'CREATED', 'STATE', 'NAME', 'ATTEMPT', 'POD ID']];
  for (const r of records) {
    rows.push([r.meta.id.slice(0, 13), r.meta.image, ago(r.meta.createdAtNs), r.status.state.toUpperCase(), r.meta.name, String(r.meta.attempt), r.meta.podId.slice(0, 13)]);
  }
  return rows;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]! + 3))).join('')).join('\n') + '\n';
}

async function find(config: Config, ref: string): Promise<ContainerRecord> {
  return pickOne('container', ref, await loadContainers(config), describeContainer);
}

export function registerContainerCommands(program: Command): void {
  program
    .command('ps')
    .description('list containers (running ones unless --all)')
    .option('-a, --all', 'also created and exited containers')
    .option('-p, --pod <id>', 'only the containers of this pod (ID prefix)')
    .option('-q, --quiet', 'IDs only')
    .action(async (o: { all?: boolean; pod?: string; quiet?: boolean }, cmd: Command) => {
      const all = await loadContainers(await readerConfig(cmd));
      // A prefix the IDs of several pods (with containers) start with is refused, listing them.
      const pods = [...new Set(all.map((r) => r.meta.podId))].filter((id) => o.pod && id.startsWith(o.pod));
      if (o.pod && pods.length > 1) pickOne('pod', o.pod, pods, (id) => ({ id, name: '', detail: `${all.filter((r) => r.meta.podId === id).length} container(s)` }));
      const list = filterContainers(all, {
        id: '',
        pod_sandbox_id: o.pod ?? '',
        state: o.all ? null : { state: 'CONTAINER_RUNNING' },
        label_selector: {},
      });
      process.stdout.write(o.quiet ? list.map((r) => r.meta.id + '\n').join('') : table(containerRows(list)));
    });

  program
    .command('inspect')
    .description("a container's status (as ContainerStatus) and OCI spec, as JSON")
    .argument('<container>', 'ID, ID prefix or name')
    .action(async (ref: string, _o: unknown, cmd: Command) => {
      const r = await find(await readerConfig(cmd), ref);
      let spec: unknown;
      try {
        spec = JSON.parse(await readFile(join(r.meta.bundle, 'config.json'), 'utf8'));
      } catch {
        spec = undefined;
      }
      process.stdout.write(JSON.stringify({ status: toCriStatus(r), info: { pid: r.status.pid, bundle: r.meta.bundle, runtimeSpec: spec } }, null, 2) + '\n');
    });

  program
    .command('logs')
    .description("a container's log (stdout and stderr as written), optionally following it")
    .argument('<container>', 'ID, ID prefix or name')
    .option('-f, --follow', 'keep printing new lines until the container exits')
    .option('--timestamps', 'prefix each line with its time')
    .action(async (ref: string, o: { follow?: boolean; timestamps?: boolean }, cmd: Command) => {
      const config = await readerConfig(cmd);
      const r = await find(config, ref);
      if (!r.meta.logPath) return;
      const ac = new AbortController();
      process.once('SIGINT', () => ac.abort());
      const done = async (): Promise<boolean> =>
        r.status.state === 'exited' || (await readExitFile(exitDir(config), r.meta.id, r.meta.bundle).catch(() => undefined)) !== undefined;
      for await (const rec of readLogRecords(r.meta.logPath, { follow: !!o.follow, done, signal: ac.signal })) {
        const text = (o.timestamps ? `${rec.time} ` : '') + rec.text + (rec.partial ? '' : '\n');
        (rec.stream === 'stderr' ? process.stderr : process.stdout).write(text);
      }
    });
}
