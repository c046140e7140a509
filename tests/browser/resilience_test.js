#!/usr/bin/env node
// Browser test (CTest "browser:resilience"): /demo/kanban loaded through `rt partition proxy`, so the
// test can cut the page's connection while the server stays up (WebSocket transport).
// - cut: the proxy blackholes the connection, moves are made meanwhile through REST (straight to the
//   server), then the proxy resets the connection and refuses new ones → the banner says
//   reconnecting; after heal the page shows every move, no card twice, and rt.js reports a
//   recovered resume (the replay, not a new snapshot).
// - offline queue: the browser goes offline (context.setOffline) and the proxy cuts the connection;
//   cards added on the page meanwhile wait in rt.js's queue and reach the server in the order they
//   were made once the page is back (seen by a second page connected straight to the server).
// Usage: node resilience_test.js RT_BINARY SOURCE_DIR. Exit 0 / 1 / 77 (skipped: no chromium or playwright-core).
'use strict';
const path = require('path');
const { loadChromium, startServer, startProxy, rest, stop, checker } = require('./browser_support');

const [rtBinary, sourceDir] = process.argv.slice(2).map((p) => path.resolve(p));
const { chromium, executablePath } = loadChromium();
const { check, finish } = checker();
const waitMs = 10000;  // any one thing the page must show; seconds are enough on a loaded CI machine

// The kanban page on `board` at `base`, WebSocket only (the SSE fallback has its own test).
async function openBoard(browser, base, board, user) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/demo/kanban?board=${board}&user=${user}&transports=websocket`);
  await page.locator('[data-testid="state"]', { hasText: 'open' }).waitFor({ timeout: waitMs });
  return page;
}

const shows = (page, what) => page.locator(what).waitFor({ timeout: waitMs }).then(() => true, () => false);

async function cutAndHeal(browser, server, proxy) {
  const board = 'bcut';
  await rest(server.base, 'POST', '/api/Task', { id: 'cut1', title: 'a', status: 'todo', board, priority: 1 });
  const page = await openBoard(browser, proxy.base, board, 'alice');
  check(await shows(page, '.column[data-status="todo"] .card[data-id="cut1"]'), 'cut: the page shows the card (through the proxy)');

  await proxy.fault('blackhole');
  const moved = await rest(server.base, 'PATCH', '/api/Task/cut1', { status: 'doing' });
  const added = await rest(server.base, 'POST', '/api/Task', { id: 'cut2', title: 'b', status: 'done', board, priority: 1 });
  check(moved.status === 200 && added.status === 201, `cut: REST moves a card and adds one while the link is silent (${moved.status}, ${added.status})`);
  // The server sent both events into the blackhole: the page must not have them yet.
  check(await page.locator('.card[data-id="cut2"]').count() === 0 &&
        await page.locator('.column[data-status="todo"] .card[data-id="cut1"]').count() === 1,
        'cut: the blackholed page has not seen the moves');

  await proxy.fault('refuse');  // reconnects fail at once until the heal ...
  await proxy.fault('reset');   // ... and the silent connection is cut
  check(await shows(page, '[data-testid="banner"].show'), 'cut: the banner shows while the connection is down');
  check(/Reconnecting/.test(await page.locator('[data-testid="banner"]').textContent()), 'cut: the banner says reconnecting');
  await proxy.heal();

  check(await shows(page, '.column[data-status="doing"] .card[data-id="cut1"]') &&
        await shows(page, '.column[data-status="done"] .card[data-id="cut2"]'), 'cut: after heal the page shows both moves made meanwhile');
  check(await page.locator('.card').count() === 2, `cut: no card twice (${await page.locator('.card').count()} cards)`);
  const body = await page.evaluate(() => ({ ...document.body.dataset }));
  check(body.resumesRecovered === '1' && body.resyncs === '0',
        `cut: rt.js reports one recovered resume and no resync (${JSON.stringify(body)})`);
  check(!(await page.locator('[data-testid="banner"].show').count()), 'cut: the banner is gone once reconnected');
  await page.context().close();
}

async function offlineQueue(browser, server, proxy) {
  const board = 'bqueue';
  const page = await openBoard(browser, proxy.base, board, 'alice');
  // A second page, straight to the server, records the order in which inserts arrive.
  const watcher = await openBoard(browser, server.base, board, 'bob');
  await watcher.evaluate(() => {
    window.__arrived = [];
    window.rtTasks.on('change', ({ operation, row, seq }) => { if (operation === 'insert') window.__arrived.push([row.title, seq]); });
  });

  await page.context().setOffline(true);
  await proxy.fault('refuse');
  await proxy.fault('reset');
  check(await shows(page, '[data-testid="banner"].show'), 'queue: the banner shows while offline');
  const state = await page.locator('[data-testid="state"]').textContent();
  check(state === 'offline', `queue: the page says offline (${state})`);
  const titles = ['q1', 'q2', 'q3', 'q4', 'q5'];
  for (const title of titles) {
    await page.fill('[data-testid="new-title"]', title);
    await page.click('[data-testid="add"]');
  }
  const waiting = await page.evaluate(() => window.rtClient.queue.length);
  check(waiting === titles.length, `queue: the ${titles.length} cards added offline wait in rt.js's queue (${waiting})`);
  const early = await rest(server.base, 'GET', '/api/Task?limit=1000');
  check(early.body.filter((t) => t.board === board).length === 0, 'queue: none reached the server while offline');

  await proxy.heal();
  await page.context().setOffline(false);
  const arrived = await watcher.waitForFunction((n) => window.__arrived.length >= n && window.__arrived, titles.length, { timeout: waitMs })
    .then((h) => h.jsonValue(), () => watcher.evaluate(() => window.__arrived));
  check(JSON.stringify(arrived.map(([t]) => t)) === JSON.stringify(titles),
        `queue: the server got them in the order they were made (${JSON.stringify(arrived)})`);
  check(arrived.every(([, seq], i) => i === 0 || seq === arrived[i - 1][1] + 1), 'queue: as consecutive events of the stream');
  check(await shows(page, '.column[data-status="todo"] .card >> text=q5') && await page.locator('.card').count() === titles.length,
        'queue: the page that made them shows each once');
  const stored = (await rest(server.base, 'GET', '/api/Task?limit=1000')).body.filter((t) => t.board === board);
  check(stored.length === titles.length, `queue: each stored once (${stored.length} rows)`);
  await page.context().close();
  await watcher.context().close();
}

async function main() {
  const t0 = Date.now();
  const server = await startServer(rtBinary, path.join(sourceDir, 'scenarios/kanban.spec'));
  const proxy = await startProxy(rtBinary, server.base);
  const browser = await chromium.launch({ executablePath, timeout: 30000 });
  console.log(`chromium ${browser.version()}`);
  try {
    await cutAndHeal(browser, server, proxy);
    await offlineQueue(browser, server, proxy);
  } finally {
    await browser.close();
    await stop(proxy.proc);
    await stop(server.proc);
  }
  console.log(`resilience test took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  finish();
}

main().catch((e) => {
  console.error(`FAILED: ${e.stack || e}`);
  process.exit(1);
});
