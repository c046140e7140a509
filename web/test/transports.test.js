// Unit tests of rt.js's second transport with node --test: the pure parts of SSE and REST, and the
// client against a scripted fake WebSocket, EventSource and fetch (no server). The browser tests
// (tests/browser/sse_test.js) run the same code against a real rt serve.
import test from 'node:test';
import assert from 'node:assert/strict';

import {
  parsePosition, formatPosition, httpBase, sseUrl, restRequest, restError, chooseTransport, RtError, connect,
} from '../rt.js';
import { FakeSocket } from '../test_support/fake_socket.js';
import { FakeEventSource } from '../test_support/fake_event_source.js';

test('parsePosition reads EPOCH:SEQ and refuses anything else', () => {
  assert.deepEqual(parsePosition('7f3a:42'), { epoch: '7f3a', seq: 42 });
  assert.deepEqual(parsePosition('7f3a:0'), { epoch: '7f3a', seq: 0 });
  assert.deepEqual(parsePosition('a:b:9'), { epoch: 'a:b', seq: 9 });  // the epoch is all before the last colon
  for (const bad of ['', '42', ':42', '7f3a:', '7f3a:-1', '7f3a:4.2', '7f3a:1e3', '7f3a: 4', '7f3a:99999999999999999', null, 42])
    assert.equal(parsePosition(bad), null, `${JSON.stringify(bad)} is not a position`);
  assert.equal(formatPosition({ epoch: '7f3a', seq: 42 }), '7f3a:42');
  assert.deepEqual(parsePosition(formatPosition({ epoch: 'e', seq: 7 })), { epoch: 'e', seq: 7 });
});

test('httpBase and sseUrl: same host and port, the WebSocket URL\'s own parameters kept', () => {
  assert.equal(httpBase('ws://127.0.0.1:8080/live?user=a'), 'http://127.0.0.1:8080');
  assert.equal(httpBase('wss://rt.example:443/live'), 'https://rt.example');
  const fresh = new URL(sseUrl('ws://h:1/live?user=al%20ice&token=old', { name: 'TaskUpdates', filter: {}, epoch: null, seq: 0 }, 't k'));
  assert.equal(fresh.origin + fresh.pathname, 'http://h:1/sse');
  assert.deepEqual(Object.fromEntries(fresh.searchParams), { user: 'al ice', subscription: 'TaskUpdates', token: 't k' });
  const resume = new URL(sseUrl('wss://h/live', { name: 'S', filter: { board: 'b 1' }, epoch: 'e1', seq: 5 }, ''));
  assert.equal(resume.protocol, 'https:');
  assert.deepEqual(Object.fromEntries(resume.searchParams), { subscription: 'S', filter: '{"board":"b 1"}', since: 'e1:5' });
});

test('restRequest maps each publish to its REST call, restError reads the error body', () => {
  assert.deepEqual(restRequest('Task', 'insert', { title: 'x' }), { method: 'POST', path: '/api/Task', body: { title: 'x' } });
  assert.deepEqual(restRequest('Task', 'update', { id: 'acme/42', status: 'done' }),
                   { method: 'PATCH', path: '/api/Task/acme%2F42', body: { id: 'acme/42', status: 'done' } });
  assert.deepEqual(restRequest('Task', 'delete', { id: 't1' }), { method: 'DELETE', path: '/api/Task/t1', body: null });
  assert.throws(() => restRequest('Task', 'upsert', {}), (e) => e instanceof RtError && e.code === 'BAD_REQUEST');
  assert.throws(() => restRequest('Task', 'update', { status: 'done' }), /needs data.id/);
  const e = restError(403, { error: 'FORBIDDEN', message: 'not your board' });
  assert.equal(e.code, 'FORBIDDEN');
  assert.match(e.message, /not your board/);
  assert.equal(restError(429, null).code, 'RATE_LIMITED');
  assert.equal(restError(502, null).code, 'INTERNAL');
  assert.equal(restError(400, 'not json').code, 'BAD_REQUEST');
});

test('chooseTransport: the WebSocket until it failed fallbackAfter times in a row, if SSE may be used', () => {
  const both = { transports: ['websocket', 'sse'], fallbackAfter: 2, wsAvailable: true, sseAvailable: true };
  assert.equal(chooseTransport({ ...both, wsFailures: 0 }), 'websocket');
  assert.equal(chooseTransport({ ...both, wsFailures: 1 }), 'websocket');
  assert.equal(chooseTransport({ ...both, wsFailures: 2 }), 'sse');
  assert.equal(chooseTransport({ ...both, wsFailures: 5, transports: ['websocket'] }), 'websocket');
  assert.equal(chooseTransport({ ...both, wsFailures: 0, transports: ['sse'] }), 'sse');
  assert.equal(chooseTransport({ ...both, wsFailures: 0, wsAvailable: false }), 'sse');
  assert.equal(chooseTransport({ ...both, wsFailures: 9, sseAvailable: false }), 'websocket');
  assert.equal(chooseTransport({ ...both, wsFailures: 0, wsAvailable: false, sseAvailable: false }), null);
});

// ---- the client against scripted transports ----

const tick = () => new Promise((r) => setTimeout(r, 5));
async function until(what, cond) {
  for (let i = 0; i < 400 && !cond(); ++i) await tick();
  assert.ok(cond(), `timed out waiting for ${what}`);
}

// A fetch that answers in the order the test says; records every request.
function fakeFetch() {
  const calls = [];
  const fn = (url, init = {}) => new Promise((resolve, reject) => {
    calls.push({ url, method: init.method ?? 'GET', headers: init.headers ?? {}, body: init.body ? JSON.parse(init.body) : null,
                 reply: (status, body) => resolve({ ok: status >= 200 && status < 300, status, json: async () => body }), reject });
  });
  fn.calls = calls;
  return fn;
}

function sseClient(extra = {}) {
  FakeSocket.all = [];
  FakeEventSource.all = [];
  const fetch = fakeFetch();
  const client = connect('ws://h:1/live?user=al', {
    WebSocket: FakeSocket, EventSource: FakeEventSource, fetch, token: 'tk', backoffBaseMs: 1, backoffCapMs: 2, ...extra,
  });
  return { client, fetch };
}

const subscribed = (seq, recovered, initial) => ({ type: 'subscribed', subscription: 'AllTasks', epoch: 'e1', seq, recovered, ...(initial ? { initial } : {}) });
const event = (seq, operation, data) => ({ type: 'event', subscription: 'AllTasks', operation, data, epoch: 'e1', seq });

test('client: two WebSocket opens fail → SSE, one EventSource per subscription, the same reducer', async () => {
  const { client } = sseClient();
  const states = [];
  client.on('state', (s) => states.push(`${s.state}/${s.transport}`));
  const sub = client.subscribe('AllTasks', { filter: { board: 'b1' } });
  const seen = [];
  sub.on('snapshot', (s) => seen.push(`snapshot@${s.seq}`));
  sub.on('change', (c) => seen.push(`${c.operation}@${c.seq}`));
  sub.on('resumed', (r) => seen.push(`resumed:${r.recovered}`));
  for (let n = 1; n <= 2; ++n) {  // two failed opens
    await until(`ws ${n}`, () => FakeSocket.all.length === n);
    FakeSocket.all[n - 1].drop();
  }
  await until('an EventSource', () => FakeEventSource.all.length === 1);
  let es = FakeEventSource.all[0];
  assert.deepEqual(es.params, { user: 'al', subscription: 'AllTasks', filter: '{"board":"b1"}', token: 'tk' });
  assert.equal(client.transport, 'sse');
  es.open();
  es.event('snapshot', subscribed(3, false, [{ id: 't1', status: 'todo' }]));
  es.event('change', event(4, 'update', { id: 't1', status: 'doing' }));
  es.event('change', event(4, 'update', { id: 't1', status: 'doing' }));  // a duplicate: dropped
  es.event('change', event(5, 'insert', { id: 't2', status: 'todo' }));
  assert.deepEqual(seen, ['snapshot@3', 'update@4', 'insert@5']);
  assert.deepEqual([...sub.rows.values()], [{ id: 't1', status: 'doing' }, { id: 't2', status: 'todo' }]);
  assert.deepEqual(states.slice(-2), ['reconnecting/sse', 'open/sse']);
  // The browser reconnects by itself (Last-Event-ID): the server answers `resumed`, then the missed events.
  es.broken();
  assert.equal(client.state, 'reconnecting');
  es.open();
  es.event('resumed', subscribed(7, true));
  es.event('change', event(6, 'delete', { id: 't2' }));
  es.event('change', event(7, 'insert', { id: 't3' }));
  assert.deepEqual(seen.slice(3), ['resumed:true', 'delete@6', 'insert@7']);
  assert.equal(client.state, 'open');
  // A gap (seq 9 after 7): the stream is reopened with since=e1:7.
  es.event('change', event(9, 'insert', { id: 't9' }));
  await until('a second EventSource', () => FakeEventSource.all.length === 2);
  assert.ok(es.closed);
  es = FakeEventSource.all[1];
  assert.equal(es.params.since, 'e1:7');
  es.open();
  es.event('resumed', subscribed(9, true));
  es.event('change', event(8, 'update', { id: 't3', v: 8 }));
  es.event('change', event(9, 'insert', { id: 't9' }));
  assert.deepEqual(seen.slice(6), ['resumed:true', 'update@8', 'insert@9']);
  assert.deepEqual([...sub.rows.keys()], ['t1', 't3', 't9']);
  client.close();
});

test('client: on SSE, publishes go through REST in order, with the token; errors are RtErrors', async () => {
  const { client, fetch } = sseClient({ transports: ['sse'] });
  await until('open on SSE', () => client.state === 'open');  // no subscription: nothing to wait for
  assert.equal(FakeSocket.all.length, 0);  // transports: ['sse'] never tries the WebSocket
  const p1 = client.publish('Task', 'insert', { title: 'one' });
  const p2 = client.publish('Task', 'update', { id: 't1', status: 'done' });
  const p3 = client.publish('Task', 'delete', { id: 't/2' });
  await until('the first request', () => fetch.calls.length === 1);
  await tick();
  assert.equal(fetch.calls.length, 1, 'the second waits for the first answer');
  assert.deepEqual([fetch.calls[0].method, fetch.calls[0].url, fetch.calls[0].body], ['POST', 'http://h:1/api/Task', { title: 'one' }]);
  assert.equal(fetch.calls[0].headers.Authorization, 'Bearer tk');
  assert.equal(fetch.calls[0].headers['Content-Type'], 'application/json');
  fetch.calls[0].reply(201, { id: 'n1', title: 'one' });
  assert.deepEqual(await p1, { id: 'n1', title: 'one' });
  await until('the second request', () => fetch.calls.length === 2);
  assert.deepEqual([fetch.calls[1].method, fetch.calls[1].url], ['PATCH', 'http://h:1/api/Task/t1']);
  fetch.calls[1].reply(403, { error: 'FORBIDDEN', message: 'outside your write scope' });
  await assert.rejects(p2, (e) => e instanceof RtError && e.code === 'FORBIDDEN');
  await until('the third request', () => fetch.calls.length === 3);
  assert.deepEqual([fetch.calls[2].method, fetch.calls[2].url, fetch.calls[2].body], ['DELETE', 'http://h:1/api/Task/t%2F2', null]);
  fetch.calls[2].reject(new TypeError('Failed to fetch'));
  await assert.rejects(p3, (e) => e.code === 'DISCONNECTED');
  client.close();
});

test('client: publishes queued while SSE streams are down are sent in order through REST once they are back', async () => {
  const { client, fetch } = sseClient({ transports: ['sse'] });
  const sub = client.subscribe('AllTasks');
  await until('an EventSource', () => FakeEventSource.all.length === 1);
  const es = FakeEventSource.all[0];
  es.open();
  es.event('snapshot', subscribed(1, false, []));
  es.broken();
  assert.equal(client.state, 'reconnecting');
  const done = ['a', 'b', 'c'].map((t) => client.publish('Task', 'insert', { title: t }));
  await tick();
  assert.equal(fetch.calls.length, 0);
  assert.equal(client.queue.length, 3);
  es.open();
  es.event('resumed', subscribed(1, true));
  for (const t of ['a', 'b', 'c']) {
    await until(`the request for ${t}`, () => fetch.calls.length === 'abc'.indexOf(t) + 1);
    assert.equal(fetch.calls.at(-1).body.title, t);
    fetch.calls.at(-1).reply(201, { id: t });
  }
  assert.deepEqual(await Promise.all(done), [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
  assert.equal(sub.seq, 1);
  client.close();
});

test('client: the server\'s `event: error` is the client\'s error; the browser\'s reconnect then resumes', async () => {
  const { client } = sseClient({ transports: ['sse'] });
  const sub = client.subscribe('AllTasks');
  const errors = [];
  client.on('error', (e) => errors.push(e.code));
  await until('an EventSource', () => FakeEventSource.all.length === 1);
  const es = FakeEventSource.all[0];
  es.open();
  es.event('snapshot', subscribed(1, false, []));
  es.event('error', { error: 'SLOW_CONSUMER', message: 'over the output limit' });
  assert.deepEqual(errors, ['SLOW_CONSUMER']);
  es.broken();  // the server ended the stream: the browser reconnects with Last-Event-ID
  assert.equal(client.state, 'reconnecting');
  es.open();
  es.event('resumed', subscribed(1, true));
  assert.equal(client.state, 'open');
  assert.equal(FakeEventSource.all.length, 1, 'the browser\'s own reconnect: rt.js opens no other stream');
  assert.equal(sub.recovered, true);
  client.close();
});

test('client: an EventSource the server refuses reports the error body; a server away is retried', async () => {
  const { client, fetch } = sseClient({ transports: ['sse'] });
  const sub = client.subscribe('Nope');
  const errors = [];
  sub.on('error', (e) => errors.push(e.code));
  await until('an EventSource', () => FakeEventSource.all.length === 1);
  FakeEventSource.all[0].broken(true);  // the browser gave up: an HTTP error status
  await until('the probe', () => fetch.calls.length === 1);
  assert.equal(fetch.calls[0].url, FakeEventSource.all[0].url);
  fetch.calls[0].reply(503, null);  // the server is not ready: retried, since kept
  await until('a second EventSource', () => FakeEventSource.all.length === 2);
  FakeEventSource.all[1].broken(true);
  await until('a second probe', () => fetch.calls.length === 2);
  fetch.calls[1].reply(404, { error: 'UNKNOWN_SUBSCRIPTION', message: 'no subscription Nope' });
  await until('the error', () => errors.length === 1);
  assert.deepEqual(errors, ['UNKNOWN_SUBSCRIPTION']);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(FakeEventSource.all.length, 2, 'a refused stream is not reopened');
  client.close();
});

test('client: back on the WebSocket from SSE, each subscription resumes where SSE left it; presence returns', async () => {
  const { client } = sseClient();
  const sub = client.subscribe('AllTasks');
  const board = client.presence('board:b1');
  const presence = [];
  board.on('members', (m) => presence.push(m.available ? m.count : 'unavailable'));
  board.on('error', (e) => presence.push(e.code));
  board.join({});
  for (let n = 1; n <= 2; ++n) {
    await until(`ws ${n}`, () => FakeSocket.all.length === n);
    FakeSocket.all[n - 1].drop();
  }
  await until('an EventSource', () => FakeEventSource.all.length === 1);
  assert.deepEqual(presence, ['unavailable', 'PRESENCE_UNAVAILABLE']);
  assert.equal(board.available, false);
  const es = FakeEventSource.all[0];
  es.open();
  es.event('snapshot', subscribed(2, false, [{ id: 't1' }]));
  es.event('change', event(3, 'insert', { id: 't2' }));
  // The background attempt: a third WebSocket, which opens this time.
  await until('a background WebSocket', () => FakeSocket.all.length === 3);
  const ws = FakeSocket.all[2];
  ws.open();
  assert.ok(es.closed, 'the EventSource is closed once the WebSocket is open');
  assert.equal(client.transport, 'websocket');
  const s = ws.last('subscribe');
  assert.deepEqual(s.since, { epoch: 'e1', seq: 3 });
  assert.equal(ws.last('presence').action, 'join');
  assert.equal(board.available, true);
  ws.receive({ id: s.id, ...subscribed(4, true) });
  ws.receive(event(4, 'update', { id: 't1', v: 4 }));
  assert.deepEqual([...sub.rows.entries()], [['t1', { id: 't1', v: 4 }], ['t2', { id: 't2' }]]);
  client.close();
});

test('client: a WebSocket whose handshake never completes is given up after openTimeoutMs', async () => {
  FakeSocket.all = [];
  const client = connect('ws://h/live', { WebSocket: FakeSocket, transports: ['websocket'], openTimeoutMs: 20, backoffBaseMs: 1, backoffCapMs: 2 });
  await until('a second attempt', () => FakeSocket.all.length === 2);
  assert.equal(client.state, 'reconnecting');
  FakeSocket.all[1].open();
  assert.equal(client.state, 'open');
  client.close();
});

test('client: no usable transport closes with NO_TRANSPORT', async () => {
  const client = connect('ws://h/live', { WebSocket: null, EventSource: null, transports: ['websocket', 'sse'] });
  assert.equal(client.state, 'closed');
  await assert.rejects(client.publish('Task', 'insert', {}), (e) => e.code === 'NO_TRANSPORT');
});

test('client: a spec reload on SSE: spec_changed once per version, a new-epoch snapshot resyncs, NORMAL ends the sub for good', async () => {
  const { client, fetch } = sseClient({ transports: ['sse'] });
  const tasks = client.subscribe('TaskUpdates');
  const archived = client.subscribe('ArchivedTasks');
  const specs = [], resynced = [], ended = [], errors = [];
  client.on('spec_changed', (c) => specs.push(c));
  client.on('error', (e) => errors.push(e.code));
  tasks.on('resynced', (r) => resynced.push({ reason: r.reason, epoch: r.epoch, rows: [...r.rows.keys()] }));
  archived.on('ended', (e) => ended.push(e.reason));
  archived.on('error', (e) => errors.push(e.code));
  await until('two EventSources', () => FakeEventSource.all.length === 2);
  const [esTasks, esArchived] = FakeEventSource.all;
  assert.deepEqual([esTasks.params.subscription, esArchived.params.subscription], ['TaskUpdates', 'ArchivedTasks']);
  for (const [es, name, epoch] of [[esTasks, 'TaskUpdates', 'e1'], [esArchived, 'ArchivedTasks', 'a1']]) {
    es.open();
    es.event('snapshot', { type: 'subscribed', subscription: name, epoch, seq: 3, recovered: false, initial: [{ id: 'old' }] });
  }
  assert.equal(client.state, 'open');
  // Each stream brings the reload's spec_changed (no id): the client emits it once.
  const change = { type: 'spec_changed', version: 'v2', added: ['DoneTasks'], changed: ['TaskUpdates'], removed: ['ArchivedTasks'] };
  esTasks.event('spec_changed', change);
  esArchived.event('spec_changed', change);
  assert.deepEqual(specs, [{ version: 'v2', added: ['DoneTasks'], changed: ['TaskUpdates'], removed: ['ArchivedTasks'] }]);
  // The changed one: a snapshot in a new epoch, its `subscribed` with the reason.
  esTasks.event('snapshot', { type: 'subscribed', subscription: 'TaskUpdates', epoch: 'e2', seq: 0, recovered: false,
                              reason: 'spec_changed', initial: [{ id: 'new' }] });
  assert.deepEqual(resynced, [{ reason: 'spec_changed', epoch: 'e2', rows: ['new'] }]);
  assert.deepEqual([tasks.epoch, tasks.seq], ['e2', 0]);
  esTasks.event('change', { type: 'event', subscription: 'TaskUpdates', operation: 'insert', data: { id: 'n1' }, epoch: 'e2', seq: 1 });
  assert.deepEqual([...tasks.rows.keys()], ['new', 'n1']);
  // The removed one: the stream's last event is NORMAL (1000); the sub ends, its EventSource is
  // closed before the browser would reconnect, and rt.js opens none and probes nothing.
  esArchived.event('error', { error: 'NORMAL', code: 1000, message: 'subscription ended by a spec reload' });
  assert.deepEqual(ended, ['spec_changed']);
  assert.equal(archived.ended, 'spec_changed');
  assert.ok(esArchived.closed);
  assert.deepEqual([...client.subscriptions.keys()], ['TaskUpdates']);
  esArchived.broken(true);  // a late error of the closed stream changes nothing
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(FakeEventSource.all.length, 2, 'the ended subscription\'s stream is not reopened');
  assert.equal(fetch.calls.length, 0);
  assert.deepEqual(errors, [], 'an ending by a spec reload is not an error');
  assert.equal(client.state, 'open');
  // The next reload is emitted again; another server ending (not NORMAL) stays an error.
  esTasks.event('spec_changed', { ...change, version: 'v3', changed: [], removed: [], added: [] });
  assert.deepEqual(specs.map((s) => s.version), ['v2', 'v3']);
  esTasks.event('error', { error: 'GOING_AWAY', code: 1001, message: 'server shutting down' });
  assert.deepEqual(errors, ['GOING_AWAY']);
  assert.equal(tasks.ended, null);
  client.close();
});
