#!/usr/bin/env node
// Browser test (CTest "browser:spec-reload"): a live spec reload (SIGHUP to rt serve) seen by two
// pages, one on the WebSocket and one forced onto SSE (window.WebSocket replaced by a constructor
// that throws, as in sse_test.js). Each page is the inspector (`/`) showing one subscription, plus
// an rt.js client of its own holding the subscription the reload changes and the one it removes.
// The new spec changes Harvest's view `where`, removes Sowing and adds AllPlants. On both pages:
// spec_changed once, with the version /api/_info then reports; Harvest's rows rebuilt to exactly
// the new view's rows (new epoch, 'resynced' with reason 'spec_changed'), and a change made after
// the reload applies in the new epoch; Sowing 'ended' ('spec_changed'), forgotten, its stream not
// reopened; the inspector's banner names what changed, its list holds the new subscriptions, and
// its table shows the new rows.
// Usage: node spec_reload_test.js RT_BINARY SOURCE_DIR. Exit 0 / 1 / 77 (skipped: no chromium or
// playwright-core, or an rt serve without SSE or spec reload).
'use strict';
const fs = require('fs');
const path = require('path');
const { loadChromium, startServer, rest, stop, checker, skip, writeSpec } = require('./browser_support');

const [rtBinary] = process.argv.slice(2).map((p) => path.resolve(p));
const { chromium, executablePath } = loadChromium();
const { check, finish } = checker();
const waitMs = 10000;  // any one thing a page must show; seconds are enough on a loaded CI machine

const specBefore = `app Garden {
  entity Plant {
    attr name: string
    attr state: "seed" | "grown"
  }
  view Ready: Plant where state == "grown"
  view Seeds: Plant where state == "seed"
  subscription Harvest: view Ready
  subscription Sowing: view Seeds
  subscription PlantPage: Plant by id
}
`;
// Harvest's view now keeps the seeds; Sowing (and its view) goes; AllPlants comes.
const specAfter = `app Garden {
  entity Plant {
    attr name: string
    attr state: "seed" | "grown"
  }
  view Ready: Plant where state == "seed"
  subscription Harvest: view Ready
  subscription PlantPage: Plant by id
  subscription AllPlants: Plant
}
`;
const plants = [['p1', 'seed'], ['p2', 'grown'], ['p3', 'grown'], ['p4', 'seed']];
const grownIds = ['p2', 'p3'];
const seedIds = ['p1', 'p4'];

// Runs before the page's scripts: a WebSocket that can never be made (as behind a proxy that blocks it).
function disableWebSocket() {
  window.WebSocket = function BlockedWebSocket() { throw new Error('WebSocket blocked by the test'); };
}

const waited = (promise) => promise.then(() => true, () => false);

// The inspector on Harvest, and a client of the page's own on Harvest and Sowing recording what it
// is told (window.__r). Resolves with {page, label, sseSubscriptions (the /sse requests' names)}.
async function openPage(browser, base, label, sseOnly) {
  const context = await browser.newContext();
  if (sseOnly) await context.addInitScript(disableWebSocket);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  const sseSubscriptions = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname === '/sse') sseSubscriptions.push(u.searchParams.get('subscription'));
  });
  await page.goto(`${base}/`);
  await page.locator('[data-testid="subscription"] option[value="Harvest"]').waitFor({ state: 'attached', timeout: waitMs });
  await page.selectOption('[data-testid="subscription"]', 'Harvest');
  await page.click('[data-testid="subscribe"]');
  await page.evaluate(async () => {
    const { connect } = await import('/rt.js');
    const r = window.__r = { specs: [], resynced: [], ended: [], errors: [] };
    const c = window.__c = connect(`ws://${location.host}/live`);
    c.on('spec_changed', (s) => r.specs.push(s));
    c.on('error', (e) => r.errors.push(e.code));
    const h = window.__h = c.subscribe('Harvest');
    h.on('resynced', ({ reason, epoch }) => r.resynced.push({ reason, epoch }));
    const s = window.__s = c.subscribe('Sowing');
    s.on('ended', ({ reason }) => r.ended.push(reason));
    for (const sub of [h, s]) sub.on('error', (e) => r.errors.push(`${sub.name}: ${e.code}`));
  });
  const ready = await waited(page.waitForFunction(
    () => window.__c.state === 'open' && window.__h.epoch !== null && window.__s.epoch !== null &&
          document.querySelector('[data-testid="position"]').textContent.includes(':'),
    null, { timeout: waitMs }));
  const transport = await page.evaluate(() => window.__c.transport);
  check(ready && transport === (sseOnly ? 'sse' : 'websocket'),
        `${label}: the inspector and the page's client have their snapshots, on ${transport}`);
  return { page, label, sseSubscriptions, problems };
}

const rowIds = (page) => page.evaluate(() => ({
  client: [...window.__h.rows.keys()].sort(),
  inspector: [...document.querySelectorAll('[data-testid="rows"] tr[data-id]')].map((tr) => tr.dataset.id).sort(),
}));

async function main() {
  const t0 = Date.now();
  const { dir, specPath } = writeSpec('rt-spec-reload-', specBefore);
  const server = await startServer(rtBinary, specPath);
  let browser = null;
  try {
    const info = (await rest(server.base, 'GET', '/api/_info')).body ?? {};
    if (info.features?.sse !== true || typeof info.spec_version !== 'string') {
      await stop(server.proc);
      skip('this rt serve has no SSE or no live spec reload (GET /api/_info features.sse, spec_version)', 'build rt from this tree');
    }
    for (const [id, state] of plants) await rest(server.base, 'POST', '/api/Plant', { id, name: `plant ${id}`, state });
    browser = await chromium.launch({ executablePath, timeout: 30000 });
    console.log(`chromium ${browser.version()}`);
    const pages = await Promise.all([openPage(browser, server.base, 'websocket', false),
                                     openPage(browser, server.base, 'sse', true)]);
    const before = [];
    for (const p of pages) {
      const ids = await rowIds(p.page);
      check(JSON.stringify(ids.client) === JSON.stringify(grownIds) && JSON.stringify(ids.inspector) === JSON.stringify(grownIds),
            `${p.label}: before the reload Harvest holds the grown plants (${JSON.stringify(ids)})`);
      before.push(await p.page.evaluate(() => window.__h.epoch));
    }

    // The reload: the file rewritten, then SIGHUP to this server (by its PID).
    fs.writeFileSync(specPath, specAfter);
    const tReload = Date.now();
    server.proc.kill('SIGHUP');
    const told = await Promise.all(pages.map((p) => waited(p.page.waitForFunction(
      () => window.__r.specs.length >= 1 && window.__r.resynced.length >= 1 && window.__r.ended.length >= 1,
      null, { timeout: waitMs }))));
    console.log(`both pages told of the reload within ${Date.now() - tReload} ms of SIGHUP`);
    const version = (await rest(server.base, 'GET', '/api/_info')).body?.spec_version;
    check(version && version !== info.spec_version, `the server reports a new spec version (${info.spec_version} → ${version})`);

    for (const [i, p] of pages.entries()) {
      check(told[i], `${p.label}: spec_changed, Harvest resynced and Sowing ended arrived`);
      const seen = await p.page.evaluate(() => ({
        r: window.__r, epoch: window.__h.epoch, seq: window.__h.seq, sowingEnded: window.__s.ended,
        subscriptions: [...window.__c.subscriptions.keys()],
        sowingStream: window.__c._streams.has('Sowing') || window.__c._streamRetries.has('Sowing'),
      }));
      check(JSON.stringify(seen.r.specs) === JSON.stringify([{ version, added: ['AllPlants'], changed: ['Harvest'], removed: ['Sowing'] }]),
            `${p.label}: spec_changed once, with the new version and what changed (${JSON.stringify(seen.r.specs)})`);
      check(seen.r.resynced.length === 1 && seen.r.resynced[0].reason === 'spec_changed' && seen.epoch !== before[i] &&
            seen.r.resynced[0].epoch === seen.epoch,
            `${p.label}: Harvest resynced with reason spec_changed in a new epoch (${JSON.stringify(seen.r.resynced)}, was ${before[i]})`);
      const ids = await rowIds(p.page);
      check(JSON.stringify(ids.client) === JSON.stringify(seedIds),
            `${p.label}: Harvest's rows are exactly the new view's rows (${JSON.stringify(ids.client)})`);
      check(JSON.stringify(seen.r.ended) === JSON.stringify(['spec_changed']) && seen.sowingEnded === 'spec_changed' &&
            JSON.stringify(seen.subscriptions) === JSON.stringify(['Harvest']) && !seen.sowingStream,
            `${p.label}: Sowing ended (spec_changed), forgotten, no stream left for it (${JSON.stringify(seen)})`);
      check(seen.r.errors.length === 0, `${p.label}: no error reported (${JSON.stringify(seen.r.errors)})`);
    }

    // The inspector on each page: the banner, the new subscription list, Harvest's table rebuilt.
    const banner = `spec changed (version ${version}): added AllPlants; changed Harvest; removed Sowing`;
    for (const p of pages) {
      const shown = await waited(p.page.locator('[data-testid="spec-banner"]', { hasText: banner }).waitFor({ timeout: waitMs }));
      check(shown, `${p.label}: the inspector shows the banner "${banner}"`);
      await waited(p.page.locator('[data-testid="subscription"] option[value="AllPlants"]').waitFor({ state: 'attached', timeout: waitMs }));
      const options = await p.page.$$eval('[data-testid="subscription"] option', (os) => os.map((o) => o.value).sort());
      check(JSON.stringify(options) === JSON.stringify(['AllPlants', 'Harvest', 'PlantPage']),
            `${p.label}: the inspector lists the new spec's subscriptions (${options})`);
      const rebuilt = await waited(p.page.waitForFunction((want) => JSON.stringify(
        [...document.querySelectorAll('[data-testid="rows"] tr[data-id]')].map((tr) => tr.dataset.id).sort()) === want,
      JSON.stringify(seedIds), { timeout: waitMs }));
      check(rebuilt, `${p.label}: the inspector's Harvest table shows exactly the new view's rows`);
    }

    // A change after the reload: the next seq of the new epoch, on both pages.
    await rest(server.base, 'POST', '/api/Plant', { id: 'p5', name: 'plant p5', state: 'seed' });
    for (const p of pages) {
      const arrived = await waited(p.page.waitForFunction(
        () => window.__h.rows.has('p5') && document.querySelector('[data-testid="rows"] tr[data-id="p5"]') !== null,
        null, { timeout: waitMs }));
      const pos = await p.page.evaluate(() => [window.__h.epoch, window.__h.seq, window.__r.resynced[0]?.epoch]);
      check(arrived && pos[0] === pos[2] && pos[1] === 1,
            `${p.label}: a change after the reload applies as seq 1 of the new epoch (${JSON.stringify(pos)})`);
      check(p.problems.length === 0, `${p.label}: no page errors (${p.problems})`);
    }
    const sowingStreams = pages[1].sseSubscriptions.filter((s) => s === 'Sowing').length;
    check(sowingStreams === 1, `sse: Sowing's stream was opened once and not again after it ended (${sowingStreams})`);
  } finally {
    if (browser) await browser.close();
    await stop(server.proc);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`spec-reload test took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  finish();
}

main().catch((e) => {
  console.error(`FAILED: ${e.stack || e}`);
  process.exit(1);
});
