// `rktlet exec [-t] [-i] CONTAINER -- CMD…`: a command in a running container through the OCI
// runtime's exec, the same backend the daemon's streaming server uses for kubectl exec. With -t
// the local terminal is attached (raw mode, resizes forwarded); the command's exit code is ours.
import type { Command } from 'commander';
import { ContainerStreaming } from '../container/streaming-backend.js';
import { ResizeEvents } from '../oci/session-streams.js';
import { InvalidArgumentError } from '../errors/catalog.js';
import { describeContainer, pickOne } from './refs.js';
import { withEngine } from './app-engine.js';

export function registerExecCommand(program: Command): void {
  program
    .command('exec')
    .description('run a command in a running container; exits with its exit code')
    .argument('<container>', 'container ID, ID prefix or name')
    .argument('<command...>', 'the command and its arguments (after --)')
    .option('-t, --tty', 'allocate a terminal and attach the local one')
    .option('-i, --interactive', 'pass our stdin to the command')
    .action(async (ref: string, command: string[], o: { tty?: boolean; interactive?: boolean }, cmd: Command) => {
      if (!command.length) throw new InvalidArgumentError('a command is required');
      const code = await withEngine(cmd, async (ctx) => {
        const e = ctx.engine;
        const r = pickOne('container', ref, e.containers.store.list(), describeContainer);
        const backend = new ContainerStreaming({ containers: e.containers, pods: { get: (id) => e.pods.view(id) }, runtime: (handler) => e.runtimes.get(handler) });
        const tty = !!o.tty;
        const resize = tty ? new ResizeEvents() : undefined;
        const ac = new AbortController();
        const localTty = tty && process.stdin.isTTY && process.stdout.isTTY;
        const pushSize = (): void => resize?.push({ width: process.stdout.columns, height: process.stdout.rows });
        if (localTty) {
          process.stdin.setRawMode(true);
          pushSize();
          process.stdout.on('resize', pushSize);
        }
        // Without a terminal, ^C ends the command (the runtime cannot forward SIGKILL, so the backend kills it).
        const onSigint = (): void => ac.abort();
        if (!localTty) process.on('SIGINT', onSigint);
        try {
          const res = await backend.exec(r.meta.id, command, {
            ...(o.interactive ? { stdin: process.stdin } : {}),
            stdout: process.stdout,
            ...(tty ? {} : { stderr: process.stderr }),
            tty,
            ...(resize ? { resize } : {}),
            signal: ac.signal,
          });
          return res.exitCode;
        } finally {
          process.off('SIGINT', onSigint);
          if (localTty) {
            process.stdout.off('resize', pushSize);
            process.stdin.setRawMode(false);
          }
          if (o.interactive) process.stdin.destroy();
        }
      });
      process.exitCode = code;
    });
}
