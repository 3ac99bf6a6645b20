import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError, NotFoundError } from '../errors/catalog.js';
import { pickOne, type Named } from './refs.js';

const items: Named[] = [
  { id: 'aa11', name: 'web', detail: 'namespace a' },
  { id: 'aa22', name: 'web', detail: 'namespace b' },
  { id: 'bb33', name: 'db', detail: 'namespace a' },
  { id: 'cc44', name: 'bb', detail: 'namespace a' },
];
const pick = (ref: string) => pickOne('pod', ref, items, (x) => x);

test('pickOne: an exact ID, a unique prefix or a unique name', () => {
  assert.equal(pick('aa11').id, 'aa11');
  assert.equal(pick('aa2').id, 'aa22');
  assert.equal(pick('db').id, 'bb33');
});

test('pickOne: several matches are refused with every candidate listed, never one picked', () => {
  for (const [ref, ids] of [['web', ['aa11', 'aa22']], ['aa', ['aa11', 'aa22']], ['bb', ['bb33', 'cc44']]] as const) {
    assert.throws(() => pick(ref), (e: unknown) => {
      assert.ok(e instanceof InvalidArgumentError);
      assert.match(e.message, new RegExp(`"${ref}" matches 2 pods`));
      for (const id of ids) assert.match(e.message, new RegExp(`\\n  ${id}  `));
      return true;
    });
  }
  assert.throws(() => pick('zz'), NotFoundError);
  assert.throws(() => pick(''), InvalidArgumentError);
});
