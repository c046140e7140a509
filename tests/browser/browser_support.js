// Shared by the browser tests: find playwright-core and chromium (or skip with 77), start `rt serve`
// and `rt partition proxy` on free loopback ports, REST calls, the kanban page-to-page latency,
// collect check results.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const chromiumPath = process.env.RT_CHROMIUM || '/usr/bin/chromium';

function skip(why, hint = './dev.sh test installs it') {
  console.log(`SKIPPED: ${why} (${hint})`);
  process.exit(77);
}

// playwright-core's chromium, or a skip (exit 77) when it or the browser is missing.
function loadChromium() {
  let chromium;
  try {
    ({ chromium } = require(path.join(__dirname, 'node_modules', 'playwright-core')));
  } catch (e) {
    skip('playwright-core is not installed in tests/browser/node_modules');
  }
  if (!fs.existsSync(chromiumPath)) skip(`no chromium at ${chromiumPath}`);
  return { chromium, executablePath: chromiumPath };
}

// Starts `rt serve --spec SPEC --listen 127.0.0.1:0 ARGS...` (ARGS may name another --listen);
// resolves with {proc, url, base} once it listens.
function startServer(rtBinary, spec, args = []) {
  return new Promise((resolve, reject) => {
    const listen = args.includes('--listen') ? [] : ['--listen', '127.0.0.1:0'];
    const proc = spawn(rtBinary, ['serve', '--spec', spec, ...listen, '--log-level', 'warn', ...args],
                       { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => reject(new Error(`rt serve did not start: ${err}`)), 15000);
    proc.stderr.on('data', (chunk) => {
      err += chunk;
      const m = /listening on ws:\/\/(127\.0\.0\.1:\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: `ws://${m[1]}/live`, base: `http://${m[1]}` });
      }
    });
    proc.on('exit', (code) => reject(new Error(`rt serve exited with ${code}: ${err}`)));
  });
}

// Starts `rt partition proxy --listen 127.0.0.1:0 --upstream HOST:PORT --control 127.0.0.1:0`;
// resolves with {proc, base: 'http://ADDR' (through the proxy), fault(spec), heal()} once it listens.
// fault('blackhole') / fault('reset') / fault('refuse') go through its control API.
function startProxy(rtBinary, upstreamBase) {
  return new Promise((resolve, reject) => {
    const upstream = new URL(upstreamBase).host;
    const proc = spawn(rtBinary, ['partition', 'proxy', '--listen', '127.0.0.1:0', '--upstream', upstream,
                                  '--control', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => reject(new Error(`rt partition proxy did not start: ${err}`)), 15000);
    proc.stderr.on('data', (chunk) => {
      err += chunk;
      const listen = /listening on (127\.0\.0\.1:\d+)/.exec(err);
      const control = /control API on (http:\/\/127\.0\.0\.1:\d+)\/faults/.exec(err);
      if (!listen || !control) return;
      clearTimeout(timer);
      const call = async (method, body) => {
        const r = await fetch(`${control[1]}/faults`, { method, body });
        if (!r.ok) throw new Error(`proxy control ${method} ${body ?? ''}: ${r.status} ${await r.text()}`);
      };
      resolve({ proc, base: `http://${listen[1]}`, fault: (spec) => call('POST', spec), heal: () => call('DELETE') });
    });
    proc.on('exit', (code) => reject(new Error(`rt partition proxy exited with ${code}: ${err}`)));
  });
}

// A REST call to rt serve: {status, body} (body parsed as JSON, or null).
async function rest(base, method, pathname, body, headers = {}) {
  const r = await fetch(base + pathname, {
    method, headers: body ? { 'Content-Type': 'application/json', ...headers } : headers,
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}

// Stops a child process and waits for it to exit.
function stop(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((r) => { proc.on('exit', r); proc.kill('SIGTERM'); });
}

function percentile(sorted, p) { return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]; }

// Moves the kanban card `cardId` `moves` times by clicking it in page `a` (todo → doing → done →
// todo ...) and measures, for each move, the time until page `b` shows it in its new column.
// Returns the latencies in ms, sorted; stops early (shorter list) when a move does not arrive in 10 s.
async function measureMoves(a, b, cardId, moves) {
  const next = { todo: 'doing', doing: 'done', done: 'todo' };
  let status = await a.evaluate((id) => document.querySelector(`.card[data-id="${id}"]`).closest('.column').dataset.status, cardId);
  const latencies = [];
  for (let i = 0; i < moves; ++i) {
    const want = next[status];
    await b.evaluate(([st, id]) => {
      const found = () => document.querySelector(`.column[data-status="${st}"] .card[data-id="${id}"]`);
      window.__moved = new Promise((resolve) => {
        const mo = new MutationObserver(() => {
          if (found()) { mo.disconnect(); resolve(performance.timeOrigin + performance.now()); }
        });
        mo.observe(document.body, { childList: true, subtree: true });
      });
    }, [want, cardId]);
    const t0 = await a.evaluate((id) => {
      const t = performance.timeOrigin + performance.now();
      document.querySelector(`.card[data-id="${id}"]`).click();
      return t;
    }, cardId);
    const t1 = await Promise.race([b.evaluate(() => window.__moved),
                                   new Promise((r) => setTimeout(() => r(null), 10000))]);
    if (t1 === null) break;
    latencies.push(t1 - t0);
    status = want;
    // The next click reads the card's column in page A: wait until A shows this move too.
    await a.locator(`.column[data-status="${want}"] .card[data-id="${cardId}"]`).waitFor({ timeout: 10000 });
  }
  return latencies.sort((x, y) => x - y);
}

// "p50 X ms, p99 Y ms, max Z ms" of sorted latencies.
function describeLatency(sorted) {
  if (!sorted.length) return 'no samples';
  return `p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, ` +
         `max ${sorted[sorted.length - 1].toFixed(1)} ms`;
}

// check(ok, what) prints and remembers; finish() exits 0 or 1.
function checker() {
  const failures = [];
  return {
    check(ok, what) {
      console.log(`${ok ? 'ok' : 'FAILED'}: ${what}`);
      if (!ok) failures.push(what);
    },
    finish() {
      console.log(failures.length ? `${failures.length} checks failed` : 'every check held');
      process.exit(failures.length ? 1 : 0);
    },
  };
}

// A small app of plants (not kanban), for the tests that need any spec: one entity, one subscription.
const gardenSpec = `app Garden {
  entity Plant {
    attr name: string
  }
  subscription AllPlants: Plant
}
`;

// Writes `text` as garden.spec into a new temporary directory: {dir, specPath}.
function writeSpec(prefix, text) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const specPath = path.join(dir, 'garden.spec');
  fs.writeFileSync(specPath, text);
  return { dir, specPath };
}

module.exports = {
  loadChromium, startServer, startProxy, rest, stop, percentile, measureMoves, describeLatency, checker, skip,
  gardenSpec, writeSpec,
};
