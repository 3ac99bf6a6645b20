// Forces a full garbage collection in a daemon started with `--inspect=127.0.0.1:0` and reads its
// V8 heap, through the Chrome DevTools Protocol on the inspector's WebSocket (Node's built-in
// client). A soak test sampling memory without it reads wherever the heap's sawtooth happens to
// be: a clean-clone CI run saw the used heap swing 34-60 MiB and RSS follow it by 50 MiB within
// 100 cycles, with nothing leaking.

/**
 * The inspector's WebSocket URL, from the line node prints on stderr at start: the last one, as
 * `rktlet serve` re-executes itself once with its V8 options (src/cli/daemon-node-flags.ts) and
 * the first process's inspector is gone.
 */
export function inspectorUrl(stderr: string): string {
  const m = [...stderr.matchAll(/Debugger listening on (ws:\/\/\S+)/g)].at(-1);
  if (!m) throw new Error(`no inspector URL in the daemon's stderr (started without --inspect?):\n${stderr.slice(0, 2000)}`);
  return m[1]!;
}

/** A WebSocket to the inspector, once open. */
async function openInspector(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`cannot reach the inspector at ${url}`));
  });
  return ws;
}

/** Runs CDP methods in order on one connection and returns their results. */
async function cdp(url: string, methods: string[]): Promise<unknown[]> {
  const ws = await openInspector(url);
  try {
    const out: unknown[] = [];
    for (const [i, method] of methods.entries()) {
      const answer = new Promise<unknown>((resolve, reject) => {
        ws.onmessage = (ev) => {
          const msg = JSON.parse(String(ev.data)) as { id?: number; result?: unknown; error?: { message: string } };
          if (msg.id !== i + 1) return; // an event, not our answer
          if (msg.error) reject(new Error(`${method}: ${msg.error.message}`));
          else resolve(msg.result);
        };
      });
      ws.send(JSON.stringify({ id: i + 1, method }));
      out.push(await answer);
    }
    return out;
  } finally {
    ws.close();
  }
}

/** A full (mark-compact) GC, then the heap's used bytes. */
export async function heapAfterGc(url: string): Promise<number> {
  const [, usage] = await cdp(url, ['HeapProfiler.collectGarbage', 'Runtime.getHeapUsage']);
  return (usage as { usedSize: number }).usedSize;
}

/** The URLs of every script the process has loaded (node:… built-ins, file:// modules). */
export async function loadedScripts(url: string): Promise<string[]> {
  const ws = await openInspector(url);
  try {
    const urls: string[] = [];
    // Debugger.enable reports each loaded script (scriptParsed) before its own answer.
    await new Promise<void>((resolve, reject) => {
      ws.onmessage = (ev) => {
        const msg = JSON.parse(String(ev.data)) as { id?: number; method?: string; params?: { url?: string }; error?: { message: string } };
        if (msg.method === 'Debugger.scriptParsed' && msg.params?.url) urls.push(msg.params.url);
        else if (msg.id === 1 && msg.error) reject(new Error(`Debugger.enable: ${msg.error.message}`));
        else if (msg.id === 1) resolve();
      };
      ws.send(JSON.stringify({ id: 1, method: 'Debugger.enable' }));
    });
    ws.send(JSON.stringify({ id: 2, method: 'Debugger.disable' }));
    return urls;
  } finally {
    ws.close();
  }
}
