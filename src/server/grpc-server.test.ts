import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getChannelzHandlers, Server } from '@grpc/grpc-js';
import { pino } from 'pino';
import { CriServer } from './grpc-server.js';
import { defaultConfig } from '../config/load.js';

/** The servers grpc-js's channelz registry tracks in this process. */
function channelzServers(): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const call = { request: { start_server_id: '0', max_results: '100' } };
    getChannelzHandlers().GetServers(call as never, ((err: Error | null, res?: { server: unknown[] }) => (err ? reject(err) : resolve(res?.server ?? []))) as never);
  });
}

test('the CRI server is not tracked by channelz (no per-call counters and time stamps)', async () => {
  const before = (await channelzServers()).length;
  new CriServer({ config: defaultConfig(), log: pino({ level: 'silent' }) });
  assert.equal((await channelzServers()).length, before);
  // A grpc-js server with the defaults is: the check above can see one.
  new Server();
  assert.equal((await channelzServers()).length, before + 1);
});
