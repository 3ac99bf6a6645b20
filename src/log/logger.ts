// Structured JSON logs on stderr (stdout stays free for CLI output).
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'rktlet'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }));
}

/** A logger that drops everything: for unit tests and the quiet CLI. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
