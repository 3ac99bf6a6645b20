// The engine's streaming part: validates Exec/Attach/PortForward requests, registers them with
// the streaming server and returns their URLs. Only the daemon starts the server (the CLI opens
// the engine too, and must not listen).
import { mkdir } from 'node:fs/promises';
import type { Config } from '../config/schema.js';
import { checkArgv } from '../container/request-checks.js';
import type { Logger } from '../log/logger.js';
import { ConfigError, InvalidArgumentError, UnavailableError } from '../errors/catalog.js';
import type { StreamingBackend, StreamingValidator } from './backend.js';
import { StreamingServer } from './server.js';
import { previousPort, savePort } from './port-file.js';
import { streamingStateDir } from './token-file.js';

export interface ExecParams {
  container_id: string;
  cmd: string[];
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

export type AttachParams = Omit<ExecParams, 'cmd'>;

export class StreamingService {
  private server: StreamingServer | undefined;

  constructor(
    private readonly deps: { config: Config; log: Logger; backend: StreamingBackend; validator: StreamingValidator },
  ) {}

  /** Starts listening (daemon only). */
  async start(): Promise<void> {
    if (this.server) return;
    const c = this.deps.config.streaming;
    const stateDir = streamingStateDir(this.deps.config.run_root);
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    const options = (port: number) => ({
      address: c.address,
      port,
      tokenTtlMs: c.token_ttl_seconds * 1000,
      tlsCert: c.tls_cert || undefined,
      tlsKey: c.tls_key || undefined,
      backend: this.deps.backend,
      log: this.deps.log.child({ part: 'streaming' }),
      idleTimeoutMs: c.idle_timeout_seconds * 1000,
      stateDir,
    });
    // Port 0: the previous daemon's port first, so the URLs it handed out still work.
    const previous = c.port === 0 ? await previousPort(stateDir, c.address) : undefined;
    const started = previous
      ? StreamingServer.start(options(previous)).catch((err: unknown) => {
          this.deps.log.info({ port: previous, err: (err as Error).message }, "the previous streaming port is taken: its URLs are lost; picking a new port");
          return StreamingServer.start(options(0));
        })
      : StreamingServer.start(options(c.port));
    this.server = await started.catch((err: unknown) => {
      const key = (err as { code?: string }).code === 'EADDRINUSE' || (err as { code?: string }).code === 'EADDRNOTAVAIL' ? 'streaming.port' : 'streaming';
      throw new ConfigError(key, `cannot serve streaming on ${c.address}:${c.port}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    });
    if (c.port === 0) await savePort(stateDir, c.address, this.server.port).catch((err: unknown) => this.deps.log.warn({ err }, 'cannot record the streaming port'));
    this.deps.log.info({ url: this.server.baseUrl }, 'streaming server listening');
  }

  get baseUrl(): string | undefined {
    return this.server?.baseUrl;
  }

  private running(): StreamingServer {
    if (!this.server) throw new UnavailableError('the streaming server runs only inside the daemon (rktlet serve)');
    return this.server;
  }

  async exec(req: ExecParams): Promise<string> {
    if (!req.container_id) throw new InvalidArgumentError('container_id is required');
    if (!req.cmd.length || !req.cmd[0]) throw new InvalidArgumentError('cmd is required');
    checkArgv(req.cmd, 'cmd');
    validateStreams(req);
    const server = this.running();
    await this.deps.validator.checkContainer(req.container_id, false);
    return server.register({ kind: 'exec', containerId: req.container_id, cmd: [...req.cmd], stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, tty: req.tty });
  }

  async attach(req: AttachParams): Promise<string> {
    if (!req.container_id) throw new InvalidArgumentError('container_id is required');
    validateStreams(req);
    const server = this.running();
    await this.deps.validator.checkContainer(req.container_id, true);
    return server.register({ kind: 'attach', containerId: req.container_id, cmd: [], stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, tty: req.tty });
  }

  async portForward(req: { pod_sandbox_id: string; port: number[] }): Promise<string> {
    if (!req.pod_sandbox_id) throw new InvalidArgumentError('pod_sandbox_id is required');
    for (const p of req.port) {
      if (!Number.isInteger(p) || p < 1 || p > 65535) throw new InvalidArgumentError(`invalid port ${p}: must be 1-65535`);
    }
    const server = this.running();
    await this.deps.validator.checkPod(req.pod_sandbox_id);
    return server.register({ kind: 'portforward', podSandboxId: req.pod_sandbox_id, ports: [...req.port] });
  }

  async close(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }
}

/** kubelet's rules: a TTY merges stderr into stdout, and some stream must be asked for. */
function validateStreams(r: { tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }): void {
  if (r.tty && r.stderr) throw new InvalidArgumentError('tty and stderr cannot both be true');
  if (!r.stdin && !r.stdout && !r.stderr) throw new InvalidArgumentError('one of stdin, stdout, or stderr must be set');
}
