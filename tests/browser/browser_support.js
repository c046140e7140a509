// Shared by the browser tests: find playwright-core and chromium (or skip with 77), start `rt serve`
// on a free loopback port, collect check results.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');

const chromiumPath = process.env.RT_CHROMIUM || '/usr/bin/chromium';

function skip(why) {
  console.log(`SKIPPED: ${why} (./dev.sh test installs it)`);
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

module.exports = { loadChromium, startServer, checker, skip };
