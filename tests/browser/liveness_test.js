#!/usr/bin/env node
// Browser test (CTest "browser:ws-liveness"): rt.js notices a WebSocket whose network died
// silently. The page's rt.js client (pingIntervalMs 1000, pongTimeoutMs 1000) connects through
// `rt partition proxy`; rows inserted through REST every 250 ms keep the connection busy (no ping
// may be sent then); the proxy then blackholes it (no FIN, no RST: to the browser the socket stays
// open) and rows are inserted meanwhile. Checked: rt.js pings, gets nothing, gives the socket up
// (state reconnecting, code 1006) within pingIntervalMs + pongTimeoutMs of the last message plus a
// margin; after the heal it resumes with since: a recovered resume, the change seqs consecutive,
// the rows the server's.
// Usage: node liveness_test.js RT_BINARY SOURCE_DIR. Exit 0 / 1 / 77 (skipped: no chromium or
// playwright-core).
'use strict';
const fs = require('fs');
const path = require('path');
const { loadChromium, startServer, startProxy, rest, stop, checker, gardenSpec, writeSpec } = require('./browser_support');

const [rtBinary] = process.argv.slice(2).map((p) => path.resolve(p));
const { chromium, executablePath } = loadChromium();
const { check, finish } = checker();
const waitMs = 10000;


async function main() {
  const t0 = Date.now();
  const { dir, specPath } = writeSpec('rt-liveness-', gardenSpec);
  const server = await startServer(rtBinary, specPath);
  let proxy = null;
  let browser = null;
  try {
    proxy = await startProxy(rtBinary, server.base);
    browser = await chromium.launch({ executablePath, timeout: 30000 });
    const page = await (await browser.newContext()).newPage();
    // When the page sent a `ping` frame, on the page's clock (the one its change times use): a
    // timestamp taken in this process when the devtools event arrives can be late by more than the
    // gap to the next change on a loaded machine.
    await page.addInitScript(() => {
      window.__pings = [];
      const send = WebSocket.prototype.send;
      WebSocket.prototype.send = function (data) {
        if (typeof data === 'string' && data.includes('"type":"ping"')) window.__pings.push(performance.timeOrigin + performance.now());
        return send.call(this, data);
      };
    });
    const pagePings = () => page.evaluate(() => window.__pings);
    await page.goto(`${proxy.base}/rt.js`);  // any page of the (proxied) server's origin
    await page.evaluate(async () => {
      const { connect } = await import('/rt.js');
      const r = window.__r = { seqs: [], resumed: [], states: [], snapshotSeq: null, lastMessage: 0, changeTimes: [] };
      const c = window.__c = connect(`ws://${location.host}/live`, { transports: ['websocket'], pingIntervalMs: 1000, pongTimeoutMs: 1000 });
      c.on('state', ({ state, code }) => r.states.push({ state, code, at: performance.timeOrigin + performance.now() }));
      const sub = window.__sub = c.subscribe('AllPlants');
      sub.on('snapshot', ({ seq }) => { r.snapshotSeq ??= seq; });
      sub.on('change', ({ seq }) => {
        r.seqs.push(seq);
        r.lastMessage = performance.timeOrigin + performance.now();
        r.changeTimes.push(r.lastMessage);
      });
      sub.on('resumed', ({ recovered }) => r.resumed.push(recovered));
    });
    await page.waitForFunction(() => window.__r.snapshotSeq !== null && window.__c.state === 'open', null, { timeout: waitMs });
    const ids = [];
    const insert = async () => {
      const id = `p${ids.length + 1}`;
      const res = await rest(server.base, 'POST', '/api/Plant', { id, name: id });
      if (res.status !== 201 && res.status !== 200) throw new Error(`POST /api/Plant: ${res.status} ${JSON.stringify(res.body)}`);
      ids.push(id);
    };
    // Busy: a change every 250 ms for 2.5 s, each one seen, and no ping.
    for (let i = 0; i < 10; ++i) {
      await insert();
      await new Promise((r) => setTimeout(r, 250));
    }
    await page.waitForFunction((n) => window.__r.seqs.length === n, ids.length, { timeout: waitMs });
    // The contract is "no ping while messages arrive more often than pingIntervalMs": a loaded
    // machine may leave a gap of a second between two changes, and then a ping is right. So every
    // ping of the busy phase must follow at least ~pingIntervalMs without a message.
    const times = await page.evaluate(() => window.__r.changeTimes);
    const pings = await pagePings();
    const early = pings.filter((at) => {
      const before = times.filter((t) => t <= at);
      return before.length > 0 && at - before[before.length - 1] < 1000 - 50;
    });
    const busyPings = pings.length;
    check(early.length === 0, `a busy connection is never pinged (${busyPings} ping(s) in ${ids.length} changes, ` +
          `${early.length} sent less than pingIntervalMs after a message)`);
    // Silent death: the proxy drops every byte both ways, closing nothing.
    await proxy.fault('blackhole');
    const faultAt = Date.now();
    for (let i = 0; i < 3; ++i) await insert();
    const noticed = await page.waitForFunction(() => window.__c.state === 'reconnecting', null, { timeout: waitMs })
      .then(() => true, () => false);
    const noticedAt = Date.now();
    await proxy.heal();
    const seenBefore = await page.evaluate(() => ({ lastMessage: window.__r.lastMessage, states: window.__r.states }));
    const down = seenBefore.states.find((s) => s.state === 'reconnecting');
    const afterLast = down ? down.at - seenBefore.lastMessage : NaN;
    // Not before pingIntervalMs + pongTimeoutMs of silence (the contract); the upper bound is loose
    // (a loaded machine), the ping after the fault shows the liveness check did it.
    check(noticed && down?.code === 1006 && afterLast >= 2000 - 100 && afterLast < 2000 + 6000,
          `the silent socket was given up ${afterLast.toFixed(0)} ms after its last message ` +
          `(${noticedAt - faultAt} ms after the blackhole; pingIntervalMs + pongTimeoutMs = 2000 ms), code ${down?.code}`);
    const silentPings = (await pagePings()).slice(busyPings).filter((at) => at >= faultAt).length;
    check(silentPings >= 1, `rt.js pinged the silent socket (${silentPings} ping(s) after the blackhole)`);
    const caughtUp = await page.waitForFunction((n) => window.__sub.rows.size === n && window.__c.state === 'open', ids.length,
                                                { timeout: waitMs }).then(() => true, () => false);
    const seen = await page.evaluate(() => ({ ...window.__r, rows: [...window.__sub.rows.keys()].sort() }));
    check(caughtUp && seen.resumed.length === 1 && seen.resumed[0] === true,
          `after the heal it resumed with since, recovered (${JSON.stringify(seen.resumed)})`);
    const consecutive = seen.seqs.every((s, i) => s === seen.snapshotSeq + 1 + i);
    check(consecutive && seen.seqs.length === ids.length,
          `the change seqs are consecutive: nothing lost or twice (${seen.seqs.length} changes for ${ids.length} rows)`);
    check(JSON.stringify(seen.rows) === JSON.stringify([...ids].sort()), 'the page\'s rows are the server\'s');
  } finally {
    if (browser) await browser.close();
    if (proxy) await stop(proxy.proc);
    await stop(server.proc);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  finish();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
