#!/usr/bin/env node
// Browser test (CTest "browser:pages"): the pages rt serve embeds, in Debian's chromium.
// - /demo/kanban in two browser contexts: a card moved in one moves in the other; the page-to-page
//   latency of 100 moves is printed (p50/p99); presence shows both users; the banner shows while the
//   server is down, and the page catches up after it restarts on the same port and --db.
// - / (the live inspector) on a spec other than kanban: subscribe with a filter, rows appear, change
//   and leave as REST writes them; the event log shows each seq.
// Usage: node pages_test.js RT_BINARY SOURCE_DIR. Exit 0 / 1 / 77 (skipped: no chromium or playwright-core).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { loadChromium, startServer, rest, percentile, measureMoves, describeLatency, checker } = require('./browser_support');

const [rtBinary, sourceDir] = process.argv.slice(2).map((p) => path.resolve(p));
const { chromium, executablePath } = loadChromium();
const { check, finish } = checker();

const librarySpec = `app Library {
  entity Book {
    attr title: string
    attr shelf: string
    attr state: "in" | "out"
  }
  view OnShelf: Book where state == "in"
  subscription Shelf: view OnShelf
  subscription BookPage: Book by id
}
`;

async function kanban(browser, dir) {
  const db = path.join(dir, 'kanban.db');
  let server = await startServer(rtBinary, path.join(sourceDir, 'scenarios/kanban.spec'), ['--db', db]);
  const board = 'bpages';
  const created = await rest(server.base, 'POST', '/api/Task', { id: 'card1', title: 'Write docs', status: 'todo', board, priority: 1 });
  check(created.status === 201, `REST creates the card (${created.status})`);
  const a = await (await browser.newContext()).newPage();
  const b = await (await browser.newContext()).newPage();
  const at = (page, status) => page.locator(`.column[data-status="${status}"] .card[data-id="card1"]`);
  await a.goto(`${server.base}/demo/kanban?board=${board}&user=alice`);
  await b.goto(`${server.base}/demo/kanban?board=${board}&user=bob`);
  await at(a, 'todo').waitFor({ timeout: 10000 });
  await at(b, 'todo').waitFor({ timeout: 10000 });
  check(true, 'both pages show the card in todo');
  await b.waitForFunction(() => document.querySelectorAll('#avatars span').length === 2, null, { timeout: 10000 })
    .then(() => check(true, 'presence: bob sees two people on the board'), () => check(false, 'presence: bob sees two people'));

  const latencies = await measureMoves(a, b, 'card1', 100);
  if (latencies.length) console.log(`page-to-page latency over ${latencies.length} moves (WebSocket): ${describeLatency(latencies)}`);
  check(latencies.length === 100 && percentile(latencies, 99) < 1000, `every move reached the other page, p99 under 1 s (${latencies.length} moves)`);

  // The server goes away: the banner says so; it comes back on the same port and store.
  const port = new URL(server.base).port;
  server.proc.kill('SIGTERM');
  await new Promise((r) => server.proc.on('exit', r));
  await a.locator('[data-testid="banner"].show').waitFor({ timeout: 10000 })
    .then(() => check(true, 'the banner shows while the server is down'), () => check(false, 'the banner shows while the server is down'));
  server = await startServer(rtBinary, path.join(sourceDir, 'scenarios/kanban.spec'), ['--db', db, '--listen', `127.0.0.1:${port}`]);
  await rest(server.base, 'POST', '/api/Task', { id: 'card2', title: 'After restart', status: 'doing', board, priority: 1 });
  await a.locator('.column[data-status="doing"] .card[data-id="card2"]').waitFor({ timeout: 15000 })
    .then(() => check(true, 'after the restart, a card made meanwhile shows up'), () => check(false, 'after the restart, the new card shows up'));
  const cards = await a.locator('.card').count();
  check(cards === 2, `no duplicate cards after the reconnect (${cards})`);
  check(!(await a.locator('[data-testid="banner"].show').count()), 'the banner is gone once reconnected');
  await a.context().close();
  await b.context().close();
  server.proc.kill('SIGTERM');
}

async function inspector(browser, dir) {
  const spec = path.join(dir, 'library.spec');
  fs.writeFileSync(spec, librarySpec);
  const server = await startServer(rtBinary, spec);
  const page = await (await browser.newContext()).newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(`${server.base}/`);
  await page.locator('[data-testid="subscription"] option[value="Shelf"]').waitFor({ state: 'attached', timeout: 10000 });
  await page.selectOption('[data-testid="subscription"]', 'Shelf');
  await page.fill('#filters input[name="shelf"]', 's1');
  await page.click('[data-testid="subscribe"]');
  await page.locator('[data-testid="position"]', { hasText: ':0' }).waitFor({ timeout: 10000 });
  await rest(server.base, 'POST', '/api/Book', { id: 'bk1', title: 'Dune', shelf: 's1', state: 'in' });
  await rest(server.base, 'POST', '/api/Book', { id: 'bk2', title: 'Emma', shelf: 's2', state: 'in' });
  await page.locator('tr[data-id="bk1"]').waitFor({ timeout: 10000 });
  check(await page.locator('tr[data-id="bk1"]').textContent().then((t) => t.includes('Dune')), 'inspector: the inserted row is in the table');
  await rest(server.base, 'PATCH', '/api/Book/bk1', { state: 'out' });
  await page.locator('tr[data-id="bk1"]').waitFor({ state: 'detached', timeout: 10000 })
    .then(() => check(true, 'inspector: a row that leaves the view leaves the table'), () => check(false, 'inspector: the row leaves'));
  const log = await page.locator('[data-testid="log"]').textContent();
  check(log.includes('#1 insert bk1') && log.includes('#2 delete bk1'), `inspector: the event log shows each seq (${log})`);
  check(!(await page.locator('tr[data-id="bk2"]').count()), 'inspector: a row of another shelf never shows');
  check(problems.length === 0, `inspector: no page errors (${problems})`);
  server.proc.kill('SIGTERM');
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-pages-'));
  const browser = await chromium.launch({ executablePath, timeout: 30000 });
  console.log(`chromium ${browser.version()}`);
  try {
    await kanban(browser, dir);
    await inspector(browser, dir);
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  finish();
}

main().catch((e) => {
  console.error(`FAILED: ${e.stack || e}`);
  process.exit(1);
});
