// An address of this machine that is not loopback, for tests that must reach a local server the
// way a remote one is reached (by a name rktlet does not treat as loopback). A veth pair of its
// own, named per process, holds a random /32 from 10.0.0.0/8 that no interface has yet; remove()
// deletes the pair (and so the address).
//
//   const a = addHostAddress(); after(() => a.remove());
//   server.listen(0, a.address);
import { execFileSync, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';

export interface HostAddress {
  address: string;
  remove(): void;
}

let counter = 0;

function addressesInUse(): string {
  return execFileSync('ip', ['-o', 'addr', 'show'], { encoding: 'utf8' });
}

export function addHostAddress(): HostAddress {
  const n = counter++;
  const a = `rkha${process.pid}x${n}`.slice(0, 15);
  const b = `rkhb${process.pid}x${n}`.slice(0, 15);
  const used = addressesInUse();
  let address = '';
  for (let i = 0; i < 100 && !address; i++) {
    // 10.0-127.x.y: clear of the test daemons' bridges (10.128.0.0/9) and CNI's default 10.88/16.
    const cand = `10.${randomInt(1, 128)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    if (!cand.startsWith('10.88.') && !used.includes(` ${cand}/`)) address = cand;
  }
  if (!address) throw new Error('no free 10.x address found');
  execFileSync('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
  try {
    execFileSync('ip', ['addr', 'add', `${address}/32`, 'dev', a]);
    execFileSync('ip', ['link', 'set', a, 'up']);
    execFileSync('ip', ['link', 'set', b, 'up']);
  } catch (err) {
    spawnSync('ip', ['link', 'del', a]);
    throw err;
  }
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    spawnSync('ip', ['link', 'del', a]);
  };
  process.once('exit', remove);
  return { address, remove };
}
