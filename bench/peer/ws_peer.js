#!/usr/bin/env node
// Peer server for bench/compare.sh: the broadcast subset of rt's wire protocol v1 on the `ws`
// package, so `rt loadgen` can drive it exactly as it drives `rt serve`.
//
//   node bench/peer/ws_peer.js [--port 0] [--path /live]
//
// Supported: subscribe (AllTasks, or TaskUpdates = Task where status != "done", with an equality
// filter) -> subscribed; publish insert/update/delete of Task -> published, and an event with the
// same fields as rt's (subscription, operation, data, epoch, seq, ts) to every subscriber of each
// stream the change belongs to. Each stream (subscription + sorted filter) has its own seq from 1.
// Each event is serialized once per stream. Not supported: replay, auth, presence, limits.
// Prints "listening on ws://127.0.0.1:PORT/live" on stderr once bound.
'use strict';
const { WebSocketServer } = require('ws');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const port = Number(opt('--port', '0'));
const path = opt('--path', '/live');
const epoch = Math.random().toString(16).slice(2, 10);

const rows = new Map();     // Task id -> row
const streams = new Map();  // stream key -> { sub, filter, seq, subscribers: Set<ws> }
const keysets = new Map();  // subscription -> Map(keyset string -> refcount): filter key sets in use

const inView = (sub, row) => row !== null && (sub === 'AllTasks' || row.status !== 'done');
const canonical = (filter) => {
  const keys = Object.keys(filter).sort();
  return { keys, text: JSON.stringify(Object.fromEntries(keys.map((k) => [k, filter[k]]))) };
};
const streamKey = (sub, filterText) => sub + '\x1f' + filterText;

function send(ws, obj) { ws.send(JSON.stringify(obj)); }

function subscribe(ws, msg) {
  const sub = msg.subscription;
  if (sub !== 'AllTasks' && sub !== 'TaskUpdates') {
    return send(ws, { id: msg.id, type: 'error', code: 'UNKNOWN_SUBSCRIPTION', message: 'no subscription ' + sub });
  }
  const filter = msg.filter && typeof msg.filter === 'object' ? msg.filter : {};
  const { keys, text } = canonical(filter);
  const key = streamKey(sub, text);
  let st = streams.get(key);
  if (!st) {
    st = { sub, filter, seq: 0, subscribers: new Set() };
    streams.set(key, st);
    if (!keysets.has(sub)) keysets.set(sub, new Map());
    const ks = keys.join('\x1f');
    const m = keysets.get(sub);
    m.set(ks, (m.get(ks) || 0) + 1);
  }
  st.subscribers.add(ws);
  ws.streams.add(key);
  const initial = [];
  for (const row of rows.values()) {
    if (inView(sub, row) && keys.every((k) => row[k] === filter[k])) initial.push(row);
  }
  send(ws, { id: msg.id, type: 'subscribed', subscription: sub, epoch, seq: st.seq, recovered: false, initial });
}

// The streams a row belongs to for `sub`: one key per filter key set in use.
function keysFor(sub, row) {
  const out = [];
  const m = keysets.get(sub);
  if (!m || row === null) return out;
  for (const ks of m.keys()) {
    const keys = ks === '' ? [] : ks.split('\x1f');
    const f = {};
    for (const k of keys) f[k] = row[k];
    out.push(streamKey(sub, canonical(f).text));
  }
  return out;
}

function fanOut(before, after) {
  for (const sub of keysets.keys()) {
    const b = inView(sub, before) ? new Set(keysFor(sub, before)) : new Set();
    const a = inView(sub, after) ? new Set(keysFor(sub, after)) : new Set();
    for (const key of new Set([...b, ...a])) {
      const st = streams.get(key);
      if (!st || st.subscribers.size === 0) continue;
      const op = b.has(key) && a.has(key) ? 'update' : a.has(key) ? 'insert' : 'delete';
      st.seq += 1;
      // Serialize once per stream; every subscriber gets the same text.
      const frame = JSON.stringify({
        type: 'event', subscription: st.sub, operation: op, data: op === 'delete' ? before : after,
        epoch, seq: st.seq, ts: Date.now(),
      });
      for (const ws of st.subscribers) ws.send(frame);
    }
  }
}

function publish(ws, msg) {
  if (msg.entity !== 'Task' || !msg.data || typeof msg.data !== 'object') {
    return send(ws, { id: msg.id, type: 'error', code: 'BAD_REQUEST', message: 'only Task rows are supported' });
  }
  const op = msg.operation;
  const id = msg.data.id;
  const before = id !== undefined && rows.has(id) ? rows.get(id) : null;
  let after;
  if (op === 'insert') {
    if (before) return send(ws, { id: msg.id, type: 'error', code: 'BAD_REQUEST', message: 'exists' });
    after = { ...msg.data, id: id !== undefined ? id : Math.random().toString(16).slice(2, 14) };
    rows.set(after.id, after);
  } else if (op === 'update' || op === 'delete') {
    if (!before) return send(ws, { id: msg.id, type: 'error', code: 'NOT_FOUND', message: 'no Task ' + id });
    if (op === 'update') {
      after = { ...before, ...msg.data };
      rows.set(id, after);
    } else {
      after = null;
      rows.delete(id);
    }
  } else {
    return send(ws, { id: msg.id, type: 'error', code: 'BAD_REQUEST', message: 'bad operation' });
  }
  send(ws, { id: msg.id, type: 'published', entity: 'Task', data: after || before });
  fanOut(before, after);
}

const wss = new WebSocketServer({ host: '127.0.0.1', port, path, perMessageDeflate: false, backlog: 4096 });
wss.on('connection', (ws) => {
  ws.streams = new Set();
  ws.on('message', (data) => {
    let msg;
    try { msg = JSON.parse(data); } catch (e) {
      return send(ws, { type: 'error', code: 'BAD_REQUEST', message: 'not JSON' });
    }
    if (msg.type === 'subscribe') subscribe(ws, msg);
    else if (msg.type === 'publish') publish(ws, msg);
    else if (msg.type === 'ping') send(ws, { id: msg.id, type: 'pong', timestamp: msg.timestamp });
    else send(ws, { id: msg.id, type: 'error', code: 'BAD_REQUEST', message: 'unsupported type' });
  });
  ws.on('close', () => {
    for (const key of ws.streams) {
      const st = streams.get(key);
      if (st) st.subscribers.delete(ws);
    }
  });
  ws.on('error', () => {});
});
wss.on('listening', () => {
  process.stderr.write(`ws_peer: listening on ws://127.0.0.1:${wss.address().port}${path}\n`);
});
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
