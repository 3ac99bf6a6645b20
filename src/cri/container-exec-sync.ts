// ExecSync: a command in the container, its output and exit code; DEADLINE_EXCEEDED past the timeout.
import { InvalidArgumentError } from '../errors/catalog.js';
import { checkArgv } from '../container/request-checks.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function containerExecSync(ctx: CallContext, req: RuntimeReq<'ExecSync'>): Promise<RuntimeRes<'ExecSync'>> {
  if (!req.container_id) throw new InvalidArgumentError('container_id is required');
  const timeout = Number(req.timeout || '0');
  if (!Number.isSafeInteger(timeout) || timeout < 0) throw new InvalidArgumentError(`timeout "${req.timeout}" is not valid`);
  if (!req.cmd.length || !req.cmd[0]) throw new InvalidArgumentError('cmd is required');
  checkArgv(req.cmd, 'cmd');
  const r = await ctx.engine.containers.execSync(req.container_id, req.cmd, timeout, ctx.signal);
  return { stdout: r.stdout, stderr: r.stderr, exit_code: r.exitCode };
}
