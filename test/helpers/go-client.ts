// Runs dist/go-cri-client (test/go-cri-client, built by scripts/build-go-client.sh): a Go gRPC
// client generated from our proto, standing in for crictl (which Debian does not ship).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/util/package-info.js';

export const GO_CLIENT = join(packageRoot, 'dist', 'go-cri-client');

export interface GoResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function goClient(socket: string, args: string[], authority = 'localhost'): Promise<GoResult> {
  return new Promise((resolve) => {
    execFile(GO_CLIENT, ['-socket', socket, '-authority', authority, ...args], (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
