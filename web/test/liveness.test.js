// Unit tests of rt.js's liveness check (a WebSocket whose network died silently is noticed and
// resumed) and of the renewal of an SSE stream's JWT, with node --test, scripted fakes and node's
// mock timers (setTimeout and Date; setImmediate stays real and lets promises settle).
import test, { mock } from 'node:test';
import assert from 'node:assert/strict';

import { livenessStep, jwtExpiryMs, connect } from '../rt.js';
import { FakeSocket } from '../test_support/fake_socket.js';
import { FakeEventSource } from '../test_support/fake_event_source.js';

const settle = async () => { for (let i = 0; i < 5; ++i) await new Promise((r) => setImmediate(r)); };
const t0 = 1_800_000_000_000;  // the mocked clock's start (ms)

function mockClock(t) {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: t0 });
  t.after(() => mock.timers.reset());
}

// A JWT-shaped token (header.payload.signature) whose `exp` is `expMs` rounded down to seconds.
function jwt(expMs, sub = 'alice') {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub, exp: Math.floor(expMs / 1000) })}.c2ln`;
}

test('livenessStep: wait while messages come, ping after pingIntervalMs of silence, dead after pongTimeoutMs more', () => {
  const opts = { pingIntervalMs: 25000, pongTimeoutMs: 10000 };
  assert.deepEqual(livenessStep({ ...opts, now: 1000, lastReceived: 0, pingSentAt: null }), { action: 'wait', delay: 24000 });
  assert.deepEqual(livenessStep({ ...opts, now: 25000, lastReceived: 0, pingSentAt: null }), { action: 'ping', delay: 10000 });
  assert.deepEqual(livenessStep({ ...opts, now: 90000, lastReceived: 0, pingSentAt: null }), { action: 'ping', delay: 10000 });
  assert.deepEqual(livenessStep({ ...opts, now: 30000, lastReceived: 0, pingSentAt: 25000 }), { action: 'wait', delay: 5000 });
  assert.deepEqual(livenessStep({ ...opts, now: 35000, lastReceived: 0, pingSentAt: 25000 }), { action: 'dead', delay: 0 });
  // A timer that fired late (a throttled background tab): the ping still gets its full timeout.
  assert.deepEqual(livenessStep({ ...opts, now: 600000, lastReceived: 0, pingSentAt: null }), { action: 'ping', delay: 10000 });
});

test('jwtExpiryMs reads a JWT\'s exp; null for anything else', () => {
  assert.equal(jwtExpiryMs(jwt(t0)), t0);
  assert.equal(jwtExpiryMs(jwt(t0 + 1500)), t0 + 1000);
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  for (const bad of ['tok-alice', 'a.b', 'a.!!!.c', `x.${part({ sub: 'a' })}.y`, `x.${part({ exp: '9' })}.y`,
                     `x.${part(null)}.y`, 'a.b.c.d', null, undefined, 42])
    assert.equal(jwtExpiryMs(bad), null, `${String(bad)} has no expiry`);
});

test('client: a silent WebSocket is pinged, given up when nothing answers, and every subscription resumed with since', async (t) => {
  mockClock(t);
  FakeSocket.all = [];
  const client = connect('ws://h/live', { WebSocket: FakeSocket, transports: ['websocket'], backoffBaseMs: 1, backoffCapMs: 2,
                                          openTimeoutMs: 60000, requestTimeoutMs: 600000 });
  t.after(() => client.close());
  const sub = client.subscribe('S');
  const states = [], resumed = [];
  client.on('state', (s) => states.push(`${s.state}${s.code ? `:${s.code}` : ''}`));
  sub.on('resumed', (r) => resumed.push(r.recovered));
  await settle();
  let ws = FakeSocket.all[0];
  mock.timers.tick(40000);  // connecting: no ping
  assert.equal(ws.last('ping'), undefined);
  ws.open();
  ws.receive({ id: ws.last('subscribe').id, type: 'subscribed', subscription: 'S', epoch: 'e1', seq: 3, recovered: false, initial: [] });
  ws.receive({ type: 'event', subscription: 'S', operation: 'insert', data: { id: 'a' }, epoch: 'e1', seq: 4 });
  const pending = client.publish('Task', 'insert', { id: 'x' });  // sent, never answered
  mock.timers.tick(24999);
  assert.equal(ws.last('ping'), undefined, 'not before pingIntervalMs of silence');
  mock.timers.tick(1);
  assert.deepEqual(ws.last('ping'), { type: 'ping' });
  mock.timers.tick(9999);
  assert.equal(client.state, 'open');
  mock.timers.tick(1);  // pongTimeoutMs and nothing at all: the network is gone
  assert.equal(client.state, 'reconnecting');
  assert.deepEqual(states, ['open', 'reconnecting:1006']);
  await assert.rejects(pending, (e) => e.code === 'DISCONNECTED');
  assert.equal(ws.sent.filter((m) => m.type === 'ping').length, 1);
  mock.timers.tick(2);  // the backoff
  await settle();
  assert.equal(FakeSocket.all.length, 2);
  ws = FakeSocket.all[1];
  ws.open();
  const s = ws.last('subscribe');
  assert.deepEqual(s.since, { epoch: 'e1', seq: 4 });
  ws.receive({ id: s.id, type: 'subscribed', subscription: 'S', epoch: 'e1', seq: 4, recovered: true });
  assert.deepEqual(resumed, [true]);
  assert.equal(client.state, 'open');
  client.close();  // the liveness timer goes with it
  mock.timers.tick(3600000);
  assert.equal(ws.last('ping'), undefined);
  assert.equal(FakeSocket.all.length, 2);
});

test('client: a chatty WebSocket is never pinged; an answered ping keeps it; pingIntervalMs 0 never pings', async (t) => {
  mockClock(t);
  FakeSocket.all = [];
  const client = connect('ws://h/live', { WebSocket: FakeSocket, pingIntervalMs: 25000, pongTimeoutMs: 10000 });
  t.after(() => client.close());
  await settle();
  const ws = FakeSocket.all[0];
  ws.open();
  for (let i = 0; i < 30; ++i) {  // a message every 20 s for 10 minutes
    mock.timers.tick(20000);
    ws.receive({ type: 'presence', resource: 'r', users: [], count: 0 });
  }
  assert.equal(ws.last('ping'), undefined);
  mock.timers.tick(25000);
  assert.equal(ws.sent.filter((m) => m.type === 'ping').length, 1);
  mock.timers.tick(9000);
  ws.receive({ type: 'pong', timestamp: 0 });  // the answer
  mock.timers.tick(24999);
  assert.equal(ws.sent.filter((m) => m.type === 'ping').length, 1, 'the next ping counts from the pong');
  assert.equal(client.state, 'open');
  mock.timers.tick(1);
  assert.equal(ws.sent.filter((m) => m.type === 'ping').length, 2);
  ws.receive({ type: 'pong', timestamp: 0 });
  mock.timers.tick(20000);
  assert.equal(client.state, 'open');
  assert.equal(FakeSocket.all.length, 1);
  client.close();

  FakeSocket.all = [];
  const quiet = connect('ws://h/live', { WebSocket: FakeSocket, pingIntervalMs: 0 });
  t.after(() => quiet.close());
  await settle();
  FakeSocket.all[0].open();
  mock.timers.tick(3600000);
  assert.equal(FakeSocket.all[0].last('ping'), undefined);
  assert.equal(quiet.state, 'open');
});

// A client on SSE only whose getToken hands out `tokens` in turn.
function sseClient(extra) {
  FakeEventSource.all = [];
  const fetchCalls = [];
  const client = connect('ws://h:1/live', {
    EventSource: FakeEventSource, transports: ['sse'], backoffBaseMs: 1, backoffCapMs: 2,
    fetch: (url) => { fetchCalls.push(url); return new Promise(() => {}); }, ...extra,
  });
  const errors = [];
  client.on('error', (e) => errors.push(e.code));
  return { client, fetchCalls, errors };
}
const subscribed = (seq, recovered) => ({ type: 'subscribed', subscription: 'S', epoch: 'e1', seq, recovered, ...(recovered ? {} : { initial: [] }) });
const event = (seq) => ({ type: 'event', subscription: 'S', operation: 'insert', data: { id: `r${seq}` }, epoch: 'e1', seq });

test('client: on SSE, a stream ended with 4002 (token expired) is reopened at once with getToken\'s new token and since', async (t) => {
  const tokens = ['jwt-1', 'jwt-2'];
  const { client, fetchCalls, errors } = sseClient({ getToken: async () => tokens.shift() });
  t.after(() => client.close());
  const sub = client.subscribe('S');
  const resumed = [];
  sub.on('resumed', (r) => resumed.push(r.recovered));
  await settle();
  const es1 = FakeEventSource.all[0];
  assert.equal(es1.params.token, 'jwt-1');
  es1.open();
  es1.event('snapshot', subscribed(3, false));
  es1.event('change', event(4));
  es1.event('error', { error: 'TOKEN_EXPIRED', code: 4002, message: 'token expired' });  // what ws_sse.cpp ends it with
  assert.ok(es1.closed, 'closed before the browser would reconnect with the expired token');
  await settle();
  assert.equal(FakeEventSource.all.length, 2);
  const es2 = FakeEventSource.all[1];
  assert.deepEqual([es2.params.token, es2.params.since], ['jwt-2', 'e1:4']);
  es2.open();
  es2.event('resumed', subscribed(5, true));
  es2.event('change', event(5));
  assert.deepEqual(resumed, [true]);
  assert.deepEqual([...sub.rows.keys()], ['r4', 'r5']);
  assert.equal(client.state, 'open');
  assert.deepEqual(errors, [], 'a renewal is not an error');
  assert.deepEqual(fetchCalls, [], 'nothing probed');
});

test('client: on SSE, a stream that breaks after its JWT expired is not left to the browser: reopened with a new token', async (t) => {
  mockClock(t);
  const tokens = [jwt(t0 + 60000), jwt(t0 + 3600000)];
  const { client, fetchCalls } = sseClient({ getToken: async () => tokens.shift() });
  t.after(() => client.close());
  client.subscribe('S');
  await settle();
  const es1 = FakeEventSource.all[0];
  es1.open();
  es1.event('snapshot', subscribed(3, false));
  es1.broken();  // the token is still valid: the browser's own reconnect (Last-Event-ID)
  assert.ok(!es1.closed);
  assert.equal(client.state, 'reconnecting');
  es1.open();
  es1.event('resumed', subscribed(3, true));
  mock.timers.tick(60000);  // the JWT has expired
  es1.broken();
  assert.ok(es1.closed, 'the browser does not retry with the expired token');
  mock.timers.tick(2);
  await settle();
  assert.equal(FakeEventSource.all.length, 2);
  const es2 = FakeEventSource.all[1];
  assert.equal(es2.params.since, 'e1:3');
  assert.equal(jwtExpiryMs(es2.params.token), t0 + 3600000);
  es2.open();
  es2.event('resumed', subscribed(3, true));
  assert.equal(client.state, 'open');
  assert.deepEqual(fetchCalls, []);
});

test('client: on SSE without getToken, 4002 closes the stream and is the subscription\'s error; nothing is retried', async (t) => {
  const { client, fetchCalls, errors } = sseClient({ token: 'jwt-static' });
  t.after(() => client.close());
  const sub = client.subscribe('S');
  const subErrors = [];
  sub.on('error', (e) => subErrors.push(e.code));
  await settle();
  const es = FakeEventSource.all[0];
  es.open();
  es.event('snapshot', subscribed(3, false));
  es.event('error', { error: 'TOKEN_EXPIRED', code: 4002, message: 'token expired' });
  assert.ok(es.closed);
  assert.deepEqual([errors, subErrors], [['TOKEN_EXPIRED'], ['TOKEN_EXPIRED']]);
  es.broken(true);  // a late error of the closed stream changes nothing
  await settle();
  assert.equal(FakeEventSource.all.length, 1);
  assert.deepEqual(fetchCalls, []);
});

test('client: the browser going offline gives an open WebSocket up at once; online resumes it with since', async (t) => {
  mockClock(t);
  FakeSocket.all = [];
  // A browser's window events and navigator.onLine, on node.
  const events = new EventTarget();
  const saved = { add: globalThis.addEventListener, remove: globalThis.removeEventListener,
                  nav: Object.getOwnPropertyDescriptor(globalThis, 'navigator') };
  globalThis.addEventListener = events.addEventListener.bind(events);
  globalThis.removeEventListener = events.removeEventListener.bind(events);
  const nav = { onLine: true };
  Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true, writable: true });
  t.after(() => {
    globalThis.addEventListener = saved.add;
    globalThis.removeEventListener = saved.remove;
    if (saved.nav) Object.defineProperty(globalThis, 'navigator', saved.nav);
    else delete globalThis.navigator;
  });
  const client = connect('ws://h/live', { WebSocket: FakeSocket, transports: ['websocket'], backoffBaseMs: 1, backoffCapMs: 2 });
  t.after(() => client.close());
  const sub = client.subscribe('S');
  const states = [], resumed = [];
  client.on('state', (s) => states.push(s.state));
  sub.on('resumed', (r) => resumed.push(r.recovered));
  await settle();
  let ws = FakeSocket.all[0];
  ws.open();
  ws.receive({ id: ws.last('subscribe').id, type: 'subscribed', subscription: 'S', epoch: 'e1', seq: 2, recovered: false, initial: [] });
  // The network goes; the socket's close never comes.
  nav.onLine = false;
  events.dispatchEvent(new Event('offline'));
  assert.equal(client.state, 'offline');
  assert.deepEqual(states, ['open', 'offline']);
  const queued = client.publish('Task', 'insert', { id: 'q1' });
  assert.equal(client.queue.length, 1, 'a publish made offline waits in the queue');
  // Back online: a new socket, the subscription resumed where it was, the queue sent.
  nav.onLine = true;
  events.dispatchEvent(new Event('online'));
  await settle();
  ws = FakeSocket.all[FakeSocket.all.length - 1];
  assert.notEqual(ws, FakeSocket.all[0]);
  ws.open();
  const s = ws.last('subscribe');
  assert.deepEqual(s.since, { epoch: 'e1', seq: 2 });
  ws.receive({ id: s.id, type: 'subscribed', subscription: 'S', epoch: 'e1', seq: 2, recovered: true });
  assert.deepEqual(resumed, [true]);
  const p = ws.last('publish');
  assert.equal(p.data.id, 'q1');
  ws.receive({ id: p.id, type: 'published', entity: 'Task', data: { id: 'q1' } });
  assert.deepEqual(await queued, { id: 'q1' });
  assert.equal(client.state, 'open');
});
