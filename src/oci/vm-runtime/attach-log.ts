// Attach for vm containers: their output, read back from the CRI log the guest writes (the share's
// bind of the log file), decoded into the session's stdout and stderr as it comes, until the
// container exits or the client goes. Output only: a vm container never has stdin or a terminal
// (refused at create), so there is nothing to send the other way. As conmon's attach, it starts
// at the end: what was written before the attach is in the log.
import { pathExists } from '../../util/path-exists.js';
import { FileFollower } from './file-follow.js';
import type { SessionStreams } from '../session-streams.js';

const LINE = /^\S+ (stdout|stderr) ([PF]) (.*)$/s;

/** One CRI log line's stream and text (its newline back when F); undefined when not one (pure). */
export function decodeLogLine(line: string): { stream: 'stdout' | 'stderr'; text: string } | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  return { stream: m[1] as 'stdout' | 'stderr', text: m[2] === 'F' ? `${m[3]}\n` : m[3]! };
}

export async function followLog(logFile: string, exitFile: string, streams: SessionStreams, pollMs = 100): Promise<void> {
  const f = new FileFollower(logFile);
  await f.skipToEnd();
  let carry = '';
  const drain = async (): Promise<void> => {
    const lines = (carry + (await f.read()).toString()).split('\n');
    carry = lines.pop() ?? '';
    for (const l of lines) {
      const r = decodeLogLine(l);
      if (r) (r.stream === 'stderr' && streams.stderr ? streams.stderr : streams.stdout)?.write(r.text);
    }
  };
  while (!streams.signal.aborted) {
    const exited = await pathExists(exitFile);
    await drain();
    if (exited) break;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  streams.stdout?.end();
  streams.stderr?.end();
}
