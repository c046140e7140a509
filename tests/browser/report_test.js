#!/usr/bin/env node
// Browser test (CTest "browser:html-reports-offline"): `rt loadgen --report`, `rt partition run --report` and
// `rt check --report` write
// HTML files that open in Debian's chromium with every network request blocked, and their SVG
// charts are there, drawn. Usage: node report_test.js RT_BINARY SOURCE_DIR
// Exits 0 when every check held, 1 with the failures listed, 77 (CTest: skipped) when chromium or
// playwright-core is missing (./dev.sh test installs both).
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { loadChromium, startServer: startRt, checker } = require('./browser_support');

const [rtBinary, sourceDir] = process.argv.slice(2).map((p) => path.resolve(p));
const stepTimeoutMs = 60000;  // one rt run; each takes a few seconds
const { chromium, executablePath: chromiumPath } = loadChromium();
if (!rtBinary || !sourceDir) {
  console.error('usage: node report_test.js RT_BINARY SOURCE_DIR');
  process.exit(2);
}
const { check, finish } = checker();
const startServer = () => startRt(rtBinary, path.join(sourceDir, 'scenarios/kanban.spec'));

// Runs `rt ARGS...`; resolves once it exited, after checking that it exited 0.
function runRt(args) {
  return new Promise((resolve) => {
    const proc = spawn(rtBinary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr.on('data', (chunk) => { err += chunk; });
    const timer = setTimeout(() => proc.kill('SIGKILL'), stepTimeoutMs);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      check(code === 0, `rt ${args.slice(0, 2).join(' ')} exits 0 (got ${code}; stderr: ${err.slice(-400)})`);
      resolve();
    });
  });
}

// Opens `file` with every non-file request aborted; returns what the page shows.
async function inspect(browser, file) {
  const context = await browser.newContext({ offline: true });
  const requests = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    requests.push(url);
    return url.startsWith('file:') ? route.continue() : route.abort();
  });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  const shown = await page.evaluate(() => {
    const charts = {};
    for (const svg of document.querySelectorAll('svg.chart')) {
      const box = svg.getBoundingClientRect();
      const paths = [...svg.querySelectorAll('path.series')];
      charts[svg.id] = {
        width: box.width,
        height: box.height,
        series: paths.map((p) => p.getAttribute('data-name')),
        // Drawn, not just present: the longest path's on-screen length.
        longest: Math.max(0, ...paths.map((p) => p.getTotalLength())),
        thresholds: svg.querySelectorAll('line.threshold').length,
        spans: svg.querySelectorAll('rect.span').length,
      };
    }
    const rows = [...document.querySelectorAll('table.grid tr')].slice(1).map((tr) => tr.className);
    return { title: document.title, verdict: document.querySelector('.verdict')?.textContent, charts, rows };
  });
  await context.close();
  return { shown, requests, problems };
}

function checkCommon(name, file, r) {
  check(r.requests.length === 1 && r.requests[0] === `file://${file}`,
        `${name}: the only request is the file itself (${JSON.stringify(r.requests)})`);
  check(r.problems.length === 0, `${name}: no console errors (${JSON.stringify(r.problems)})`);
  check(r.shown.verdict === 'PASS', `${name}: verdict PASS (${r.shown.verdict})`);
}

function checkChart(name, r, id, series, extra = () => true) {
  const c = r.shown.charts[id];
  check(c !== undefined, `${name}: chart #${id} is there`);
  if (!c) return;
  check(c.width > 300 && c.height > 100, `${name}: #${id} is laid out (${c.width}x${c.height})`);
  for (const s of series) check(c.series.includes(s), `${name}: #${id} draws ${s} (${c.series})`);
  check(c.longest > 50, `${name}: #${id} has a drawn line (${c.longest.toFixed(0)} px)`);
  check(extra(c), `${name}: #${id} ${extra.toString()}`);
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-browser-'));
  const server = await startServer();
  let browser;
  try {
    const loadHtml = path.join(dir, 'loadgen.html');
    const hgrm = path.join(dir, 'loadgen.hgrm');
    const scenario = path.join(dir, 'faults.toml');
    fs.writeFileSync(scenario, [
      `spec = ${JSON.stringify(path.join(sourceDir, 'scenarios/kanban.spec'))}`,
      'server_args = ["--log-level", "warn"]',
      'subscribers = 20', 'boards = 4', 'tasks_per_board = 1', 'rate = "20/s"', 'duration = "2s"',
      'timeline = "300ms latency 50ms; 1s reset; 1500ms heal"', 'drain_timeout = "10s"',
      '[client]', 'backoff_base = "100ms"', 'backoff_cap = "1s"', ''].join('\n'));
    const chaosHtml = path.join(dir, 'partition.html');
    const checkHtml = path.join(dir, 'check.html');
    // The two runs and the browser's start are independent: side by side, the test takes as
    // long as the longest of them.
    let launched;
    [, , , launched] = await Promise.all([
      runRt(['loadgen', '--url', server.url, '--conns', '50', '--rate', '40/s', '--duration', '2s',
             '--max-p99', '1s', '--quiet', '--report', loadHtml, '--hgrm', hgrm]),
      runRt(['partition', 'run', scenario, '--quiet', '--report', chaosHtml]),
      runRt(['check', '--url', server.url, '--case', '1,2,3', '--report', checkHtml]),
      chromium.launch({ executablePath: chromiumPath, timeout: 30000 }),
    ]);
    browser = launched;
    check(fs.existsSync(hgrm) && fs.readFileSync(hgrm, 'utf8').startsWith('       Value     Percentile'),
          'loadgen: --hgrm wrote the HdrHistogram table');

    const load = await inspect(browser, loadHtml);
    checkCommon('loadgen', loadHtml, load);
    check(load.shown.title.startsWith('rt loadgen'), `loadgen: title (${load.shown.title})`);
    checkChart('loadgen', load, 'latency-over-time', ['p50', 'p99', 'max'], (c) => c.thresholds === 1);
    checkChart('loadgen', load, 'percentile-spectrum', ['corrected', 'uncorrected'], (c) => c.thresholds === 1);
    checkChart('loadgen', load, 'connections', ['open'], (c) => c.thresholds === 1);
    checkChart('loadgen', load, 'deliveries', ['deliveries/s']);
    checkChart('loadgen', load, 'publishes', ['publishes/s', 'errors/s']);

    const chaos = await inspect(browser, chaosHtml);
    checkCommon('partition', chaosHtml, chaos);
    checkChart('partition', chaos, 'events', ['live', 'replayed'], (c) => c.spans === 1);
    checkChart('partition', chaos, 'reconnects', ['reconnects', 'resyncs', 'cut off'], (c) => c.spans === 1);

    const conf = await inspect(browser, checkHtml);
    check(conf.requests.length === 1 && conf.problems.length === 0, `check: offline, no console errors (${JSON.stringify(conf)})`);
    check(conf.shown.verdict === 'conforms', `check: verdict conforms (${conf.shown.verdict})`);
    check(conf.shown.rows.length >= 20 && conf.shown.rows.every((c) => c === 'pass' || c === 'skip'),
          `check: one row per case, none failed (${conf.shown.rows})`);
  } finally {
    if (browser) await browser.close();
    server.proc.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
  finish();
}

main().catch((e) => {
  console.error(`FAILED: ${e.stack || e}`);
  process.exit(1);
});
