// A local docker-registry (Debian's distribution v2) on 127.0.0.1, plain HTTP, storage in the
// bench's temp dir: the only registry either runtime pulls from.
import { writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DaemonProcess } from './daemon-process.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export class LocalRegistry {
  private constructor(
    readonly host: string,
    readonly proc: DaemonProcess,
  ) {}

  static async start(dir: string, bin = '/usr/bin/docker-registry'): Promise<LocalRegistry> {
    mkdirSync(join(dir, 'storage'), { recursive: true });
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const config = join(dir, 'config.yml');
    writeFileSync(
      config,
      [
        'version: 0.1',
        'log:',
        '  level: error',
        '  accesslog:',
        '    disabled: true',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(dir, 'storage')}`,
        '  delete:',
        '    enabled: true',
        'http:',
        `  addr: ${host}`,
        '',
      ].join('\n'),
    );
    const proc = DaemonProcess.start('docker-registry', bin, ['serve', config], join(dir, 'registry.log'));
    const until = Date.now() + 15_000;
    for (;;) {
      try {
        const res = await fetch(`http://${host}/v2/`);
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (!proc.running) throw new Error(`docker-registry exited; see ${join(dir, 'registry.log')}`);
      if (Date.now() > until) throw new Error(`docker-registry did not answer on ${host}`);
      await sleep(50);
    }
    return new LocalRegistry(host, proc);
  }

  async stop(): Promise<void> {
    await this.proc.stop(5000);
  }
}
