// A WebSocket the unit tests drive, shared by web/test/rt.test.js and web/test/transports.test.js
// (kept out of web/test/, where node --test runs every file): every instance is kept in
// FakeSocket.all, what the client sends is parsed into `sent`, and the test opens it, feeds it
// server messages, drops it or closes it.
export class FakeSocket {
  static all = [];
  constructor(url) {
    this.url = url;
    this.sent = [];
    FakeSocket.all.push(this);
  }
  send(text) { this.sent.push(JSON.parse(text)); }
  close(code) { this.onclose?.({ code, reason: '' }); }
  open() { this.onopen?.(); }
  receive(m) { this.onmessage?.({ data: JSON.stringify(m) }); }
  drop(code = 1006) { this.onclose?.({ code, reason: 'dropped' }); }
  last(type) { return [...this.sent].reverse().find((m) => m.type === type); }
}
