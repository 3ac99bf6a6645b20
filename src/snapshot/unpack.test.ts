import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, statSync, lstatSync, readlinkSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { unpackLayer, safeComponents } from './unpack.js';
import { tarOf, type LayerEntry } from '../../test/fixtures/tar-layer.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function unpack(entries: LayerEntry[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'rktlet-unpack-'));
  dirs.push(dir);
  await unpackLayer(Readable.from([await tarOf(entries)]), dir);
  return dir;
}

test('entry names: ./ and slashes normalised; absolute and .. refused', () => {
  assert.deepEqual(safeComponents('./a//b/./c'), ['a', 'b', 'c']);
  assert.deepEqual(safeComponents('./'), []);
  assert.throws(() => safeComponents('/etc/passwd'), /absolute path/);
  assert.throws(() => safeComponents('a/../../b'), /escapes the layer/);
});

test('files, dirs, links, modes and owners', async () => {
  const mtime = new Date('2020-02-02T02:02:02Z');
  const dir = await unpack([
    { name: './', type: 'directory', mode: 0o755 },
    { name: 'usr/bin/tool', content: 'x', mode: 0o2755, uid: 5, gid: 6, mtime },
    { name: 'usr/bin/alias', type: 'link', linkname: 'usr/bin/tool' },
    { name: 'usr/lib', type: 'symlink', linkname: '/lib' },
    { name: 'd/', type: 'directory', mode: 0o700, uid: 7, mtime },
    { name: 'd/f', content: 'inner' },
    { name: 'fifo', type: 'fifo', mode: 0o600 },
    { name: 'usr/bin/tool', content: 'replaced', mode: 0o755 },
  ]);
  const tool = statSync(join(dir, 'usr/bin/tool'));
  assert.equal(readFileSync(join(dir, 'usr/bin/tool'), 'utf8'), 'replaced');
  assert.equal(tool.mode & 0o7777, 0o755);
  assert.equal(readFileSync(join(dir, 'usr/bin/alias'), 'utf8'), 'x', 'the link kept the first file');
  assert.equal(readlinkSync(join(dir, 'usr/lib')), '/lib');
  const d = statSync(join(dir, 'd'));
  assert.equal(d.mode & 0o7777, 0o700);
  assert.equal(d.uid, 7);
  assert.equal(d.mtime.getTime(), mtime.getTime(), 'dir mtime set after its children');
  assert.ok(lstatSync(join(dir, 'fifo')).isFIFO());
});

test('setgid kept after chown; whiteouts become 0/0 char devices', async () => {
  const dir = await unpack([
    { name: 'bin/sg', content: 'x', mode: 0o2755, uid: 1000, gid: 1000 },
    { name: 'etc/.wh.gone' },
  ]);
  assert.equal(statSync(join(dir, 'bin/sg')).mode & 0o7777, 0o2755);
  const w = lstatSync(join(dir, 'etc/gone'));
  assert.ok(w.isCharacterDevice());
  assert.equal(w.rdev, 0);
  assert.deepEqual(readdirSync(join(dir, 'etc')), ['gone']);
});

test('writes through symlinks and links outside the layer are refused', async () => {
  await assert.rejects(unpack([{ name: 'x', type: 'symlink', linkname: '/etc' }, { name: 'x/passwd', content: 'pwned' }]), /through the symlink "x"/);
  await assert.rejects(unpack([{ name: 'l', type: 'link', linkname: '/etc/passwd' }]), /absolute path/);
  await assert.rejects(unpack([{ name: 'l', type: 'link', linkname: 'missing' }]), /does not hold/);
  await assert.rejects(unpack([{ name: 'f', content: 'x' }, { name: 'f/child', content: 'y' }]), /non-directory/);
  assert.equal(existsSync('/etc/passwd-pwned'), false);
});

test('binary xattr values (as GNU tar --xattrs writes them) are applied byte for byte', async () => {
  const { execFileSync } = await import('node:child_process');
  const src = mkdtempSync(join(tmpdir(), 'rktlet-unpack-src-'));
  dirs.push(src);
  writeFileSync(join(src, 'cap'), 'x');
  execFileSync('setfattr', ['-n', 'user.bin', '-v', '0x01ff00fe80', join(src, 'cap')]);
  const archive = execFileSync('tar', ['--xattrs', '--xattrs-include=user.*', '-C', src, '-cf', '-', 'cap']);
  const dir = mkdtempSync(join(tmpdir(), 'rktlet-unpack-'));
  dirs.push(dir);
  await unpackLayer(Readable.from([archive]), dir);
  const hex = execFileSync('getfattr', ['-e', 'hex', '--only-values', '-n', 'user.bin', join(dir, 'cap')]);
  assert.equal(hex.toString('hex'), '01ff00fe80');
});
