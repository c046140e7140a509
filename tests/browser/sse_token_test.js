#!/usr/bin/env node
// Browser test (CTest "browser:sse-token-renewal"): rt.js on SSE with JWTs that expire. rt serve
// takes JWTs (--jwt-secret-file, --jwt-leeway 0s); the page's rt.js client (transports ['sse'])
// gets its tokens from getToken, which mints each with `rt token --ttl 2s`. When a stream's JWT
// expires the server ends it with `event: error` TOKEN_EXPIRED (4002); rt.js must close it before
// the browser retries the old URL (a 403), ask getToken for a new token and reopen the stream with
// since = its position. Meanwhile a writer inserts rows through REST. Checked: at least two
// renewals, each a new token with since; no /sse request answered other than 200; every resume
// recovered; no error; the change seqs consecutive (nothing lost, nothing twice) and the rows the
// server's.
// Usage: node sse_token_test.js RT_BINARY SOURCE_DIR. Exit 0 / 1 / 77 (skipped: no chromium or
// playwright-core, or an rt serve without SSE).
'use strict';
const crypto = require('crypto');
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { loadChromium, startServer, rest, stop, checker, skip, gardenSpec, writeSpec } = require('./browser_support');

const [rtBinary] = process.argv.slice(2).map((p) => path.resolve(p));
const { chromium, executablePath } = loadChromium();
const { check, finish } = checker();
const waitMs = 15000;  // two renewals of 2 s tokens, with margin for a loaded CI machine


async function main() {
  const t0 = Date.now();
  const { dir, specPath } = writeSpec('rt-sse-token-', gardenSpec);
  const secretPath = path.join(dir, 'jwt.secret');
  fs.writeFileSync(secretPath, crypto.randomBytes(32).toString('hex'));
  const mint = (ttl, ...rights) => execFileSync(rtBinary, ['token', '--secret-file', secretPath, '--sub', 'alice',
                                                           '--subscribe', 'AllPlants', ...rights, '--ttl', ttl],
                                                { encoding: 'utf8' }).trim();
  const server = await startServer(rtBinary, specPath, ['--jwt-secret-file', secretPath, '--jwt-leeway', '0s']);
  let browser = null;
  try {
    const writer = { Authorization: `Bearer ${mint('1h', '--publish', 'Plant')}` };
    const info = (await rest(server.base, 'GET', '/api/_info', null, writer)).body ?? {};
    if (info.features?.sse !== true) {
      await stop(server.proc);
      skip(`this rt serve has no SSE (GET /api/_info features.sse: ${JSON.stringify(info)})`, 'build rt from this tree');
    }
    browser = await chromium.launch({ executablePath, timeout: 30000 });
    const page = await (await browser.newContext()).newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(String(e)));
    const streams = [];  // each /sse request: {token, since, status}
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname !== '/sse') return;
      const s = { token: u.searchParams.get('token'), since: u.searchParams.get('since'), status: null };
      streams.push(s);
      r.response().then((res) => { s.status = res?.status() ?? 'none'; }, () => { s.status = 'failed'; });
    });
    let minted = 0;
    await page.exposeFunction('__mint', () => { minted += 1; return mint('2s'); });
    await page.goto(`${server.base}/rt.js`);  // any page of the server's origin
    await page.evaluate(async () => {
      const { connect } = await import('/rt.js');
      const r = window.__r = { seqs: [], resumed: [], errors: [], snapshotSeq: null };
      const c = window.__c = connect(`ws://${location.host}/live`, { transports: ['sse'], getToken: () => window.__mint() });
      c.on('error', (e) => r.errors.push(`client: ${e.code}`));
      const sub = window.__sub = c.subscribe('AllPlants');
      sub.on('snapshot', ({ seq }) => { r.snapshotSeq ??= seq; });
      sub.on('change', ({ seq }) => r.seqs.push(seq));
      sub.on('resumed', ({ recovered }) => r.resumed.push(recovered));
      sub.on('error', (e) => r.errors.push(`sub: ${e.code}`));
    });
    await page.waitForFunction(() => window.__r.snapshotSeq !== null && window.__c.state === 'open', null, { timeout: waitMs });
    // Rows keep coming while the tokens expire: until two renewals were asked for, then a few more.
    const ids = [];
    const insert = async () => {
      const id = `p${ids.length + 1}`;
      const res = await rest(server.base, 'POST', '/api/Plant', { id, name: id }, writer);
      if (res.status === 201 || res.status === 200) ids.push(id);
      else throw new Error(`POST /api/Plant: ${res.status} ${JSON.stringify(res.body)}`);
    };
    const deadline = Date.now() + waitMs;
    while (streams.filter((s) => s.since).length < 2 && Date.now() < deadline) {
      await insert();
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 0; i < 5; ++i) await insert();
    const caughtUp = await page.waitForFunction((n) => window.__sub.rows.size === n && window.__c.state === 'open', ids.length,
                                                { timeout: waitMs }).then(() => true, () => false);
    const seen = await page.evaluate(() => ({ ...window.__r, rows: [...window.__sub.rows.keys()].sort() }));
    const renewals = streams.slice(1);
    check(streams.filter((s) => s.since).length >= 2, `two streams renewed as their JWTs expired (${streams.length} /sse requests, ${minted} tokens minted, ${ids.length} rows inserted)`);
    check(renewals.every((s, i) => s.since && s.token !== streams[i].token),
          `each reopened stream has a new token and since (${renewals.map((s) => s.since).join(', ')})`);
    check(streams.every((s) => s.status === 200 || s.status === null),
          `no /sse request was refused: the expired token was never sent again (${streams.map((s) => s.status).join(', ')})`);
    check(seen.resumed.length === renewals.length && seen.resumed.every((x) => x === true),
          `every resume was recovered from the replay buffer (${JSON.stringify(seen.resumed)})`);
    check(seen.errors.length === 0 && problems.length === 0, `no error (${JSON.stringify([...seen.errors, ...problems])})`);
    const consecutive = seen.seqs.every((s, i) => s === seen.snapshotSeq + 1 + i);
    check(caughtUp && consecutive && seen.seqs.length === ids.length,
          `the change seqs are consecutive: nothing lost or twice (${seen.seqs.length} changes for ${ids.length} rows)`);
    check(JSON.stringify(seen.rows) === JSON.stringify([...ids].sort()), 'the page\'s rows are the server\'s');
  } finally {
    if (browser) await browser.close();
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
