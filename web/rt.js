// rt.js — the browser client of rt protocol v1 (docs/protocol.md; how to use it: docs/browser.md).
// One dependency-free ES module, no build step: `import { connect } from '/rt.js'`.
//
//   const client = connect('ws://127.0.0.1:8080/live', { token: 's3cret' });
//   client.on('state', ({ state, transport }) => banner(state));  // connecting|open|reconnecting|offline|closed
//   client.on('spec_changed', ({ version, added, changed, removed }) => reloadLists());  // a live spec reload
//   const sub = client.subscribe('TaskUpdates', { filter: { board: 'b1' } });   // also { throttle: '250ms', batch: true }
//   sub.on('snapshot', () => render(sub.rows));                 // sub.rows: Map id → row, kept current
//   sub.on('change', ({ operation, row, seq }) => render(sub.rows));
//   await client.publish('Task', 'update', { id: 't1', status: 'doing' });   // the stored row, or throws RtError
//
// Two transports: the WebSocket, and when it cannot open (a proxy that blocks it) Server-Sent Events
// — one EventSource per subscription (GET /sse), publishes through REST — while the WebSocket is
// tried again in the background. Both feed the same reducer (Subscription._onSubscribed/_onEvent),
// and a live spec reload means the same on both (RtClient._onSpecChanged, Subscription._onResync,
// RtClient._ended): on SSE its messages come as `event: spec_changed`, an `event: snapshot` whose
// `subscribed` has a reason, and the NORMAL (1000) `event: error` that ends a removed subscription.
//
// The pure parts (backoffDelay, classifyEvent, applyChange, applySnapshot, subscribeFrame, eventsOfBatch,
// PublishQueue, parsePosition, formatPosition, httpBase, sseUrl, restRequest, restError,
// chooseTransport, livenessStep, jwtExpiryMs) are exported for tests (web/test/, `node --test`).

/** Defaults; every one can be given to connect(). */
export const DEFAULTS = Object.freeze({
  backoffBaseMs: 100,      // the first reconnect waits 0-100 ms (full jitter) ...
  backoffCapMs: 10000,     // ... the window doubles per failed attempt up to 0-10 s (docs/protocol.md §7)
  queueLimit: 100,         // publishes kept while offline; one more is refused
  requestTimeoutMs: 10000, // a request the server never answers fails after this
  openTimeoutMs: 10000,    // a WebSocket still not open after this is given up (a silently dropping network never fails by itself)
  transports: Object.freeze(['websocket', 'sse']),  // SSE only when the WebSocket cannot open
  fallbackAfter: 2,        // WebSocket opens that failed in a row (while online) before SSE is used
  pingIntervalMs: 25000,   // an open WebSocket silent this long is sent a `ping` (0: never; docs/protocol.md §10) ...
  pongTimeoutMs: 10000,    // ... and closed and resumed when nothing at all arrives within this after it
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

/**
 * The subscribe message for a subscription; with `since` when its position is known (a resume),
 * and its `throttle` window and `batch` flag when it has them.
 */
export function subscribeFrame(sub, id) {
  const m = { type: 'subscribe', id, subscription: sub.name };
  if (sub.filter && Object.keys(sub.filter).length) m.filter = sub.filter;
  if (sub.sid) m.sid = sub.sid;
  if (sub.throttle) m.throttle = sub.throttle;
  if (sub.batch) m.batch = true;
  if (sub.epoch !== null && sub.epoch !== undefined) m.since = { epoch: sub.epoch, seq: sub.seq };
  return m;
}

/**
 * The `event` messages an `events` frame (a batched throttle window, docs/protocol.md "events")
 * stands for, in order: each item with the frame's subscription, sid and epoch.
 */
export function eventsOfBatch(m) {
  const common = { type: 'event', subscription: m.subscription };
  if (m.sid) common.sid = m.sid;
  return (Array.isArray(m.events) ? m.events : []).map((item) => ({ ...common, ...item, epoch: m.epoch }));
}

/**
 * A stream position written `EPOCH:SEQ` (an SSE `id:` field, `Last-Event-ID`, `?since=`) →
 * {epoch, seq}; null when it is not one (no colon, an empty epoch, a seq that is not a
 * non-negative safe integer). The epoch is everything before the last colon.
 */
export function parsePosition(text) {
  if (typeof text !== 'string') return null;
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return null;
  const seqText = text.slice(colon + 1);
  if (!/^[0-9]{1,16}$/.test(seqText)) return null;
  const seq = Number(seqText);
  if (!Number.isSafeInteger(seq)) return null;
  return { epoch: text.slice(0, colon), seq };
}

/** {epoch, seq} → `EPOCH:SEQ`, the form parsePosition reads. */
export function formatPosition({ epoch, seq }) {
  return `${epoch}:${seq}`;
}

/** The HTTP origin of a WebSocket URL (REST and SSE are on the same port): ws://h:p/live → http://h:p. */
export function httpBase(wsUrl) {
  const u = new URL(wsUrl);
  const scheme = u.protocol === 'wss:' ? 'https:' : u.protocol === 'ws:' ? 'http:' : u.protocol;
  return `${scheme}//${u.host}`;
}

// Query parameters sseUrl sets itself; any other one of the WebSocket URL (such as ?user= in
// development mode) is kept.
const sseOwnParams = new Set(['subscription', 'filter', 'token', 'since', 'throttle']);

/**
 * The SSE URL of a subscription (docs/protocol.md, SSE):
 * `/sse?subscription=S[&filter=JSON][&token=T][&since=EPOCH:SEQ][&throttle=250ms]` on the WebSocket
 * URL's host, with `since` once the subscription's position is known (a resume). SSE has no batched
 * form: a `batch` subscription gets its throttled events one by one there.
 */
export function sseUrl(wsUrl, sub, token) {
  const out = new URL(`${httpBase(wsUrl)}/sse`);
  for (const [k, v] of new URL(wsUrl).searchParams) if (!sseOwnParams.has(k)) out.searchParams.append(k, v);
  out.searchParams.set('subscription', sub.name);
  if (sub.filter && Object.keys(sub.filter).length) out.searchParams.set('filter', JSON.stringify(sub.filter));
  if (token) out.searchParams.set('token', token);
  if (sub.throttle) out.searchParams.set('throttle', sub.throttle);
  if (sub.epoch !== null && sub.epoch !== undefined) out.searchParams.set('since', formatPosition(sub));
  return out.toString();
}

/**
 * The REST request that makes the change a `publish` would (docs/protocol.md §13):
 * {method, path, body}. insert → POST /api/<Entity>, update → PATCH /api/<Entity>/<id> (the fields
 * to change), delete → DELETE /api/<Entity>/<id>. Throws RtError('BAD_REQUEST') for another
 * operation or an update/delete without `data.id`.
 */
export function restRequest(entity, operation, data) {
  const path = `/api/${encodeURIComponent(entity)}`;
  if (operation === 'insert') return { method: 'POST', path, body: data ?? {} };
  if (operation !== 'update' && operation !== 'delete')
    throw new RtError('BAD_REQUEST', `operation must be insert, update or delete, not ${JSON.stringify(operation)}`);
  if (!data || typeof data.id !== 'string' || data.id === '')
    throw new RtError('BAD_REQUEST', `an ${operation} needs data.id (a non-empty string)`);
  const one = `${path}/${encodeURIComponent(data.id)}`;
  return operation === 'update' ? { method: 'PATCH', path: one, body: data } : { method: 'DELETE', path: one, body: null };
}

/** The RtError of a failed REST or SSE request: the body's {error, message}, else one named after the status. */
export function restError(status, body) {
  if (body && typeof body.error === 'string') return new RtError(body.error, body.message ?? '');
  const code = { 401: 'AUTH_REQUIRED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 429: 'RATE_LIMITED' }[status] ??
               (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
  return new RtError(code, `HTTP ${status}`);
}

/**
 * The transport to use next: 'websocket', 'sse', or null when none is usable. The WebSocket
 * whenever it is allowed and available, unless `wsFailures` (opens that failed in a row) has
 * reached `fallbackAfter` and SSE is allowed and available.
 */
export function chooseTransport({ transports, wsFailures, fallbackAfter, wsAvailable, sseAvailable }) {
  const ws = wsAvailable && transports.includes('websocket');
  const sse = sseAvailable && transports.includes('sse');
  if (ws && (!sse || wsFailures < fallbackAfter)) return 'websocket';
  return sse ? 'sse' : null;
}

/**
 * The liveness check of an open WebSocket, at time `now`: 'ping' (nothing arrived for
 * `pingIntervalMs`: send one), 'dead' (a ping sent at `pingSentAt` got nothing at all within
 * `pongTimeoutMs`: give the socket up) or 'wait'; with `delay`, the ms until the next check.
 * `pingSentAt` is null when no ping awaits an answer (any message received answers it).
 */
export function livenessStep({ now, lastReceived, pingSentAt, pingIntervalMs, pongTimeoutMs }) {
  if (pingSentAt !== null) {
    const left = pingSentAt + pongTimeoutMs - now;
    return left <= 0 ? { action: 'dead', delay: 0 } : { action: 'wait', delay: left };
  }
  const left = lastReceived + pingIntervalMs - now;
  return left <= 0 ? { action: 'ping', delay: pongTimeoutMs } : { action: 'wait', delay: left };
}

/**
 * The expiry of a JWT (its `exp` claim) in ms since the epoch; null for a token that is not a JWT
 * with a numeric `exp` (an opaque token, a tokens file's). Read without checking the signature:
 * only to know when a token cannot be accepted any more.
 */
export function jwtExpiryMs(token) {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3) return null;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const exp = JSON.parse(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)))?.exp;
    return Number.isFinite(exp) ? exp * 1000 : null;
  } catch {
    return null;
  }
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

/**
 * One subscription: `rows` kept current; events 'snapshot', 'change', 'resumed' (every answer to a
 * resume: {recovered, epoch, seq}), 'resynced' (a resume answered with a new snapshot; or, with
 * reason 'spec_changed', the server's spec reload changed the subscription: {rows, epoch, seq,
 * reason}), 'ended' ({reason}: the server ended it, e.g. a spec reload removed it; it is not
 * subscribed again), 'error'. The same reducer serves both transports; a batched window (`events`)
 * is applied item by item, each firing 'change'.
 */
export class Subscription extends Emitter {
  constructor(client, name, { filter = {}, sid = '', throttle = '', batch = false } = {}) {
    super();
    this.client = client;
    this.name = name;
    this.filter = filter;
    this.sid = sid;
    this.throttle = throttle;  // '250ms': coalesced delivery (docs/protocol.md "Throttled delivery"); '' none
    this.batch = batch;        // with a throttle: each window as one `events` frame
    this.ended = null;         // the reason the server ended it, once it has
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
    const resume = this.epoch !== null;
    if (m.recovered) {  // the missed events follow, in order
      this._emit('resumed', { recovered: true, epoch: this.epoch, seq: this.seq });
      return;
    }
    applySnapshot(this.rows, m.initial ?? []);
    this.epoch = m.epoch;
    this.seq = m.seq;
    this._emit('snapshot', { rows: this.rows, epoch: m.epoch, seq: m.seq });
    if (resume) {
      this._emit('resumed', { recovered: false, epoch: m.epoch, seq: m.seq });
      this._emit('resynced', { rows: this.rows, epoch: m.epoch, seq: m.seq });
    }
  }

  // An unasked `subscribed` (reason 'spec_changed'): the definition changed; a new epoch and rows.
  _onResync(m) {
    this.resuming = false;
    this.recovered = false;
    applySnapshot(this.rows, m.initial ?? []);
    this.epoch = m.epoch;
    this.seq = m.seq;
    this._emit('snapshot', { rows: this.rows, epoch: m.epoch, seq: m.seq, reason: m.reason });
    this._emit('resynced', { rows: this.rows, epoch: m.epoch, seq: m.seq, reason: m.reason });
  }

  // An unasked `unsubscribed`: the server ended the subscription; the client has forgotten it.
  _onEnded(m) {
    this.ended = m.reason;
    this._emit('ended', { reason: m.reason });
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

/**
 * Presence on one resource: join(meta), leave(); events 'members' ({users, count}) and 'error'.
 * Presence needs the WebSocket: on SSE `available` is false, the member list is empty, and
 * join() emits 'error' PRESENCE_UNAVAILABLE (the wish is kept: it joins once the WebSocket is back).
 */
export class Presence extends Emitter {
  constructor(client, resource) {
    super();
    this.client = client;
    this.resource = resource;
    this.joined = false;
    this.meta = {};
    this.users = [];
    this.count = 0;
    this.available = client.transport !== 'sse';
  }
  join(meta = {}) {
    this.joined = true;
    this.meta = meta;
    if (this.client.transport === 'sse') return this._unavailable();
    this.client._send({ type: 'presence', action: 'join', resource: this.resource, meta });
  }
  leave() {
    this.joined = false;
    if (this.client.transport === 'sse') return;
    this.client._send({ type: 'presence', action: 'leave', resource: this.resource });
  }
  _onPresence(m) {
    this.users = m.users;
    this.count = m.count ?? m.users.length;
    this._emit('members', { users: this.users, count: this.count, available: true });
  }
  _unavailable() {
    this.available = false;
    this.users = [];
    this.count = 0;
    this._emit('members', { users: [], count: 0, available: false });
    this._emit('error', new RtError('PRESENCE_UNAVAILABLE',
      'presence needs the WebSocket and this client is on SSE; it joins again once the WebSocket is back'));
  }
}

const eventSourceClosed = 2;  // EventSource.CLOSED: the browser gave up (an HTTP error): rt.js decides
// The close code of an SSE stream's last `event: error` when a spec reload ended its subscription
// (NORMAL, docs/protocol.md "SSE"): the WebSocket's unasked `unsubscribed` with reason 'spec_changed'.
const sseEndedBySpecReload = 1000;
const sseTokenExpired = 4002;  // the stream's JWT expired (docs/protocol.md §7): its URL will not be accepted again

/**
 * A client that reconnects by itself and resumes every subscription, on the WebSocket or on SSE.
 * State: connecting → open ⇄ reconnecting | offline → closed (close(), a refused token).
 */
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
    this._attempt = 0;               // reconnect attempts since the last open (the backoff's exponent)
    this._wsFailures = 0;            // WebSocket opens that failed in a row while online
    this._ws = null;                 // the open WebSocket, or the attempt under way
    this._wsOpening = false;         // an attempt is waiting for its token
    this._wsLive = false;            // _ws is open (on SSE, _ws is a background attempt)
    this._closedByUser = false;
    this._retryTimer = null;
    this._liveTimer = null;          // the open WebSocket's next liveness check
    this._lastReceived = 0;          // when its last message arrived (Date.now())
    this._pingSentAt = null;         // when the liveness ping awaiting an answer was sent
    this._emitted = '';              // the last state+transport reported
    this._streams = new Map();       // on SSE: subscription key → EventSource
    this._streamsDown = new Set();   // on SSE: keys whose stream is not open
    this._streamRetries = new Map(); // on SSE: key → {timer, attempt} of a stream rt.js reopens itself
    this._restChain = Promise.resolve();  // REST publishes, one after another (in order)
    this._restBusy = 0;
    this._closedError = null;        // why the client is closed (what later publishes reject with)
    this._specVersion = undefined;   // the version of the last spec_changed emitted
    // Injectable for tests; `null` means "not available".
    this._WebSocket = 'WebSocket' in options ? options.WebSocket : globalThis.WebSocket;
    this._EventSource = 'EventSource' in options ? options.EventSource : globalThis.EventSource;
    this._fetch = 'fetch' in options ? options.fetch
                : typeof globalThis.fetch === 'function' ? (...a) => globalThis.fetch(...a) : undefined;
    if (typeof globalThis.addEventListener === 'function') {
      this._onOnline = () => { if (this.state === 'offline') this._reconnectNow(); };
      this._onOffline = () => {
        if (this.state === 'reconnecting') this._setState('offline');
        // The browser says the network is gone: an open WebSocket is dead or about to be, and its
        // close may never arrive (no route for the peer's FIN/RST). Give it up now, as the liveness
        // check would later: the state is 'offline', publishes queue, and 'online' resumes with since.
        else if (this.state === 'open' && this._ws && this._wsLive) this._dropWs(this._ws, 'the browser went offline');
      };
      globalThis.addEventListener('online', this._onOnline);
      globalThis.addEventListener('offline', this._onOffline);
    }
    this._connect();
  }

  /** Subscribes (now, or as soon as the connection opens); the same key again replaces the filter. */
  subscribe(name, { filter = {}, sid = '', throttle = '', batch = false } = {}) {
    const old = this.subscriptions.get(sid || name);
    if (old && this.transport === 'sse') this._closeStream(old);
    const sub = new Subscription(this, name, { filter, sid, throttle, batch });
    this.subscriptions.set(sub.key, sub);
    if (this.transport === 'sse') this._openStream(sub);
    else if (this.state === 'open') this._sendSubscribe(sub);
    return sub;
  }

  /**
   * Publishes a change; resolves with the stored row (`published.data`, or the REST response on
   * SSE), rejects with RtError. While the connection is down the publish waits in a bounded queue
   * and is sent, in order, after the reconnect; a full queue rejects at once (QUEUE_FULL).
   */
  publish(entity, operation, data) {
    return new Promise((resolve, reject) => {
      const item = { message: { type: 'publish', entity, operation, data }, resolve, reject };
      if (this._closedError) return reject(this._closedError);
      try { this.queue.push(item); } catch (e) { return reject(e); }
      this._flush();
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
    clearTimeout(this._liveTimer);
    if (this._ws) this._ws.close(1000);
    this._closeAllStreams();
    this._closedError ??= new RtError('CLOSED', 'the client was closed');
    this._failAll(this._closedError);
    if (typeof globalThis.removeEventListener === 'function' && this._onOnline) {
      globalThis.removeEventListener('online', this._onOnline);
      globalThis.removeEventListener('offline', this._onOffline);
    }
    this._setState('closed');
  }

  // Reports the state when it or the transport changed.
  _setState(state, extra = {}) {
    this.state = state;
    const key = `${state}/${this.transport}`;
    if (this._emitted === key) return;
    this._emitted = key;
    this._emit('state', { state, transport: this.transport, ...extra });
  }

  async _token() {
    return this.options.getToken ? await this.options.getToken() : this.options.token;
  }

  async _url() {
    const token = await this._token();
    if (!token) return this.url;
    const u = new URL(this.url);
    u.searchParams.set('token', token);
    return u.toString();
  }

  _online() { return !(globalThis.navigator && globalThis.navigator.onLine === false); }

  _wsAvailable() { return typeof this._WebSocket === 'function' && this.options.transports.includes('websocket'); }

  // Opens the transport chooseTransport picks (at start, and after each reconnect wait).
  _connect() {
    if (this._closedByUser) return;
    const choice = chooseTransport({
      transports: this.options.transports, wsFailures: this._wsFailures, fallbackAfter: this.options.fallbackAfter,
      wsAvailable: typeof this._WebSocket === 'function',
      sseAvailable: typeof this._EventSource === 'function' && typeof this._fetch === 'function',
    });
    if (choice === 'websocket') return this._openWebSocket();
    if (choice === 'sse') {
      this._enterSse();
      if (this._wsAvailable()) this._scheduleWsRetry();  // and keep trying the WebSocket
      return;
    }
    const err = new RtError('NO_TRANSPORT', `none of the transports ${JSON.stringify(this.options.transports)} ` +
                                            'is available in this environment (WebSocket, or EventSource and fetch)');
    this._closedError = err;
    this._failAll(err);
    this._setState('closed', { code: err.code, reason: err.message });
  }

  async _openWebSocket() {
    if (this._closedByUser || this._ws || this._wsOpening) return;  // one attempt at a time
    this._wsOpening = true;
    let ws;
    try {
      ws = new this._WebSocket(await this._url());
    } catch (e) {
      return this._onWsFailed({ code: 1006, reason: String(e) });
    } finally {
      this._wsOpening = false;
    }
    if (this._closedByUser) return ws.close(1000);
    this._ws = ws;
    let opened = false;
    const openTimer = setTimeout(() => {  // the handshake's bytes went nowhere: give this attempt up
      if (this._ws !== ws) return;
      this._ws = null;
      try { ws.close(); } catch { /* closing a socket that never opened */ }
      this._onWsFailed({ code: 1006, reason: `not open after ${this.options.openTimeoutMs} ms` });
    }, this.options.openTimeoutMs);
    ws.onopen = () => {
      if (this._ws !== ws) return;
      opened = true;
      clearTimeout(openTimer);
      this._onWsOpen();
    };
    ws.onmessage = (ev) => {
      if (this._ws !== ws) return;
      this._lastReceived = Date.now();  // anything at all answers a liveness ping
      this._pingSentAt = null;
      this._handle(ev.data);
    };
    ws.onclose = (ev) => {
      clearTimeout(openTimer);
      if (this._ws === ws) this._onWsClosed(ev, opened);
    };
  }

  // The current WebSocket is gone (closed, or given up by the liveness check).
  _onWsClosed(ev, opened) {
    this._ws = null;
    this._wsLive = false;
    clearTimeout(this._liveTimer);
    this._failPending(new RtError('DISCONNECTED', `the connection closed (${ev.code}) before the reply`));
    if (this._closedByUser) return;
    if (ev.code === 4001) {  // the token is not accepted: asking again cannot help (docs/protocol.md §7)
      this._closedError = new RtError('AUTH_REQUIRED', ev.reason || 'the token was refused');
      this._failAll(this._closedError);
      this._setState('closed', { code: ev.code, reason: ev.reason });
      return;
    }
    if (!opened) return this._onWsFailed(ev);
    this._scheduleReconnect(ev);
  }

  // The open WebSocket's liveness check (livenessStep): a `ping` when it has been silent for
  // pingIntervalMs; when not even that is answered within pongTimeoutMs, the network died without
  // a close (a laptop that slept, a NAT that forgot the connection): the socket is given up —
  // without waiting for its close, which may never come — and the client reconnects and resumes.
  _checkLiveness(ws) {
    const { pingIntervalMs, pongTimeoutMs } = this.options;
    if (this._ws !== ws || !this._wsLive || !(pingIntervalMs > 0)) return;
    const now = Date.now();
    const step = livenessStep({ now, lastReceived: this._lastReceived, pingSentAt: this._pingSentAt, pingIntervalMs, pongTimeoutMs });
    if (step.action === 'dead') return this._dropWs(ws, `no message within ${pongTimeoutMs} ms of a ping`);
    if (step.action === 'ping') {
      this._pingSentAt = now;
      this._send({ type: 'ping' });  // its `pong` (no id) is ignored by _handle: arriving is enough
    }
    this._liveTimer = setTimeout(() => this._checkLiveness(ws), step.delay);
  }

  // Gives an open WebSocket up without waiting for its close event (code 1006, `reason`): the
  // client reconnects (or waits for 'online') and resumes with since.
  _dropWs(ws, reason) {
    this._onWsClosed({ code: 1006, reason }, true);
    try { ws.close(); } catch { /* a dead socket */ }
  }

  _onWsOpen() {
    this._attempt = 0;
    this._wsFailures = 0;
    this._wsLive = true;
    this._lastReceived = Date.now();
    this._pingSentAt = null;
    clearTimeout(this._liveTimer);
    this._checkLiveness(this._ws);
    if (this.transport === 'sse') this._leaveSse();
    this.transport = 'websocket';
    this._setState('open');
    for (const sub of this.subscriptions.values()) this._sendSubscribe(sub);  // with since: no loss, no repeat
    for (const p of this.presences.values()) {
      p.available = true;
      if (p.joined) p.join(p.meta);
    }
    this._flush();  // the queued publishes, in the order they were made
  }

  // A WebSocket that never opened: counts towards the SSE fallback (unless the browser is offline).
  _onWsFailed(ev) {
    if (this._closedByUser) return;
    if (this._online()) this._wsFailures += 1;
    if (this.transport === 'sse') return this._scheduleWsRetry();
    this._scheduleReconnect(ev);
  }

  _scheduleReconnect(ev) {
    for (const sub of this.subscriptions.values()) sub.resuming = true;
    this._setState(this._online() ? 'reconnecting' : 'offline', { code: ev.code, reason: ev.reason });
    clearTimeout(this._retryTimer);
    const delay = backoffDelay(this._attempt++, this.options.backoffBaseMs, this.options.backoffCapMs);
    this._retryTimer = setTimeout(() => this._connect(), delay);
  }

  // On SSE: the next background attempt to open the WebSocket.
  _scheduleWsRetry() {
    clearTimeout(this._retryTimer);
    const delay = backoffDelay(this._attempt++, this.options.backoffBaseMs, this.options.backoffCapMs);
    this._retryTimer = setTimeout(() => this._openWebSocket(), delay);
  }

  _reconnectNow() {
    clearTimeout(this._retryTimer);
    if (this.transport === 'sse') {
      for (const [key, retry] of this._streamRetries) {  // streams waiting to be reopened: now
        clearTimeout(retry.timer);
        const sub = this.subscriptions.get(key);
        if (sub) this._openStream(sub);
      }
      this._streamCheck();
      if (this._wsAvailable()) this._openWebSocket();
      return;
    }
    this._setState('reconnecting');
    this._connect();
  }

  _send(message) {
    if (!this._wsLive || !this._ws) return false;
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

  // Sends the queued publishes if the connection is open: over the WebSocket once every REST
  // publish made on SSE has been answered (so none overtakes an older one), else through REST.
  _flush() {
    if (this.state !== 'open' || this._closedByUser || this.queue.length === 0) return;
    if (this.transport === 'sse') {
      for (const item of this.queue.drain()) this._restPublish(item);
    } else if (this._restBusy === 0) {
      for (const item of this.queue.drain()) this._sendPublish(item);
    }
  }

  _sendPublish(item) {
    this._request(item.message, (reply) => {
      if (reply.type === 'published') item.resolve(reply.data);
      else item.reject(new RtError(reply.code ?? 'BAD_REQUEST', reply.message ?? JSON.stringify(reply)));
    }, item.reject);
  }

  // One REST publish, after the ones before it have been answered: HTTP requests on separate
  // connections could otherwise be applied out of order.
  _restPublish(item) {
    this._restBusy += 1;
    this._restChain = this._restChain.then(() => this._restSend(item)).finally(() => {
      this._restBusy -= 1;
      if (this._restBusy === 0) this._flush();
    });
  }

  async _restSend(item) {
    const { entity, operation, data } = item.message;
    let req;
    try { req = restRequest(entity, operation, data); } catch (e) { return item.reject(e); }
    const headers = { Accept: 'application/json' };
    const token = await this._token();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (req.body) headers['Content-Type'] = 'application/json';
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.options.requestTimeoutMs);
    try {
      const res = await this._fetch(httpBase(this.url) + req.path, {
        method: req.method, headers, body: req.body ? JSON.stringify(req.body) : undefined, signal: abort.signal,
      });
      const body = await res.json().catch(() => null);
      if (res.ok) item.resolve(body);
      else item.reject(restError(res.status, body));
    } catch (e) {  // no answer: it may or may not have been applied, as for a WebSocket that drops
      item.reject(abort.signal.aborted
        ? new RtError('TIMEOUT', `no answer to ${req.method} ${req.path} within ${this.options.requestTimeoutMs} ms`)
        : new RtError('DISCONNECTED', `${req.method} ${req.path} failed: ${e.message ?? e}`));
    } finally {
      clearTimeout(timer);
    }
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
    if (this.transport === 'sse') this._openStream(sub);
    else if (this.state === 'open') this._sendSubscribe(sub);
    else sub.resuming = true;
  }

  _unsubscribe(sub) {
    if (this.subscriptions.get(sub.key) !== sub) return;
    this.subscriptions.delete(sub.key);
    if (this.transport === 'sse') {
      this._closeStream(sub);
      this._streamCheck();
      return;
    }
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
    const sub = typeof m.subscription === 'string' ? this.subscriptions.get(m.sid || m.subscription) : undefined;
    if (m.type === 'event') {
      sub?._onEvent(m);
    } else if (m.type === 'events') {  // a batched throttle window: its events in order
      if (sub) for (const e of eventsOfBatch(m)) sub._onEvent(e);
    } else if (m.type === 'subscribed' && m.reason) {  // unasked: the spec reload changed it
      sub?._onResync(m);
    } else if (m.type === 'unsubscribed' && m.reason) {  // unasked: the spec reload removed it
      if (sub) this._ended(sub, m.reason);
    } else if (m.type === 'spec_changed') {
      this._onSpecChanged(m);
    } else if (m.type === 'presence') {
      this.presences.get(m.resource)?._onPresence(m);
    } else if (m.type === 'error') {
      this._emit('error', new RtError(m.code, m.message));
    }
    // Other types: a newer server's; ignored (docs/protocol.md §17).
  }

  // The server ended `sub` (a spec reload removed it): forgotten, its stream closed, never
  // subscribed again; then its 'ended'.
  _ended(sub, reason) {
    if (this.subscriptions.get(sub.key) !== sub) return;
    this.subscriptions.delete(sub.key);
    if (this.transport === 'sse') {
      this._closeStream(sub);
      this._streamCheck();
    }
    sub._onEnded({ reason });
  }

  // A live spec reload: the client's 'spec_changed', once per new version. On SSE every stream
  // brings the same message (one per stream, not one per client); on the WebSocket one comes.
  _onSpecChanged(m) {
    if (m.version !== undefined && m.version === this._specVersion) return;
    this._specVersion = m.version;
    this._emit('spec_changed', { version: m.version, added: m.added ?? [], changed: m.changed ?? [], removed: m.removed ?? [] });
  }

  // ---- SSE: one EventSource per subscription; the browser reconnects each with Last-Event-ID ----

  _enterSse() {
    this.transport = 'sse';
    this._streamsDown = new Set(this.subscriptions.keys());
    for (const p of this.presences.values()) p._unavailable();
    for (const sub of this.subscriptions.values()) this._openStream(sub);
    this._streamCheck();
  }

  // Back on the WebSocket: every stream closed; the subscriptions keep their positions.
  _leaveSse() {
    this._closeAllStreams();
    for (const sub of this.subscriptions.values()) sub.resuming = true;
  }

  _closeAllStreams() {
    for (const es of this._streams.values()) es.close();
    for (const retry of this._streamRetries.values()) clearTimeout(retry.timer);
    this._streams.clear();
    this._streamRetries.clear();
    this._streamsDown.clear();
  }

  _closeStream(sub) {
    this._streams.get(sub.key)?.close();
    this._streams.delete(sub.key);
    clearTimeout(this._streamRetries.get(sub.key)?.timer);
    this._streamRetries.delete(sub.key);
    this._streamsDown.delete(sub.key);
  }

  // The state on SSE: open when every stream is open (then the queue is sent through REST).
  _streamCheck() {
    if (this.transport !== 'sse' || this._closedByUser || this.state === 'closed') return;
    if (this._streamsDown.size === 0) {
      this._setState('open');
      this._flush();
    } else {
      this._setState(this._online() ? 'reconnecting' : 'offline');
    }
  }

  // Opens (or reopens) the EventSource of `sub`, resuming from its position with ?since=.
  async _openStream(sub) {
    const retry = this._streamRetries.get(sub.key);
    this._closeStream(sub);
    if (retry) this._streamRetries.set(sub.key, { timer: null, attempt: retry.attempt });
    this._streamsDown.add(sub.key);
    sub.resuming = true;
    const token = await this._token();
    if (this.transport !== 'sse' || this._closedByUser || this.subscriptions.get(sub.key) !== sub ||
        this._streams.has(sub.key)) return;
    const url = sseUrl(this.url, sub, token);
    const es = new this._EventSource(url);
    // The browser must not reconnect with a token known to have expired since: with getToken,
    // rt.js reopens the stream itself with a new one, resuming with since (the replay buffer).
    // (A token getToken hands out already expired is refused like any bad token: no loop.)
    const openedAt = Date.now();
    const renewable = () => {
      const exp = jwtExpiryMs(token);
      return Boolean(this.options.getToken) && exp !== null && exp > openedAt && exp <= Date.now();
    };
    this._streams.set(sub.key, es);
    const current = () => this._streams.get(sub.key) === es;
    const subscribed = (ev) => {
      const m = parseJson(ev.data);
      if (!current() || m?.type !== 'subscribed') return;
      this._streamRetries.delete(sub.key);
      if (m.reason) sub._onResync(m);  // unasked: a spec reload redefined it (a new epoch)
      else sub._onSubscribed(m);
    };
    es.onopen = () => {
      if (!current()) return;
      this._streamsDown.delete(sub.key);
      this._streamCheck();
    };
    es.addEventListener('snapshot', subscribed);
    es.addEventListener('resumed', subscribed);
    es.addEventListener('change', (ev) => {
      const m = parseJson(ev.data);
      if (current() && m?.type === 'event') sub._onEvent(m);
    });
    es.addEventListener('spec_changed', (ev) => {
      const m = parseJson(ev.data);
      if (current() && m?.type === 'spec_changed') this._onSpecChanged(m);
    });
    es.addEventListener('error', (ev) => {
      if (!current()) return;
      if (typeof ev.data === 'string') {  // the server's `event: error`, before it ends the stream
        const m = parseJson(ev.data);
        // NORMAL: a spec reload ended the subscription (removed, or this subscriber refused under
        // its new definition). Closed before the browser would reconnect: it is not asked again.
        if (m?.code === sseEndedBySpecReload) return this._ended(sub, 'spec_changed');
        if (m?.code === sseTokenExpired) return this._streamExpired(sub, m);
        this._emit('error', new RtError(m?.error ?? 'INTERNAL', m?.message ?? ev.data));
        return;
      }
      // The stream broke. The browser reconnects by itself with Last-Event-ID (readyState
      // CONNECTING), unless the server answered with an error status (CLOSED): then rt.js asks why.
      // Either way, a JWT that has expired meanwhile is replaced first (getToken).
      sub.resuming = true;
      this._streamsDown.add(sub.key);
      this._streamCheck();
      if (renewable()) {
        es.close();
        this._retryStream(sub);
      } else if (es.readyState === eventSourceClosed) {
        this._streamRefused(sub, es, url);
      }
    });
  }

  // The server ended the stream because its JWT expired (4002). With getToken: reopened at once
  // with a new token (the client's 'error' is not told: nothing failed). Without: the token cannot
  // be renewed, so the stream is closed before the browser would retry it in vain, and the
  // subscription gets the error (as a stream the server refuses).
  _streamExpired(sub, m) {
    if (this.options.getToken) return this._openStream(sub);
    this._closeStream(sub);
    const err = new RtError(m.error ?? 'TOKEN_EXPIRED', m.message ?? 'token expired');
    this._emit('error', err);
    sub._emit('error', err);
    this._streamCheck();
  }

  // Reopens the stream of `sub` after the backoff of its attempts so far.
  _retryStream(sub) {
    const attempt = this._streamRetries.get(sub.key)?.attempt ?? 0;
    const timer = setTimeout(() => this._openStream(sub),
                             backoffDelay(attempt, this.options.backoffBaseMs, this.options.backoffCapMs));
    this._streamRetries.set(sub.key, { timer, attempt: attempt + 1 });
  }

  // The browser gave up on `url`. A GET tells why: a 4xx with an error body ends this stream with
  // the subscription's 'error' (as a refused WebSocket subscribe does); anything else (the server
  // away, 5xx, 429) reopens it after a backoff, resuming from the subscription's position.
  async _streamRefused(sub, es, url) {
    const err = await this._probeStream(url);
    if (this._streams.get(sub.key) !== es) return;
    es.close();
    if (err) {
      this._streams.delete(sub.key);
      this._streamsDown.delete(sub.key);
      this._streamRetries.delete(sub.key);
      sub._emit('error', err);
      this._streamCheck();
      return;
    }
    this._retryStream(sub);
  }

  // null when the request can succeed (2xx, 5xx, 429, no answer), else the RtError of the body.
  async _probeStream(url) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.options.requestTimeoutMs);
    try {
      const res = await this._fetch(url, { headers: { Accept: 'text/event-stream' }, signal: abort.signal });
      if (res.ok || res.status >= 500 || res.status === 429) return null;
      return restError(res.status, await res.json().catch(() => null));
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
      abort.abort();  // a stream that opened this time is not read
    }
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

function parseJson(text) {
  try {
    const v = JSON.parse(text);
    return v !== null && typeof v === 'object' ? v : null;
  } catch {
    return null;
  }
}

/**
 * Opens a client: connect(url, { token | getToken, transports, fallbackAfter, backoffBaseMs,
 * backoffCapMs, queueLimit, requestTimeoutMs, openTimeoutMs, pingIntervalMs, pongTimeoutMs }).
 * `url` is the WebSocket URL (ws://HOST:PORT/live); SSE and REST use the same host and port.
 */
export function connect(url, options = {}) {
  return new RtClient(url, options);
}
