// Unit tests of rt.js with node --test: the pure parts, and the client against a scripted fake
// WebSocket (no server). The browser tests (tests/browser/) run it against a real rt serve.
import test from 'node:test';
import assert from 'node:assert/strict';

import {
  backoffDelay, classifyEvent, applyChange, applySnapshot, subscribeFrame, eventsOfBatch, PublishQueue, RtError, connect,
} from '../rt.js';
import { FakeSocket } from '../test_support/fake_socket.js';

test('backoffDelay draws from [0, min(cap, base * 2^attempt))', () => {
  assert.equal(backoffDelay(0, 100, 10000, () => 0.999), 99);
  assert.equal(backoffDelay(3, 100, 10000, () => 0.5), 400);
  assert.equal(backoffDelay(20, 100, 10000, () => 0.999), 9990);  // capped
  assert.equal(backoffDelay(5, 100, 10000, () => 0), 0);
  assert.equal(backoffDelay(1000, 100, 10000, () => 0.5), 5000);   // no overflow
});

test('classifyEvent follows docs/protocol.md §8', () => {
  const pos = { epoch: 'e1', seq: 5, resuming: false };
  assert.equal(classifyEvent(pos, { epoch: 'e1', seq: 6 }), 'apply');
  assert.equal(classifyEvent(pos, { epoch: 'e1', seq: 5 }), 'duplicate');
  assert.equal(classifyEvent(pos, { epoch: 'e1', seq: 2 }), 'duplicate');
  assert.equal(classifyEvent(pos, { epoch: 'e1', seq: 8 }), 'gap');
  assert.equal(classifyEvent(pos, { epoch: 'e2', seq: 6 }), 'epoch_changed');
  assert.equal(classifyEvent({ ...pos, resuming: true }, { epoch: 'e1', seq: 6 }), 'discard');
});

test('applySnapshot replaces, applyChange inserts, updates and deletes by id', () => {
  const rows = new Map([['old', { id: 'old' }]]);
  applySnapshot(rows, [{ id: 'a', v: 1 }, { id: 'b', v: 1 }]);
  assert.deepEqual([...rows.keys()], ['a', 'b']);
  applyChange(rows, 'update', { id: 'a', v: 2 });
  applyChange(rows, 'insert', { id: 'c', v: 1 });
  applyChange(rows, 'delete', { id: 'b', v: 1 });
  assert.deepEqual([...rows.values()], [{ id: 'a', v: 2 }, { id: 'c', v: 1 }]);
});

test('subscribeFrame carries since once a position is known, and the sid', () => {
  assert.deepEqual(subscribeFrame({ name: 'S', filter: {}, sid: '', epoch: null, seq: 0 }, 1),
                   { type: 'subscribe', id: 1, subscription: 'S' });
  assert.deepEqual(subscribeFrame({ name: 'S', filter: { b: 'x' }, sid: 'l', epoch: 'e', seq: 3 }, 2),
                   { type: 'subscribe', id: 2, subscription: 'S', filter: { b: 'x' }, sid: 'l', since: { epoch: 'e', seq: 3 } });
});

test('PublishQueue keeps order and refuses past its limit with QUEUE_FULL', () => {
  const q = new PublishQueue(2);
  q.push(1);
  q.push(2);
  assert.throws(() => q.push(3), (e) => e instanceof RtError && e.code === 'QUEUE_FULL');
  assert.deepEqual(q.drain(), [1, 2]);
  assert.equal(q.length, 0);
});

const tick = () => new Promise((r) => setTimeout(r, 5));
async function nextSocket(n) {
  for (let i = 0; i < 200 && FakeSocket.all.length < n; ++i) await tick();
  return FakeSocket.all[n - 1];
}

test('client: snapshot, changes, a gap resumes with since, a drop resumes every subscription', async () => {
  FakeSocket.all = [];
  const client = connect('ws://h/live', { WebSocket: FakeSocket, token: 't k', backoffBaseMs: 1, backoffCapMs: 2 });
  const sub = client.subscribe('TaskUpdates', { filter: { board: 'b1' } });
  const changes = [];
  sub.on('change', (c) => changes.push(c.seq));
  let ws = await nextSocket(1);
  assert.equal(ws.url, 'ws://h/live?token=t+k');
  ws.open();
  const s1 = ws.last('subscribe');
  assert.equal(s1.since, undefined);
  ws.receive({ id: s1.id, type: 'subscribed', subscription: 'TaskUpdates', epoch: 'e1', seq: 4, recovered: false,
               initial: [{ id: 't1' }] });
  ws.receive({ type: 'event', subscription: 'TaskUpdates', operation: 'insert', data: { id: 't2' }, epoch: 'e1', seq: 5 });
  ws.receive({ type: 'event', subscription: 'TaskUpdates', operation: 'insert', data: { id: 't2' }, epoch: 'e1', seq: 5 });
  assert.deepEqual(changes, [5]);  // the duplicate is dropped
  assert.deepEqual([...sub.rows.keys()], ['t1', 't2']);
  // A gap: seq 7 after 5 → resubscribe with since 5; events before its reply are discarded.
  ws.receive({ type: 'event', subscription: 'TaskUpdates', operation: 'delete', data: { id: 't1' }, epoch: 'e1', seq: 7 });
  const s2 = ws.last('subscribe');
  assert.deepEqual(s2.since, { epoch: 'e1', seq: 5 });
  ws.receive({ type: 'event', subscription: 'TaskUpdates', operation: 'delete', data: { id: 't1' }, epoch: 'e1', seq: 8 });
  ws.receive({ id: s2.id, type: 'subscribed', subscription: 'TaskUpdates', epoch: 'e1', seq: 8, recovered: true });
  for (const seq of [6, 7, 8])
    ws.receive({ type: 'event', subscription: 'TaskUpdates', operation: seq === 7 ? 'delete' : 'update',
                 data: { id: seq === 7 ? 't1' : 't2', seq }, epoch: 'e1', seq });
  assert.deepEqual(changes, [5, 6, 7, 8]);
  assert.deepEqual([...sub.rows.keys()], ['t2']);
  // The connection drops: reconnecting, then resumes with since 8.
  const states = [];
  client.on('state', (s) => states.push(s.state));
  ws.drop();
  ws = await nextSocket(2);
  ws.open();
  assert.deepEqual(states, ['reconnecting', 'open']);
  assert.deepEqual(ws.last('subscribe').since, { epoch: 'e1', seq: 8 });
  client.close();
});

test('client: a resume answered recovered:false rebuilds the rows and fires resynced', async () => {
  FakeSocket.all = [];
  const client = connect('ws://h/live', { WebSocket: FakeSocket, backoffBaseMs: 1, backoffCapMs: 2 });
  const sub = client.subscribe('S');
  let resynced = 0;
  sub.on('resynced', () => { resynced += 1; });
  let ws = await nextSocket(1);
  ws.open();
  ws.receive({ id: ws.last('subscribe').id, type: 'subscribed', subscription: 'S', epoch: 'e1', seq: 1, recovered: false, initial: [{ id: 'a' }] });
  ws.drop();
  ws = await nextSocket(2);
  ws.open();
  ws.receive({ id: ws.last('subscribe').id, type: 'subscribed', subscription: 'S', epoch: 'e2', seq: 0, recovered: false, initial: [{ id: 'b' }] });
  assert.equal(resynced, 1);
  assert.deepEqual([...sub.rows.keys()], ['b']);
  assert.equal(sub.epoch, 'e2');
  client.close();
});

test('client: publishes made while offline go out in order after the reconnect; a full queue refuses', async () => {
  FakeSocket.all = [];
  const client = connect('ws://h/live', { WebSocket: FakeSocket, queueLimit: 3, backoffBaseMs: 1, backoffCapMs: 2 });
  let ws = await nextSocket(1);
  const p = [1, 2, 3].map((n) => client.publish('Task', 'insert', { id: `t${n}` }));
  await assert.rejects(client.publish('Task', 'insert', { id: 't4' }), (e) => e.code === 'QUEUE_FULL');
  ws.open();
  const sent = ws.sent.filter((m) => m.type === 'publish');
  assert.deepEqual(sent.map((m) => m.data.id), ['t1', 't2', 't3']);
  ws.receive({ id: sent[0].id, type: 'published', entity: 'Task', data: { id: 't1', stored: true } });
  ws.receive({ id: sent[1].id, type: 'error', code: 'BAD_REQUEST', message: 'nope' });
  assert.deepEqual(await p[0], { id: 't1', stored: true });
  await assert.rejects(p[1], (e) => e instanceof RtError && e.code === 'BAD_REQUEST');
  ws.drop();  // t3 had no reply: it fails as DISCONNECTED (it may or may not have been applied)
  await assert.rejects(p[2], (e) => e.code === 'DISCONNECTED');
  client.close();
});

test('client: close 4001 stops for good (no reconnect), rejecting what waits', async () => {
  FakeSocket.all = [];
  const client = connect('ws://h/live', { WebSocket: FakeSocket, backoffBaseMs: 1, backoffCapMs: 2 });
  const ws = await nextSocket(1);
  const pending = client.publish('Task', 'insert', {});
  ws.drop(4001);
  await assert.rejects(pending, (e) => e.code === 'AUTH_REQUIRED');
  assert.equal(client.state, 'closed');
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(FakeSocket.all.length, 1);
});

test('client: presence rejoins after a reconnect and reports members', async () => {
  FakeSocket.all = [];
  const client = connect('ws://h/live', { WebSocket: FakeSocket, backoffBaseMs: 1, backoffCapMs: 2 });
  let ws = await nextSocket(1);
  ws.open();
  const board = client.presence('board:b1');
  const seen = [];
  board.on('members', (m) => seen.push(m.count));
  board.join({ column: 'doing' });
  assert.deepEqual(ws.last('presence'), { type: 'presence', action: 'join', resource: 'board:b1', meta: { column: 'doing' } });
  ws.receive({ type: 'presence', resource: 'board:b1', users: [{ id: 'me', meta: {} }], count: 1 });
  ws.drop();
  ws = await nextSocket(2);
  ws.open();
  assert.equal(ws.last('presence').action, 'join');
  assert.deepEqual(seen, [1]);
  client.close();
});

test('subscribeFrame carries throttle and batch; eventsOfBatch spreads a window into events', () => {
  assert.deepEqual(subscribeFrame({ name: 'S', filter: {}, sid: '', throttle: '250ms', batch: true, epoch: null, seq: 0 }, 3),
                   { type: 'subscribe', id: 3, subscription: 'S', throttle: '250ms', batch: true });
  assert.deepEqual(eventsOfBatch({ type: 'events', sid: 'l', subscription: 'S', epoch: 'e', events: [
    { operation: 'update', data: { id: 'a' }, seq: 4, ts: 9 }, { operation: 'delete', data: { id: 'b' }, seq: 5, ts: 10 }] }),
  [{ type: 'event', subscription: 'S', sid: 'l', operation: 'update', data: { id: 'a' }, seq: 4, ts: 9, epoch: 'e' },
   { type: 'event', subscription: 'S', sid: 'l', operation: 'delete', data: { id: 'b' }, seq: 5, ts: 10, epoch: 'e' }]);
  assert.deepEqual(eventsOfBatch({ type: 'events', subscription: 'S', epoch: 'e' }), []);
});

test('client: a batched window applies item by item; a gap inside it resumes from the last item applied', async () => {
  FakeSocket.all = [];
  const client = connect('ws://h/live', { WebSocket: FakeSocket, backoffBaseMs: 1, backoffCapMs: 2 });
  const sub = client.subscribe('Cursors', { throttle: '100ms', batch: true });
  const changes = [];
  sub.on('change', (c) => changes.push(c.seq));
  const ws = await nextSocket(1);
  ws.open();
  const s1 = ws.last('subscribe');
  assert.equal(s1.throttle, '100ms');
  assert.equal(s1.batch, true);
  ws.receive({ id: s1.id, type: 'subscribed', subscription: 'Cursors', epoch: 'g1', seq: 2, recovered: false,
               throttle: '100ms', batch: true, initial: [{ id: 'c1', x: 0 }] });
  ws.receive({ type: 'events', subscription: 'Cursors', epoch: 'g1', events: [
    { operation: 'update', data: { id: 'c1', x: 5 }, seq: 3, ts: 1 }, { operation: 'insert', data: { id: 'c2', x: 1 }, seq: 4, ts: 2 }] });
  assert.deepEqual(changes, [3, 4]);
  assert.deepEqual([...sub.rows.values()], [{ id: 'c1', x: 5 }, { id: 'c2', x: 1 }]);
  // 5 applies, 7 is a gap: the rest of the frame is discarded and the resume asks from 5.
  ws.receive({ type: 'events', subscription: 'Cursors', epoch: 'g1', events: [
    { operation: 'delete', data: { id: 'c2', x: 1 }, seq: 5, ts: 3 }, { operation: 'update', data: { id: 'c1', x: 7 }, seq: 7, ts: 4 },
    { operation: 'update', data: { id: 'c1', x: 8 }, seq: 8, ts: 5 }] });
  assert.deepEqual(changes, [3, 4, 5]);
  const s2 = ws.last('subscribe');
  assert.deepEqual(s2.since, { epoch: 'g1', seq: 5 });
  assert.equal(s2.batch, true);
  client.close();
});

test('client: spec_changed is emitted, an unasked subscribed resyncs, an unasked unsubscribed ends the sub for good', async () => {
  FakeSocket.all = [];
  const client = connect('ws://h/live', { WebSocket: FakeSocket, backoffBaseMs: 1, backoffCapMs: 2 });
  const tasks = client.subscribe('TaskUpdates');
  const archived = client.subscribe('ArchivedTasks');
  const specs = [];
  const resynced = [];
  const ended = [];
  client.on('spec_changed', (c) => specs.push(c));
  tasks.on('resynced', (r) => resynced.push({ reason: r.reason, epoch: r.epoch }));
  archived.on('ended', (e) => ended.push(e.reason));
  let ws = await nextSocket(1);
  ws.open();
  for (const [name, epoch] of [['TaskUpdates', 'e1'], ['ArchivedTasks', 'a1']]) {
    const req = ws.sent.find((m) => m.type === 'subscribe' && m.subscription === name);
    ws.receive({ id: req.id, type: 'subscribed', subscription: name, epoch, seq: 3, recovered: false, initial: [{ id: 'old' }] });
  }
  ws.receive({ type: 'spec_changed', version: 'v2', added: ['DoneTasks'], changed: ['TaskUpdates'], removed: ['ArchivedTasks'] });
  ws.receive({ type: 'subscribed', subscription: 'TaskUpdates', epoch: 'e2', seq: 0, recovered: false, reason: 'spec_changed',
               initial: [{ id: 'new' }] });
  ws.receive({ type: 'unsubscribed', subscription: 'ArchivedTasks', reason: 'spec_changed' });
  assert.deepEqual(specs, [{ version: 'v2', added: ['DoneTasks'], changed: ['TaskUpdates'], removed: ['ArchivedTasks'] }]);
  assert.deepEqual(resynced, [{ reason: 'spec_changed', epoch: 'e2' }]);
  assert.deepEqual([...tasks.rows.keys()], ['new']);
  assert.deepEqual(ended, ['spec_changed']);
  assert.equal(archived.ended, 'spec_changed');
  // Events of the new epoch apply; after a reconnect only TaskUpdates is subscribed again, from e2.
  ws.receive({ type: 'event', subscription: 'TaskUpdates', operation: 'insert', data: { id: 'n2' }, epoch: 'e2', seq: 1 });
  assert.deepEqual([...tasks.rows.keys()], ['new', 'n2']);
  ws.drop();
  ws = await nextSocket(2);
  ws.open();
  const again = ws.sent.filter((m) => m.type === 'subscribe');
  assert.deepEqual(again.map((m) => m.subscription), ['TaskUpdates']);
  assert.deepEqual(again[0].since, { epoch: 'e2', seq: 1 });
  client.close();
});
