// An EventSource the unit tests drive, shared by web/test/transports.test.js and
// web/test/liveness.test.js: readyState 0 connecting, 1 open, 2 closed (as the browser's); every
// instance is kept in FakeEventSource.all.
export class FakeEventSource {
  static all = [];
  constructor(url) { this.url = url; this.readyState = 0; this.listeners = {}; FakeEventSource.all.push(this); }
  addEventListener(type, fn) { (this.listeners[type] ??= []).push(fn); }
  close() { this.readyState = 2; this.closed = true; }
  open() { this.readyState = 1; this.onopen?.({}); }
  event(type, data) { for (const fn of this.listeners[type] ?? []) fn({ type, data: JSON.stringify(data) }); }
  broken(closed = false) {  // the browser's own error event: reconnecting (0) or given up (2)
    this.readyState = closed ? 2 : 0;
    for (const fn of this.listeners.error ?? []) fn({ type: 'error' });
  }
  get params() { return Object.fromEntries(new URL(this.url).searchParams); }
}
