import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addRequest, defaultAppName, defaultHostname, parseMount, parsePort, sandboxRequest, userFields } from './app-requests.js';
import { criRequest } from './app-engine.js';

test('ports, mounts, users', () => {
  assert.deepEqual(parsePort('8080:80'), { protocol: 'TCP', host_port: 8080, container_port: 80, host_ip: '' });
  assert.deepEqual(parsePort('127.0.0.1:53:53/udp'), { protocol: 'UDP', host_port: 53, container_port: 53, host_ip: '127.0.0.1' });
  assert.throws(() => parsePort('80'), /HOST:CONTAINER/);
  assert.throws(() => parsePort('0:80'), /1-65535/);
  assert.deepEqual(parseMount('/a:/b:ro'), { host_path: '/a', container_path: '/b', readonly: true });
  assert.deepEqual(parseMount('/a:/b'), { host_path: '/a', container_path: '/b', readonly: false });
  assert.throws(() => parseMount('a:/b'), /absolute/);
  assert.throws(() => parseMount('/a:/b:x'), /SRC:DST/);
  assert.deepEqual(userFields('1000:2000'), { run_as_user: { value: '1000' }, run_as_group: { value: '2000' } });
  assert.deepEqual(userFields('nobody'), { run_as_username: 'nobody' });
  assert.equal(defaultAppName('127.0.0.1:5000/library/busybox:1.36'), 'busybox');
  assert.equal(defaultAppName('busybox@sha256:abc'), 'busybox');
});

test('sandbox and add flags decode to the requests the daemon would see', () => {
  const pod = criRequest('RunPodSandbox', sandboxRequest({ name: 'p', uid: 'u', net: 'host', label: ['a=b'] }, '/var/lib/rktlet'));
  assert.equal(pod.config!.metadata!.namespace, 'default');
  assert.equal(pod.config!.log_directory, '/var/lib/rktlet/pod-logs/default_p_u');
  assert.equal(pod.config!.linux!.security_context!.namespace_options!.network, 'NODE');
  assert.equal(pod.config!.linux!.security_context!.namespace_options!.pid, 'CONTAINER');
  assert.deepEqual(pod.config!.labels, { a: 'b' });
  assert.throws(() => sandboxRequest({ net: 'host', port: ['1:2'] }, '/r'), /no meaning/);
  assert.throws(() => sandboxRequest({ net: 'bridge' }, '/r'), /--net/);

  const c = criRequest('CreateContainer', addRequest('id', pod.config, 'busybox', { env: ['A=1=2', 'G=grüße ✓'], tty: true, user: '5' }, ['sleep', '1']));
  assert.equal(c.config!.metadata!.name, 'busybox');
  assert.deepEqual(c.config!.command, ['sleep', '1']);
  // KeyValue.value is bytes: the flag's text goes as its UTF-8 bytes (not read as base64).
  assert.deepEqual(c.config!.envs.map((e) => [e.key, e.value]), [['A', Buffer.from('1=2')], ['G', Buffer.from('grüße ✓', 'utf8')]]);
  assert.equal(c.config!.tty, true);
  assert.equal(c.config!.log_path, 'busybox/0.log');
  assert.equal(c.config!.linux!.security_context!.run_as_user!.value, '5');
  assert.equal(c.config!.linux!.security_context!.namespace_options!.pid, 'CONTAINER');
  assert.throws(() => addRequest('id', null, 'x', { env: ['noequals'] }, []), /KEY=VALUE/);
});

test('the CLI pod\'s hostname is its name when that is a host name, else the node\'s (none asked for)', () => {
  assert.equal(defaultHostname('web-1'), 'web-1');
  assert.equal(defaultHostname('x'.repeat(64)), '');
  assert.equal(defaultHostname('web_1'), '');
  assert.equal(defaultHostname('-web'), '');
  assert.equal((sandboxRequest({ name: 'web' }, '/r').config as { hostname: string }).hostname, 'web');
  assert.equal((sandboxRequest({ name: 'web', hostname: 'h' }, '/r').config as { hostname: string }).hostname, 'h');
});
