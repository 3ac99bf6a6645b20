// Port forwarding over SPDY (kubelet's portforward httpstream server, protocol portforward.k8s.io):
// per forwarded connection the client opens an error stream and a data stream, both carrying
// `port` and `requestID` headers; each complete pair is connected to the port inside the pod and
// failures are written on its error stream. Many pairs run at once on one session.
import type { Logger } from '../log/logger.js';
import type { StreamingBackend } from './backend.js';
import { RstStatus } from './spdy-frames.js';
import type { SpdySession, SpdyStream } from './spdy-session.js';
import { endAndFlush, type PortForwardRequest } from './remotecommand.js';

export interface SpdyPortForwardOptions {
  backend: StreamingBackend;
  log: Logger;
  streamCreationTimeoutMs: number;
}

interface Pair {
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

/** Parses a port header as kubelet does: a decimal 1…65535. */
export function parsePort(v: string | undefined): number | string {
  if (!v) return '"port" header is required';
  if (!/^\d+$/.test(v)) return `unable to parse "${v}" as a port`;
  const n = Number(v);
  if (n < 1 || n > 65535) return `port "${v}" must be > 0 and < 65536`;
  return n;
}

export function serveSpdyPortForward(session: SpdySession, req: PortForwardRequest, opts: SpdyPortForwardOptions): Promise<void> {
  const pairs = new Map<string, Pair>();
  const ac = new AbortController();
  const running = new Set<Promise<void>>();

  const run = async (id: string, p: Pair) => {
    const data = p.data!;
    const error = p.error!;
    const port = parsePort(data.header('port')) as number;
    try {
      // The CRI request may name the ports this URL is good for (kubectl's SPDY path names none).
      if (req.ports.length && !req.ports.includes(port)) throw new Error(`port ${port} was not requested (allowed: ${req.ports.join(', ')})`);
      await opts.backend.portForward(req.podSandboxId, port, data, ac.signal);
    } catch (err) {
      const msg = `error forwarding port ${port} to pod ${req.podSandboxId}, uid : ${err instanceof Error ? err.message : String(err)}`;
      opts.log.info({ port, requestID: id, err: msg }, 'port forward failed');
      error.write(msg);
    }
    await Promise.all([endAndFlush(data), endAndFlush(error)]);
    data.resume();
  };

  session.on('stream', (s: SpdyStream) => {
    const port = parsePort(s.header('port'));
    const type = s.header('streamtype');
    if (typeof port === 'string' || (type !== 'error' && type !== 'data')) {
      // As kubelet: a stream with bad headers is reset without a reply.
      opts.log.info({ port: s.header('port'), streamType: type }, 'refusing port-forward stream');
      s.reset(RstStatus.PROTOCOL_ERROR);
      return;
    }
    void s.reply().catch(() => undefined);
    // Old clients send no requestID: pair by stream id (error n, data n+2), as kubelet does.
    const id = s.header('requestid') ?? String(type === 'error' ? s.id : s.id - 2);
    let p = pairs.get(id);
    if (!p) {
      const timer = setTimeout(() => {
        const msg = `(request=${id}) timed out waiting for streams`;
        p!.error?.end(msg);
        p!.data?.reset();
        pairs.delete(id);
      }, opts.streamCreationTimeoutMs);
      p = { timer };
      pairs.set(id, p);
    }
    if (p[type]) {
      s.end(`error processing stream for request ${id}: ${type} stream already assigned`);
      return;
    }
    p[type] = s;
    if (p.data && p.error) {
      clearTimeout(p.timer);
      pairs.delete(id);
      const r = run(id, p);
      running.add(r);
      void r.finally(() => running.delete(r));
    }
  });

  return new Promise<void>((resolve) => {
    session.once('close', () => {
      ac.abort(new Error('client went away'));
      for (const p of pairs.values()) clearTimeout(p.timer);
      void Promise.allSettled([...running]).then(() => resolve());
    });
  });
}
