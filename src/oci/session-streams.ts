// A process's stdio as an interactive session gives it (exec and attach through the streaming
// server, or `rktlet exec` on the local terminal): the runtime copies bytes, the protocol layers
// (SPDY, WebSocket) fill these in. Nothing here knows either side.
import type { Readable, Writable } from 'node:stream';
import { EventEmitter } from 'node:events';

export interface TerminalSize {
  width: number;
  height: number;
}

/** Terminal sizes as the client sends them ('resize' events; 'end' when the stream closes). */
export class ResizeEvents extends EventEmitter<{ resize: [TerminalSize]; end: [] }> {
  last: TerminalSize | undefined;

  push(size: TerminalSize): void {
    if (!Number.isInteger(size.width) || !Number.isInteger(size.height) || size.width < 0 || size.height < 0) return;
    if (size.width > 0xffff || size.height > 0xffff) return;
    this.last = size;
    this.emit('resize', size);
  }
}

export interface SessionStreams {
  /** The client's input; ends when the client closes stdin. Undefined: not requested. */
  stdin?: Readable;
  stdout?: Writable;
  /** Undefined when not requested (always with a TTY: the terminal merges it into stdout). */
  stderr?: Writable;
  tty: boolean;
  /** TTY sessions only. */
  resize?: ResizeEvents;
  /** Aborted when the client goes away: the runtime stops copying (an exec'd process is killed). */
  signal: AbortSignal;
}
