// rt.js — the browser client of rt protocol v1 (docs/protocol.md; how to use it: docs/browser.md).
// One dependency-free ES module, no build step: `import { connect } from '/rt.js'`.
//
//   const client = connect('ws://127.0.0.1:8080/live', { token: 's3cret' });
//   client.on('state', ({ state }) => banner(state));          // connecting|open|reconnecting|offline|closed
//   const sub = client.subscribe('TaskUpdates', { filter: { board: 'b1' } });
//   sub.on('snapshot', () => render(sub.rows));                 // sub.rows: Map id → row, kept current
//   sub.on('change', ({ operation, row, seq }) => render(sub.rows));
//   await client.publish('Task', 'update', { id: 't1', status: 'doing' });   // the stored row, or throws RtError
//
// The pure parts (backoffDelay, classifyEvent, applyChange, applySnapshot, subscribeFrame,
// PublishQueue) are exported for tests (web/test/, `node --test`).

/** Defaults; every one can be given to connect(). */
export const DEFAULTS = Object.freeze({
  backoffBaseMs: 100,      // the first reconnect waits 0-100 ms (full jitter) ...
  backoffCapMs: 10000,     // ... the window doubles per failed attempt up to 0-10 s (docs/protocol.md §7)
  queueLimit: 100,         // publishes kept while offline; one more is refused
  requestTimeoutMs: 10000, // a request the server never answers fails after this
});

/** An error the server sent (`code` is one of docs/protocol.md §6), or one of rt.js's own. */
export class RtError extends Error {
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.name = 'RtError';
    this.code = code;
  }
}

/** Full-jitter backoff: a delay drawn uniformly from [0, min(cap, base * 2^attempt)). */
export function backoffDelay(attempt, baseMs = DEFAULTS.backoffBaseMs, capMs = DEFAULTS.backoffCapMs, random = Math.random) {
  const window = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * window);
}

/**
 * What an event means for a subscription at position `pos` ({epoch, seq, resuming}),
 * docs/protocol.md §8 "What a client does with each event":
 * 'apply' (the next one), 'duplicate' (already seen), 'gap' (events were missed: resume with since),
 * 'epoch_changed' (history lost: resubscribe without since), 'discard' (a resubscribe is pending).
 */
export function classifyEvent(pos, event) {
  if (pos.resuming) return 'discard';
  if (event.epoch !== pos.epoch) return 'epoch_changed';
  if (event.seq <= pos.seq) return 'duplicate';
  if (event.seq > pos.seq + 1) return 'gap';
  return 'apply';
}

/** Applies one change to `rows` (a Map id → row): insert/update store the row, delete removes it. */
export function applyChange(rows, operation, row) {
  if (operation === 'delete') rows.delete(row.id);
  else rows.set(row.id, row);
  return rows;
}

/** Replaces `rows` with a snapshot's `initial`. */
export function applySnapshot(rows, initial) {
  rows.clear();
  for (const row of initial) rows.set(row.id, row);
  return rows;
}

/** The subscribe message for a subscription; with `since` when its position is known (a resume). */
export function subscribeFrame(sub, id) {
  const m = { type: 'subscribe', id, subscription: sub.name };
  if (sub.filter && Object.keys(sub.filter).length) m.filter = sub.filter;
  if (sub.sid) m.sid = sub.sid;
  if (sub.epoch !== null && sub.epoch !== undefined) m.since = { epoch: sub.epoch, seq: sub.seq };
  return m;
}

/** The publishes made while offline, sent in order after reconnect; bounded. */
export class PublishQueue {
  constructor(limit = DEFAULTS.queueLimit) {
    this.limit = limit;
    this.items = [];
  }
  /** Adds an item; throws RtError('QUEUE_FULL') when `limit` items wait already. */
  push(item) {
    if (this.items.length >= this.limit)
      throw new RtError('QUEUE_FULL', `${this.limit} publishes are already waiting for the connection; ` +
                                      'wait for the reconnect (client.on("state")) or raise queueLimit');
    this.items.push(item);
  }
  /** Removes and returns every item, oldest first. */
  drain() {
    const all = this.items;
    this.items = [];
    return all;
  }
  get length() { return this.items.length; }
}

class Emitter {
  constructor() { this._handlers = new Map(); }
  /** Calls `fn` on each `event`; returns a function that stops it. */
  on(event, fn) {
    if (!this._handlers.has(event)) this._handlers.set(event, new Set());
    this._handlers.get(event).add(fn);
    return () => this._handlers.get(event).delete(fn);
  }
  _emit(event, value) {
    for (const fn of this._handlers.get(event) ?? []) {
      try { fn(value); } catch (e) { console.error('rt.js: a handler threw', e); }
    }
  }
}

/** One subscription: `rows` kept current; events 'snapshot', 'change', 'resynced', 'error'. */
export class Subscription extends Emitter {
  constructor(client, name, { filter = {}, sid = '' } = {}) {
    super();
    this.client = client;
    this.name = name;
    this.filter = filter;
    this.sid = sid;
    this.key = sid || name;
    this.rows = new Map();
    this.epoch = null;   // the last position processed; null until the first snapshot
    this.seq = 0;
    this.resuming = true; // until the subscribed reply: events before it belong to an old subscription
    this.recovered = null;
  }
  unsubscribe() { this.client._unsubscribe(this); }

  _onSubscribed(m) {
    this.resuming = false;
    this.recovered = m.recovered;
    if (m.recovered) return;  // the missed events follow, in order
    const resync = this.epoch !== null;
    applySnapshot(this.rows, m.initial ?? []);
    this.epoch = m.epoch;
    this.seq = m.seq;
    this._emit('snapshot', { rows: this.rows, epoch: m.epoch, seq: m.seq });
    if (resync) this._emit('resynced', { rows: this.rows, epoch: m.epoch, seq: m.seq });
  }

  _onEvent(m) {
    switch (classifyEvent(this, m)) {
      case 'apply':
        applyChange(this.rows, m.operation, m.data);
        this.seq = m.seq;
        this._emit('change', { operation: m.operation, row: m.data, seq: m.seq, epoch: m.epoch });
        return;
      case 'gap':  // resume from the last event processed: the replay brings the missed ones
        this.client._resubscribe(this);
        return;
      case 'epoch_changed':  // the stream's history is gone: a fresh snapshot
        this.epoch = null;
        this.seq = 0;
        this.client._resubscribe(this);
        return;
      default:  // duplicate or discard
        return;
    }
  }
}

/** Presence on one resource: join(meta), leave(); event 'members' ({users, count}). */
export class Presence extends Emitter {
  constructor(client, resource) {
    super();
    this.client = client;
    this.resource = resource;
    this.joined = false;
    this.meta = {};
    this.users = [];
    this.count = 0;
  }
  join(meta = {}) {
    this.joined = true;
    this.meta = meta;
    this.client._send({ type: 'presence', action: 'join', resource: this.resource, meta });
  }
  leave() {
    this.joined = false;
    this.client._send({ type: 'presence', action: 'leave', resource: this.resource });
  }
  _onPresence(m) {
    this.users = m.users;
    this.count = m.count ?? m.users.length;
    this._emit('members', { users: this.users, count: this.count });
  }
}

/** A connection that reconnects by itself and resumes every subscription. */
export class RtClient extends Emitter {
  constructor(url, options = {}) {
    super();
    this.url = url;
    this.options = { ...DEFAULTS, ...options };
    this.state = 'connecting';
    this.transport = 'websocket';
    this.subscriptions = new Map();  // key → Subscription
    this.presences = new Map();      // resource → Presence
    this.queue = new PublishQueue(this.options.queueLimit);
    this._pending = new Map();       // request id → {onReply, onFail, timer}
    this._nextId = 1;
    this._attempt = 0;
    this._ws = null;
    this._closedByUser = false;
    this._retryTimer = null;
    this._WebSocket = this.options.WebSocket ?? globalThis.WebSocket;
    if (typeof globalThis.addEventListener === 'function') {
      this._onOnline = () => { if (this.state === 'offline') this._reconnectNow(); };
      this._onOffline = () => { if (this.state === 'reconnecting') this._setState('offline'); };
      globalThis.addEventListener('online', this._onOnline);
      globalThis.addEventListener('offline', this._onOffline);
    }
    this._open();
  }

  /** Subscribes (now, or as soon as the connection opens); the same key again replaces the filter. */
  subscribe(name, { filter = {}, sid = '' } = {}) {
    const sub = new Subscription(this, name, { filter, sid });
    this.subscriptions.set(sub.key, sub);
    if (this.state === 'open') this._sendSubscribe(sub);
    return sub;
  }

  /**
   * Publishes a change; resolves with the stored row (`published.data`), rejects with RtError.
   * While the connection is down the publish waits in a bounded queue and is sent, in order,
   * after the reconnect; a full queue rejects at once (QUEUE_FULL).
   */
  publish(entity, operation, data) {
    return new Promise((resolve, reject) => {
      const item = { message: { type: 'publish', entity, operation, data }, resolve, reject };
      if (this.state === 'open' && this.queue.length === 0) return this._sendPublish(item);
      try { this.queue.push(item); } catch (e) { reject(e); }
    });
  }

  /** The presence handle of `resource` (one per resource). */
  presence(resource) {
    if (!this.presences.has(resource)) this.presences.set(resource, new Presence(this, resource));
    return this.presences.get(resource);
  }

  /** Closes for good (close code 1000); pending requests and queued publishes are rejected. */
  close() {
    this._closedByUser = true;
    clearTimeout(this._retryTimer);
    if (this._ws) this._ws.close(1000);
    this._failAll(new RtError('CLOSED', 'the client was closed'));
    if (typeof globalThis.removeEventListener === 'function' && this._onOnline) {
      globalThis.removeEventListener('online', this._onOnline);
      globalThis.removeEventListener('offline', this._onOffline);
    }
    this._setState('closed');
  }

  _setState(state, extra = {}) {
    if (this.state === state) return;
    this.state = state;
    this._emit('state', { state, transport: this.transport, ...extra });
  }

  async _url() {
    const token = this.options.getToken ? await this.options.getToken() : this.options.token;
    if (!token) return this.url;
    const u = new URL(this.url);
    u.searchParams.set('token', token);
    return u.toString();
  }

  async _open() {
    if (this._closedByUser) return;
    let ws;
    try {
      ws = new this._WebSocket(await this._url());
    } catch (e) {
      return this._scheduleReconnect({ code: 1006, reason: String(e) });
    }
    this._ws = ws;
    ws.onopen = () => {
      this._attempt = 0;
      this._setState('open');
      for (const sub of this.subscriptions.values()) this._sendSubscribe(sub);
      for (const p of this.presences.values()) if (p.joined) p.join(p.meta);
      for (const item of this.queue.drain()) this._sendPublish(item);  // in the order they were made
    };
    ws.onmessage = (ev) => this._handle(ev.data);
    ws.onclose = (ev) => {
      if (this._ws !== ws) return;
      this._ws = null;
      this._failPending(new RtError('DISCONNECTED', `the connection closed (${ev.code}) before the reply`));
      if (this._closedByUser) return;
      if (ev.code === 4001) {  // the token is not accepted: asking again cannot help (docs/protocol.md §7)
        this._failAll(new RtError('AUTH_REQUIRED', ev.reason || 'the token was refused'));
        this._setState('closed', { code: ev.code, reason: ev.reason });
        return;
      }
      this._scheduleReconnect(ev);
    };
  }

  _scheduleReconnect(ev) {
    for (const sub of this.subscriptions.values()) sub.resuming = true;
    const offline = globalThis.navigator && globalThis.navigator.onLine === false;
    this._setState(offline ? 'offline' : 'reconnecting', { code: ev.code, reason: ev.reason });
    const delay = backoffDelay(this._attempt++, this.options.backoffBaseMs, this.options.backoffCapMs);
    this._retryTimer = setTimeout(() => this._open(), delay);
  }

  _reconnectNow() {
    clearTimeout(this._retryTimer);
    this._setState('reconnecting');
    this._open();
  }

  _send(message) {
    if (this.state !== 'open' || !this._ws) return false;
    this._ws.send(JSON.stringify(message));
    return true;
  }

  // Sends `message` with a fresh id; `onReply(reply)` runs as soon as the direct reply arrives
  // (synchronously, before the next message is handled: a subscribe's reply must be applied before
  // the events after it), `onFail(error)` when none comes (timeout, disconnect).
  _request(message, onReply, onFail) {
    const id = this._nextId++;
    const timer = setTimeout(() => {
      this._pending.delete(id);
      onFail(new RtError('TIMEOUT', `no reply to ${message.type} within ${this.options.requestTimeoutMs} ms`));
    }, this.options.requestTimeoutMs);
    this._pending.set(id, { onReply, onFail, timer });
    this._send({ ...message, id });
  }

  _sendPublish(item) {
    this._request(item.message, (reply) => {
      if (reply.type === 'published') item.resolve(reply.data);
      else item.reject(new RtError(reply.code ?? 'BAD_REQUEST', reply.message ?? JSON.stringify(reply)));
    }, item.reject);
  }

  _sendSubscribe(sub) {
    sub.resuming = true;
    this._request(subscribeFrame(sub), (reply) => {
      if (this.subscriptions.get(sub.key) !== sub) return;  // replaced or unsubscribed meanwhile
      if (reply.type === 'subscribed') sub._onSubscribed(reply);
      else sub._emit('error', new RtError(reply.code ?? 'BAD_REQUEST', reply.message ?? ''));
    }, (e) => sub._emit('error', e));
  }

  _resubscribe(sub) {
    if (this.state === 'open') this._sendSubscribe(sub);
    else sub.resuming = true;
  }

  _unsubscribe(sub) {
    if (this.subscriptions.get(sub.key) !== sub) return;
    this.subscriptions.delete(sub.key);
    const m = { type: 'unsubscribe', subscription: sub.name };
    if (sub.sid) m.sid = sub.sid;
    if (this.state === 'open') this._request(m, () => {}, () => {});
  }

  _handle(text) {
    let m;
    try { m = JSON.parse(text); } catch { return; }
    if (m === null || typeof m !== 'object') return;
    if (m.id !== undefined && this._pending.has(m.id)) {
      const p = this._pending.get(m.id);
      this._pending.delete(m.id);
      clearTimeout(p.timer);
      p.onReply(m);
      return;
    }
    if (m.type === 'event') {
      this.subscriptions.get(m.sid || m.subscription)?._onEvent(m);
    } else if (m.type === 'presence') {
      this.presences.get(m.resource)?._onPresence(m);
    } else if (m.type === 'error') {
      this._emit('error', new RtError(m.code, m.message));
    }
    // Other types: a newer server's; ignored (docs/protocol.md §17).
  }

  _failPending(err) {
    for (const p of this._pending.values()) {
      clearTimeout(p.timer);
      p.onFail(err);
    }
    this._pending.clear();
  }

  _failAll(err) {
    this._failPending(err);
    for (const item of this.queue.drain()) item.reject(err);
  }
}

/** Opens a client: connect(url, { token | getToken, backoffBaseMs, backoffCapMs, queueLimit, requestTimeoutMs }). */
export function connect(url, options = {}) {
  return new RtClient(url, options);
}
