// Two sessions back to back over a socket pair: stream lifecycle, pings, resets, half-close and
// backpressure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { SpdySession, type SpdyStream } from './spdy-session.js';

async function pair(): Promise<{ client: SpdySession; server: SpdySession; close: () => void }> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => srv.once('connection', r));
  const c = net.connect((srv.address() as net.AddressInfo).port, '127.0.0.1');
  const s = await accepted;
  return {
    client: new SpdySession(c, { role: 'client' }),
    server: new SpdySession(s, { role: 'server' }),
    close: () => {
      c.destroy();
      s.destroy();
      srv.close();
    },
  };
}

test('streams carry headers, data both ways and half-closes; pings round-trip', async () => {
  const { client, server, close } = await pair();
  server.on('stream', (s: SpdyStream) => {
    void s.reply();
    assert.equal(s.header('streamType'), 'stdin');
    s.pipe(s); // echo, ending our side when the client ends its own
  });
  const st = await client.openStream({ streamtype: ['stdin'] });
  const got: Buffer[] = [];
  st.on('data', (b: Buffer) => got.push(b));
  const ended = new Promise((r) => st.once('end', r));
  st.end(Buffer.alloc(200_000, 7));
  await ended;
  assert.equal(Buffer.concat(got).length, 200_000);
  await client.ping();
  await server.ping();
  close();
});

test('a reset stream rejects its opener; a peer GOAWAY refuses new streams', async () => {
  const { client, server, close } = await pair();
  server.on('stream', (s: SpdyStream) => s.reset());
  await assert.rejects(client.openStream({ a: ['1'] }), /reset/);
  await server.close();
  await new Promise((r) => client.once('close', r));
  await assert.rejects(client.openStream({ a: ['2'] }), /closing/);
  close();
});

test('the server side can open streams too (even ids)', async () => {
  const { client, server, close } = await pair();
  let seen = 0;
  client.on('stream', () => seen++);
  server.on('stream', () => seen++);
  // A server opening a stream is fine (even id); a client must not receive an odd one.
  const fromServer = server.openStream({ x: ['1'] });
  client.once('stream', (s: SpdyStream) => void s.reply());
  await fromServer;
  assert.equal(seen, 1);
  close();
});

test('the receiver hands window back (stream and session WINDOW_UPDATE) as data arrives', async () => {
  const { client, server, close } = await pair();
  const updates: [number, number][] = [];
  client.on('window_update', (id: number, delta: number) => updates.push([id, delta]));
  const got = new Promise<number>((resolve) => {
    server.on('stream', (s: SpdyStream) => {
      void s.reply();
      let n = 0;
      s.on('data', (b: Buffer) => (n += b.length));
      s.once('end', () => resolve(n));
    });
  });
  const st = await client.openStream({ streamtype: ['stdin'] });
  st.end(Buffer.alloc(100_000, 1));
  assert.equal(await got, 100_000);
  await client.ping(); // every update sent before the ping's echo has arrived
  const sum = (id: number) => updates.filter(([i]) => i === id).reduce((a, [, d]) => a + d, 0);
  assert.ok(sum(0) >= 65536, `session window returned: ${sum(0)}`);
  assert.ok(sum(st.id) >= 65536, `stream window returned: ${sum(st.id)}`);
  close();
});
