#!/usr/bin/env node
// Browser test (CTest "browser:foreign-origin"): a page served from another origin (a tiny node HTTP
// server on 127.0.0.2, which the server's default --allowed-origins does not list) tries to use
// rt serve on 127.0.0.1: the WebSocket, the SSE stream, a REST write, and rt.js imported from rt
// serve. Under the default policy each is refused; with the page's origin in --allowed-origins each
// works (rt.js subscribes over the WebSocket and over SSE, REST passes its CORS preflight).
// The SSE checks run when the server announces SSE (GET /api/_info features.sse), the CORS ones
// (REST write, rt.js imported from rt serve) when it answers a CORS preflight; both came in with SSE.
// Usage: node origin_test.js RT_BINARY SOURCE_DIR. Exit 0 / 1 / 77 (skipped: no chromium or playwright-core).
'use strict';
const http = require('http');
const path = require('path');
const { loadChromium, startServer, rest, stop, checker } = require('./browser_support');

const [rtBinary, sourceDir] = process.argv.slice(2).map((p) => path.resolve(p));
const { chromium, executablePath } = loadChromium();
const { check, finish } = checker();

// The foreign page: ?rt=http://127.0.0.1:PORT. Each attempt resolves with what happened; the page
// sets window.__results when all are done.
const page = `<!DOCTYPE html><meta charset="utf-8"><title>a page on another origin</title>
<script type="module">
const rt = new URLSearchParams(location.search).get('rt');
const wsUrl = rt.replace(/^http/, 'ws') + '/live';
const within = (ms, p) => Promise.race([p, new Promise((r) => setTimeout(() => r('no answer'), ms))]);
const ws = () => new Promise((res) => {
  const s = new WebSocket(wsUrl);
  s.onopen = () => { s.close(); res('open'); };
  s.onerror = () => res('refused');
});
const sse = () => new Promise((res) => {
  const es = new EventSource(rt + '/sse?subscription=AllTasks');
  es.addEventListener('snapshot', () => { es.close(); res('snapshot'); });
  es.onerror = () => { if (es.readyState === EventSource.CLOSED) res('refused'); };
});
const write = () => fetch(rt + '/api/Task', { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                               body: JSON.stringify({ title: 'from afar', status: 'todo', board: 'bo', priority: 1 }) })
  .then((r) => 'status ' + r.status, () => 'refused');
const rtjs = async (transport) => {
  let mod;
  try { mod = await import(rt + '/rt.js'); } catch { return 'import refused'; }
  return new Promise((res) => {
    const client = mod.connect(wsUrl, { transports: [transport], fallbackAfter: 1 });
    const sub = client.subscribe('AllTasks');
    sub.on('snapshot', () => { client.close(); res('snapshot'); });
    sub.on('error', (e) => { client.close(); res(e.code); });
    client.on('state', ({ state }) => { if (state === 'reconnecting') { client.close(); res('cannot connect'); } });
  });
};
window.__results = {
  ws: await within(5000, ws()), sse: await within(5000, sse()), write: await within(5000, write()),
  rtjsWebSocket: await within(5000, rtjs('websocket')), rtjsSse: await within(5000, rtjs('sse')),
};
</script>`;

function startForeignSite() {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(page);
    });
    server.listen(0, '127.0.0.2', () => resolve({ server, origin: `http://127.0.0.2:${server.address().port}` }));
  });
}

async function attempt(browser, site, rtBase) {
  const tab = await (await browser.newContext()).newPage();
  await tab.goto(`${site.origin}/?rt=${encodeURIComponent(rtBase)}`);
  const results = await tab.waitForFunction(() => window.__results, null, { timeout: 30000 }).then((h) => h.jsonValue());
  await tab.context().close();
  return results;
}

async function refusals(base) {
  const text = await fetch(`${base}/metrics`).then((r) => r.text());
  return Number(/^rt_origin_refusals_total (\d+)/m.exec(text)?.[1] ?? NaN);
}

async function main() {
  const t0 = Date.now();
  const spec = path.join(sourceDir, 'scenarios/kanban.spec');
  const site = await startForeignSite();
  const browser = await chromium.launch({ executablePath, timeout: 30000 });
  console.log(`chromium ${browser.version()}; the foreign page is on ${site.origin}`);
  try {
    // The default policy: loopback origins on 127.0.0.1/localhost/[::1] only.
    let server = await startServer(rtBinary, spec);
    const sse = (await rest(server.base, 'GET', '/api/_info')).body?.features?.sse === true;
    if (!sse) console.log('note: this rt serve has no SSE (features.sse is false): the SSE checks are left out');
    let r = await attempt(browser, site, server.base);
    console.log(`not listed: ${JSON.stringify(r)}`);
    check(r.ws === 'refused', `not listed: the WebSocket is refused (${r.ws})`);
    if (sse) check(r.sse === 'refused', `not listed: the SSE stream is refused (${r.sse})`);
    check(r.write === 'refused', `not listed: a REST write is refused (${r.write})`);
    check(r.rtjsWebSocket === 'import refused', `not listed: rt.js cannot even be imported from rt serve (${r.rtjsWebSocket})`);
    const refused = await refusals(server.base);
    check(refused >= 3, `not listed: rt serve counted the refusals (rt_origin_refusals_total ${refused})`);
    const rows = (await rest(server.base, 'GET', '/api/Task')).body;
    check(Array.isArray(rows) && rows.length === 0, 'not listed: nothing was written');
    await stop(server.proc);

    // The page's origin listed.
    server = await startServer(rtBinary, spec, ['--allowed-origins', site.origin]);
    const preflight = await fetch(`${server.base}/api/Task`, {
      method: 'OPTIONS', headers: { Origin: site.origin, 'Access-Control-Request-Method': 'POST' } });
    const cors = preflight.status === 204;
    if (!cors) console.log(`note: this rt serve answers no CORS preflight (${preflight.status}): the CORS checks are left out`);
    check(cors || !sse, 'a server with SSE answers CORS preflights too');
    r = await attempt(browser, site, server.base);
    console.log(`listed: ${JSON.stringify(r)}`);
    check(r.ws === 'open', `listed: the WebSocket opens (${r.ws})`);
    if (sse) check(r.sse === 'snapshot', `listed: the SSE stream sends its snapshot (${r.sse})`);
    if (cors) check(r.write === 'status 201', `listed: a REST write passes the CORS preflight (${r.write})`);
    if (cors) check(r.rtjsWebSocket === 'snapshot', `listed: rt.js imported from rt serve subscribes over the WebSocket (${r.rtjsWebSocket})`);
    if (sse) check(r.rtjsSse === 'snapshot', `listed: rt.js subscribes over SSE (${r.rtjsSse})`);
    await stop(server.proc);
  } finally {
    await browser.close();
    site.server.close();
  }
  console.log(`foreign-origin test took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  finish();
}

main().catch((e) => {
  console.error(`FAILED: ${e.stack || e}`);
  process.exit(1);
});
