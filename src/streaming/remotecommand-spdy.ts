// Exec/attach over SPDY (kubelet's remotecommand httpstream server): the client opens one stream
// per channel, identified by its streamType header (error, stdin, stdout, stderr, resize); once
// the expected set has arrived the command runs; at the end stdout/stderr are finished, the
// outcome goes on the error stream and the session is closed.
import type { Logger } from '../log/logger.js';
import { ResizeEvents, type StreamingBackend } from './backend.js';
import { JsonObjectSplitter, toTerminalSize } from './json-objects.js';
import { remoteCommandVersion } from './protocols.js';
import { endAndFlush, runRemoteCommand, type RemoteCommandRequest } from './remotecommand.js';
import type { SpdySession, SpdyStream } from './spdy-session.js';
import { statusPayload } from './status.js';

export interface SpdyRemoteCommandOptions {
  protocol: string;
  backend: StreamingBackend;
  log: Logger;
  /** How long the client has to open its streams. */
  streamCreationTimeoutMs: number;
}

type Channel = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';

export async function serveSpdyRemoteCommand(session: SpdySession, req: RemoteCommandRequest, opts: SpdyRemoteCommandOptions): Promise<void> {
  const version = remoteCommandVersion(opts.protocol);
  const wanted = new Set<Channel>(['error']);
  if (req.stdin) wanted.add('stdin');
  if (req.stdout) wanted.add('stdout');
  if (req.stderr && !req.tty) wanted.add('stderr');
  if (req.tty && version >= 3) wanted.add('resize');

  const got = new Map<Channel, SpdyStream>();
  const complete = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => finish(false), opts.streamCreationTimeoutMs);
    const onClose = () => finish(false);
    const onStream = (s: SpdyStream) => {
      const type = s.header('streamtype') as Channel | undefined;
      void s.reply().catch(() => undefined);
      if (!type || !wanted.has(type) || got.has(type)) {
        opts.log.debug({ streamType: type }, 'ignoring unexpected stream');
        s.resume(); // its data is dropped: unread, it would stop the whole session's reading
        return;
      }
      got.set(type, s);
      if (got.size === wanted.size) finish(true);
    };
    function finish(ok: boolean) {
      clearTimeout(timer);
      session.off('stream', onStream);
      session.off('close', onClose);
      resolve(ok);
    }
    session.on('stream', onStream);
    session.once('close', onClose);
  });
  if (!complete) {
    opts.log.info({ got: [...got.keys()], wanted: [...wanted] }, 'client did not open its streams in time');
    await session.close();
    return;
  }
  // Later streams (none are expected) are refused.
  session.on('stream', (s: SpdyStream) => s.reset());

  const ac = new AbortController();
  session.once('close', () => ac.abort(new Error('client went away')));
  const stdin = got.get('stdin');
  // v1 clients never send stdin data on the stream they open (kubelet closes it right away).
  if (stdin && version === 1) stdin.end();
  const resizeStream = got.get('resize');
  let resize: ResizeEvents | undefined;
  if (req.tty) {
    resize = new ResizeEvents();
    if (resizeStream) {
      const split = new JsonObjectSplitter();
      const r = resize;
      resizeStream.on('data', (chunk: Buffer) => {
        try {
          for (const o of split.push(chunk)) {
            const size = toTerminalSize(o);
            if (size) r.push(size);
          }
        } catch (err) {
          opts.log.info({ err: (err as Error).message }, 'bad resize message: ignoring the resize stream');
          resizeStream.removeAllListeners('data');
          resizeStream.resume();
        }
      });
      resizeStream.once('end', () => r.emit('end'));
    }
  }
  const stdout = got.get('stdout');
  const stderr = got.get('stderr');
  const outcome = await runRemoteCommand(opts.backend, req, {
    stdin,
    stdout,
    stderr,
    tty: req.tty,
    resize,
    signal: ac.signal,
  });
  // Input nobody reads any more must not hold up the connection.
  stdin?.resume();
  resizeStream?.resume();
  await Promise.all([endAndFlush(stdout), endAndFlush(stderr)]);
  const errStream = got.get('error')!;
  const payload = statusPayload(outcome, version);
  if (payload.length) errStream.write(payload);
  await endAndFlush(errStream);
  if (outcome.kind === 'error') opts.log.info({ err: outcome.message }, `${req.kind} failed`);
  await session.close();
}
