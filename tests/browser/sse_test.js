#!/usr/bin/env node
// Browser test (CTest "browser:sse"): the kanban demo with the WebSocket disabled in the page (an
// init script replaces window.WebSocket with a constructor that throws), so rt.js falls back to SSE.
// - SSE only, through `rt partition proxy`: the snapshot, live changes, a publish through REST;
//   then the stream is cut (blackhole, changes made meanwhile, reset) → the browser's EventSource
//   reconnects with Last-Event-ID → the server replays what was missed: nothing lost, nothing twice
//   (the page's event seqs are consecutive and its rows are the server's).
// - page-to-page latency of 100 moves over the WebSocket and over SSE, in the same run.
// Usage: node sse_test.js RT_BINARY SOURCE_DIR. Exit 0 / 1 / 77 (skipped: no chromium or
// playwright-core, or an rt serve without SSE).
'use strict';
const path = require('path');
const {
  loadChromium, startServer, startProxy, rest, stop, percentile, measureMoves, describeLatency, checker, skip,
} = require('./browser_support');

const [rtBinary, sourceDir] = process.argv.slice(2).map((p) => path.resolve(p));
const { chromium, executablePath } = loadChromium();
const { check, finish } = checker();
const waitMs = 10000;  // any one thing the page must show; seconds are enough on a loaded CI machine

// Runs before the page's scripts: a WebSocket that can never be made (as behind a proxy that blocks
// it); window.__wsAttempts counts the tries.
function disableWebSocket() {
  window.__wsAttempts = 0;
  window.WebSocket = function BlockedWebSocket() {
    window.__wsAttempts += 1;
    throw new Error('WebSocket blocked by the test');
  };
}

async function openBoard(browser, base, board, user, { sseOnly }) {
  const context = await browser.newContext();
  if (sseOnly) await context.addInitScript(disableWebSocket);
  const page = await context.newPage();
  await page.goto(`${base}/demo/kanban?board=${board}&user=${user}`);
  await page.locator('[data-testid="state"]', { hasText: 'open' }).waitFor({ timeout: waitMs });
  return page;
}

const shows = (page, what) => page.locator(what).waitFor({ timeout: waitMs }).then(() => true, () => false);
const at = (status, id) => `.column[data-status="${status}"] .card[data-id="${id}"]`;

async function sseOnly(browser, server, proxy) {
  const board = 'bsse';
  await rest(server.base, 'POST', '/api/Task', { id: 's1', title: 'a', status: 'todo', board, priority: 1 });
  await rest(server.base, 'POST', '/api/Task', { id: 's2', title: 'b', status: 'todo', board, priority: 1 });
  const context = await browser.newContext();
  await context.addInitScript(disableWebSocket);
  const page = await context.newPage();
  const lastEventIds = [];  // the Last-Event-ID header of each /sse request the page makes
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/sse') lastEventIds.push(r.allHeaders().then((h) => h['last-event-id'] ?? null));
  });
  await page.goto(`${proxy.base}/demo/kanban?board=${board}&user=alice`);
  check(await shows(page, at('todo', 's1')) && await shows(page, at('todo', 's2')), 'sse: the snapshot shows both cards');
  const info = await page.evaluate(() => ({ transport: document.body.dataset.transport, attempts: window.__wsAttempts,
                                            state: document.querySelector('[data-testid="state"]').textContent }));
  check(info.transport === 'sse' && info.attempts >= 2, `sse: rt.js fell back to SSE after the WebSocket failed (${JSON.stringify(info)})`);
  const start = await page.evaluate(() => {
    window.__seqs = [];
    window.rtTasks.on('change', ({ seq }) => window.__seqs.push(seq));
    return window.rtTasks.seq;  // the snapshot's position
  });

  await rest(server.base, 'PATCH', '/api/Task/s1', { status: 'doing' });
  check(await shows(page, at('doing', 's1')), 'sse: a live change shows');
  await page.click(at('todo', 's2'));  // rt.js publishes through REST (PATCH), on the proxy's port
  check(await shows(page, at('doing', 's2')), 'sse: a move made on the page (REST) comes back on the stream');
  const s2 = (await rest(server.base, 'GET', '/api/Task/s2')).body;
  check(s2?.status === 'doing', `sse: the server stored the page's move (${JSON.stringify(s2)})`);

  // The stream is cut: silent first (the server's events go nowhere), then reset.
  await proxy.fault('blackhole');
  await rest(server.base, 'PATCH', '/api/Task/s1', { status: 'done' });
  await rest(server.base, 'POST', '/api/Task', { id: 's3', title: 'c', status: 'todo', board, priority: 1 });
  await rest(server.base, 'DELETE', '/api/Task/s2');
  check(await page.locator('.card[data-id="s3"]').count() === 0, 'sse: the blackholed page has not seen the changes');
  const requestsBefore = lastEventIds.length;
  await proxy.heal();
  await proxy.fault('reset');
  check(await shows(page, at('done', 's1')) && await shows(page, at('todo', 's3')) &&
        await page.locator('.card[data-id="s2"]').waitFor({ state: 'detached', timeout: waitMs }).then(() => true, () => false),
        'sse: after the reconnect the page shows the three changes made meanwhile');
  const resumeIds = await Promise.all(lastEventIds.slice(requestsBefore));
  check(resumeIds.length >= 1 && (resumeIds[0] ?? '').endsWith(`:${start + 2}`),
        `sse: the EventSource reconnected with Last-Event-ID of the last event it had, seq ${start + 2} (${JSON.stringify(resumeIds)})`);
  const seen = await page.evaluate(() => ({ seqs: window.__seqs, body: { ...document.body.dataset },
                                            rows: [...window.rtTasks.rows.values()] }));
  check(JSON.stringify(seen.seqs) === JSON.stringify([1, 2, 3, 4, 5].map((n) => start + n)),
        `sse: every event once and in order, nothing lost (seqs ${JSON.stringify(seen.seqs)})`);
  check(seen.body.resumesRecovered === '1' && seen.body.resyncs === '0',
        `sse: a recovered resume, not a new snapshot (${JSON.stringify(seen.body)})`);
  const stored = (await rest(server.base, 'GET', '/api/Task?limit=1000')).body.filter((t) => t.board === board);
  const byId = (rows) => JSON.stringify(rows.map((t) => [t.id, t.status]).sort());
  check(byId(seen.rows) === byId(stored), `sse: the page's rows are the server's (${byId(seen.rows)})`);
  check(await page.locator('.card').count() === stored.length, 'sse: no card twice');
  await context.close();
}

async function latency(browser, server) {
  const figures = {};
  for (const [transport, sseOnlyPages] of [['WebSocket', false], ['SSE', true]]) {
    const board = `blat${transport}`;
    const card = `lat${transport}`;
    await rest(server.base, 'POST', '/api/Task', { id: card, title: 'Latency', status: 'todo', board, priority: 1 });
    const a = await openBoard(browser, server.base, board, 'alice', { sseOnly: sseOnlyPages });
    const b = await openBoard(browser, server.base, board, 'bob', { sseOnly: sseOnlyPages });
    await a.locator(at('todo', card)).waitFor({ timeout: waitMs });
    await b.locator(at('todo', card)).waitFor({ timeout: waitMs });
    const used = await Promise.all([a, b].map((p) => p.evaluate(() => document.body.dataset.transport)));
    check(used.every((t) => t === (sseOnlyPages ? 'sse' : 'websocket')), `latency: both pages on ${transport} (${used})`);
    const latencies = await measureMoves(a, b, card, 100);
    figures[transport] = latencies;
    console.log(`page-to-page latency over ${latencies.length} moves (${transport}): ${describeLatency(latencies)}`);
    check(latencies.length === 100 && percentile(latencies, 99) < 1000,
          `latency: every move reached the other page over ${transport}, p99 under 1 s (${latencies.length} moves)`);
    await a.context().close();
    await b.context().close();
  }
  return figures;
}

async function main() {
  const t0 = Date.now();
  const server = await startServer(rtBinary, path.join(sourceDir, 'scenarios/kanban.spec'));
  const features = (await rest(server.base, 'GET', '/api/_info')).body?.features ?? {};
  if (features.sse !== true) {
    await stop(server.proc);
    skip('this rt serve has no SSE endpoint (GET /api/_info features.sse is not true)', 'it came with issue 16');
  }
  const proxy = await startProxy(rtBinary, server.base);
  const browser = await chromium.launch({ executablePath, timeout: 30000 });
  console.log(`chromium ${browser.version()}`);
  try {
    await sseOnly(browser, server, proxy);
    await latency(browser, server);
  } finally {
    await browser.close();
    await stop(proxy.proc);
    await stop(server.proc);
  }
  console.log(`sse test took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  finish();
}

main().catch((e) => {
  console.error(`FAILED: ${e.stack || e}`);
  process.exit(1);
});
