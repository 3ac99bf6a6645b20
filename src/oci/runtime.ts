// Contract for the OCI runtime (runc, crun) behind one interface. conmon lives inside one
// implementation (it launches `runtime create` and then watches the container).

export type OciStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface OciState {
  id: string;
  status: OciStatus;
  pid: number;
  bundle: string;
}

export interface CreateOptions {
  id: string;
  /** Directory holding config.json. */
  bundle: string;
  /** CRI log file (conmon writes CRI-format lines); empty: no log. */
  logPath: string;
  /** Where conmon writes the exit code when the container exits. */
  exitDir: string;
  /** Directory for the attach socket and control fifo. */
  socketDir: string;
  terminal: boolean;
  stdin: boolean;
  stdinOnce: boolean;
}

export interface OciRuntime {
  readonly name: string;
  /** Creates the container (process waiting for start), monitored by conmon outside our process tree. */
  create(opts: CreateOptions): Promise<OciState>;
  start(id: string): Promise<void>;
  kill(id: string, signal: string, all?: boolean): Promise<void>;
  /** Deletes the runtime's state (force: also a running container). Idempotent. */
  delete(id: string, force?: boolean): Promise<void>;
  /** Undefined when the runtime does not know the container. */
  state(id: string): Promise<OciState | undefined>;
  /** Applies new resource limits (linux.resources JSON) to a running container. */
  update(id: string, resources: object): Promise<void>;
}
