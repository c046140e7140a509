#!/usr/bin/env node
// CTest "asyncapi:parser": the AsyncAPI documents of `rt spec asyncapi` against the official
// parser (@asyncapi/parser), for every spec in the repository:
//   - spec files: scenarios/*.spec and every *.spec under tests/ (the fuzz corpus: its invalid
//     specs are refused by rt and counted, not validated);
//   - specs embedded in the sources: raw string literals R"(app ...)" in tests/, the ```spec
//     blocks of docs/*.md, and rt check's built-in spec (`rt check --print-spec`).
// Each valid spec's JSON document must parse with zero errors (warnings are printed); its YAML
// must read back (js-yaml) as the same value. For kanban.spec and helpdesk.spec the documents with
// --auth tokens --auth jwt and a wss:// URL are checked too, and the kanban YAML goes through the
// parser itself. Then every example frame of docs/protocol.md ("json client" / "json server"
// blocks) must validate (ajv) against its message's payload schema in the kanban document, and
// every "json rejected" line that names a message must fail it; so must a few more frames that
// rt serve accepts or refuses (moreAccepted, moreRefused), and server frames the protocol rules
// out must fail theirs (moreServerAccepted, moreServerRefused). A frame that ends a subscription
// a spec reload removed (reason spec_changed) names one the kanban spec does not declare: it is
// checked against the document of the spec before the reload (kanban.spec plus that subscription).
//
// Usage: node validate.js RT_BINARY SOURCE_DIR
// Exits 0 when every check held, 1 with the failures listed, 77 (CTest: skipped) when
// node_modules is missing (./dev.sh test installs it: npm ci --prefix tests/asyncapi).
'use strict';
const { spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const util = require('util');

let Parser, yaml, Ajv;
try {
  ({ Parser } = require('@asyncapi/parser'));
  yaml = require('js-yaml');
  Ajv = require('ajv');
} catch (e) {
  console.log(`SKIP: ${e.message.split('\n')[0]} (run: npm ci --prefix tests/asyncapi)`);
  process.exit(77);
}

const [rtBinary, sourceDir] = process.argv.slice(2).map((p) => p && path.resolve(p));
if (!rtBinary || !sourceDir) {
  console.error('usage: node validate.js RT_BINARY SOURCE_DIR');
  process.exit(2);
}

const failures = [];
const fail = (what) => { failures.push(what); console.log(`FAIL ${what}`); };
const rel = (p) => path.relative(sourceDir, p);

function rt(args) {
  const r = spawnSync(rtBinary, args, { encoding: 'utf8', timeout: 20000, maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout || '', err: r.stderr || '' };
}

function filesUnder(dir, test) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p, test));
    else if (test(entry.name)) out.push(p);
  }
  return out.sort();
}

// ---- the specs ------------------------------------------------------------------------------

// [{name, text, mustBeValid}], one per distinct text.
function collectSpecs() {
  const specs = [];
  const add = (name, text, mustBeValid) => specs.push({ name, text, mustBeValid });
  for (const f of filesUnder(path.join(sourceDir, 'scenarios'), (n) => n.endsWith('.spec'))) add(rel(f), fs.readFileSync(f, 'utf8'), true);
  for (const f of filesUnder(path.join(sourceDir, 'tests'), (n) => n.endsWith('.spec'))) add(rel(f), fs.readFileSync(f, 'utf8'), false);
  // Raw string literals holding a spec (comments before `app` allowed).
  const raw = /R"([A-Za-z_]{0,16})\(([\s\S]*?)\)\1"/g;
  const startsWithApp = /^\s*(\/\/[^\n]*\n\s*)*app\s+[A-Za-z_]\w*\s*\{/;
  for (const f of filesUnder(path.join(sourceDir, 'tests'), (n) => /\.(cpp|hpp)$/.test(n))) {
    const text = fs.readFileSync(f, 'utf8');
    let m, i = 0;
    while ((m = raw.exec(text))) if (startsWithApp.test(m[2])) add(`${rel(f)} (raw string ${++i})`, m[2], false);
  }
  for (const f of filesUnder(path.join(sourceDir, 'docs'), (n) => n.endsWith('.md'))) {
    const blocks = fs.readFileSync(f, 'utf8').split(/^```/m);
    let i = 0;
    for (let b = 1; b < blocks.length; b += 2)
      if (/^spec\s*\n/.test(blocks[b])) add(`${rel(f)} (spec block ${++i})`, blocks[b].replace(/^spec\s*\n/, ''), true);
  }
  const check = rt(['check', '--print-spec']);
  if (check.code === 0 && check.out) add('rt check --print-spec', check.out, true);
  else fail(`rt check --print-spec exits 0 (got ${check.code})`);

  const seen = new Set();
  return specs.filter((s) => {
    const key = crypto.createHash('sha1').update(s.text).digest('hex');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---- the documents --------------------------------------------------------------------------

async function validateDocument(parser, label, text) {
  const { document, diagnostics } = await parser.parse(text);
  const errors = diagnostics.filter((d) => d.severity === 0);
  const warnings = diagnostics.filter((d) => d.severity === 1);
  for (const w of warnings) console.log(`  warning ${label}: ${w.code}: ${w.message} at ${w.path.join('.')}`);
  if (!document || errors.length)
    fail(`${label}: the parser found ${errors.length} error(s): ` +
         errors.map((e) => `${e.code}: ${e.message} at ${e.path.join('.')}`).join('; '));
  return warnings.length;
}

// YAML and JSON of one spec and options: the YAML must read back as the JSON's value.
function generate(file, label, extra) {
  const json = rt(['spec', 'asyncapi', file, '--format', 'json', ...extra]);
  if (json.code !== 0) return { refused: json };
  const y = rt(['spec', 'asyncapi', file, '--format', 'yaml', ...extra]);
  let value = null;
  try { value = JSON.parse(json.out); } catch (e) { fail(`${label}: the JSON output does not parse: ${e.message}`); }
  if (y.code !== 0) fail(`${label}: --format yaml exits ${y.code}: ${y.err}`);
  else {
    try {
      if (!util.isDeepStrictEqual(yaml.load(y.out), value)) fail(`${label}: the YAML output reads back as another value than the JSON`);
    } catch (e) { fail(`${label}: the YAML output does not parse: ${e.message.split('\n')[0]}`); }
  }
  return { json: json.out, yaml: y.out, value };
}

// ---- docs/protocol.md's frames against the kanban document ---------------------------------

function messageFor(frame, direction, messages) {
  const t = frame.type;
  if (direction === 'client') {
    if (t === 'subscribe') return `subscribe.${frame.subscription}`;
    if (t === 'unsubscribe') return `unsubscribe.${frame.subscription ?? Object.keys(messages).find((k) => k.startsWith('unsubscribe.')).slice(12)}`;
    if (t === 'publish') return `publish.${frame.entity}`;
    return t;  // presence, ping, refresh
  }
  if (t === 'subscribed' || t === 'event' || t === 'events' || t === 'unsubscribed') return `${t}.${frame.subscription}`;
  if (t === 'published') return `published.${frame.entity}`;
  if (t === 'presence') return 'presenceState';
  if (t === 'spec_changed') return 'specChanged';
  return t;  // pong, refreshed, error
}

// More client frames beside protocol.md's: what rt serve accepts, and what it refuses after
// decoding (INVALID_FILTER, BAD_REQUEST from the row checks), which the schemas refuse too.
const moreAccepted = [
  '{"type":"subscribe","subscription":"TaskUpdates","filter":null,"since":null}',
  '{"type":"subscribe","subscription":"TaskUpdates","filter":{"assignee":null,"priority":3}}',
  '{"type":"subscribe","subscription":"TaskUpdates","filter":{"status":["todo","doing"],"board":"team-a/*"}}',
  '{"type":"presence","action":"leave","resource":"board:b1","meta":null}',
  '{"type":"unsubscribe","sid":"left"}',
  '{"type":"publish","entity":"Task","operation":"insert","data":{}}',
  '{"type":"publish","entity":"Task","operation":"update","data":{"id":"t1","assignee":null}}',
  '{"type":"publish","entity":"Task","operation":"delete","data":{"id":"t1","title":"ignored"}}',
  '{"type":"subscribe","subscription":"AllTasks","throttle":"1s","batch":false}',
  '{"type":"subscribe","subscription":"TaskUpdates","batch":false}',
  '{"type":"subscribe","subscription":"TaskUpdates","throttle":null,"batch":null}',
];
const moreRefused = [
  '{"type":"subscribe","subscription":"TaskDetail"}',                                  // by id: filter required
  '{"type":"subscribe","subscription":"TaskDetail","filter":{"board":"b1"}}',          // ... with an id
  '{"type":"subscribe","subscription":"TaskUpdates","filter":{"colour":"red"}}',       // unknown attribute
  '{"type":"subscribe","subscription":"TaskUpdates","filter":{"priority":"high"}}',    // ill-typed value
  '{"type":"subscribe","subscription":"TaskUpdates","filter":{"id":null}}',            // id is never null
  '{"type":"subscribe","subscription":"TaskUpdates","filter":{"status":[]}}',          // an empty set
  '{"type":"subscribe","subscription":"TaskUpdates","filter":{"status":["later"]}}',   // ill-typed set element
  '{"type":"publish","entity":"Task","operation":"insert","data":{"status":"later"}}', // not a choice of the union
  '{"type":"publish","entity":"Task","operation":"insert","data":{"priority":2.5}}',   // int
  '{"type":"publish","entity":"Task","operation":"update","data":{"id":"t1","colour":"red"}}',
  '{"type":"subscribe","subscription":"AllTasks","batch":true}',                      // batch needs a throttle window
  '{"type":"subscribe","subscription":"AllTasks","throttle":"250ms","batch":"yes"}',  // not a boolean
  '{"type":"subscribe","subscription":"AllTasks","throttle":null,"batch":true}',     // a null throttle is no window
];

// Server frames beside protocol.md's: what the protocol allows, and what it rules out (a client
// written against the document may rely on it).
const moreServerAccepted = [
  '{"type":"subscribed","subscription":"TaskUpdates","epoch":"9a4e02c1d7b3f568","seq":0,"recovered":false,"initial":[],"reason":"spec_changed"}',
  '{"type":"unsubscribed","subscription":"TaskDetail","sid":"left","reason":"spec_changed"}',
  '{"type":"spec_changed","version":"9c1d4e7a02b35f68","added":[],"changed":[],"removed":[]}',
];
const moreServerRefused = [
  '{"type":"events","subscription":"AllTasks","epoch":"5e81a0c2d4f6b379","events":[]}',  // never empty
  '{"type":"events","subscription":"AllTasks","epoch":"5e81a0c2d4f6b379","events":[{"operation":"update","data":{"id":"t1"},"ts":1}]}',  // no seq
  '{"type":"events","subscription":"AllTasks","epoch":"5e81a0c2d4f6b379","events":[{"operation":"update","data":{"id":"t1","priority":"high"},"seq":1,"ts":1}]}',  // not a Task row
  '{"type":"events","subscription":"AllTasks","epoch":"5e81a0c2d4f6b379","events":[{"operation":"upsert","data":{"id":"t1"},"seq":1,"ts":1}]}',
  '{"type":"events","subscription":"AllTasks","events":[{"operation":"update","data":{"id":"t1"},"seq":1,"ts":1}]}',  // no epoch
  '{"id":3,"type":"subscribed","subscription":"TaskUpdates","epoch":"9a4e02c1d7b3f568","seq":0,"recovered":false,"initial":[],"reason":"spec_changed"}',  // unasked: no id
  '{"type":"subscribed","subscription":"TaskUpdates","epoch":"9a4e02c1d7b3f568","seq":4,"recovered":true,"reason":"spec_changed"}',  // a reload starts over
  '{"type":"unsubscribed","subscription":"TaskUpdates","reason":"bored"}',
  '{"type":"spec_changed","version":"9c1d4e7a02b35f68","added":[],"changed":["TaskUpdates"]}',  // removed missing
  '{"type":"spec_changed","version":"9c1d4e7a02b35f68","added":[1],"changed":[],"removed":[]}',
];

// Lines a JSON Schema cannot refuse, though the codec does.
const schemaCannotRefuse = new Map([
  ['{"type":"presence","action":"join","resource":"\\ud800"}', 'a lone UTF-16 surrogate is not text; JSON Schema sees a string'],
]);

// `priorDocument(name)`: the document of the spec before a reload that removed subscription `name`.
function checkExampleFrames(doc, priorDocument) {
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema(doc, 'asyncapi');
  const messages = doc.components.messages;
  let removedByReload = 0;
  // The schema key of frame's message: in the kanban document, or for a subscription a reload
  // removed, in the document before the reload (null: neither has it).
  const schemaFor = (frame, direction) => {
    const name = messageFor(frame, direction, messages);
    if (messages[name]) return `asyncapi#/components/messages/${name}/payload`;
    if (direction !== 'server' || frame.reason !== 'spec_changed' || !/^[A-Za-z_]\w*$/.test(frame.subscription)) return null;
    const key = `prior:${frame.subscription}`;
    if (!ajv.getSchema(key)) ajv.addSchema(priorDocument(frame.subscription), key);
    removedByReload++;
    return `${key}#/components/messages/${name}/payload`;
  };
  const text = fs.readFileSync(path.join(sourceDir, 'docs/protocol.md'), 'utf8');
  const blocks = text.split(/^```/m);
  let valid = 0, refused = 0, otherApp = 0, unknownName = 0;
  for (let b = 1; b < blocks.length; b += 2) {
    const head = /^json (client|server|rejected)\s*\n/.exec(blocks[b]);
    if (!head) continue;
    const kind = head[1];
    for (const line of blocks[b].slice(head[0].length).split('\n').filter((l) => l.trim())) {
      let frame;
      try { frame = JSON.parse(line); } catch { frame = undefined; }
      const isObject = frame && typeof frame === 'object' && !Array.isArray(frame);
      const name = isObject && typeof frame.type === 'string' ? messageFor(frame, kind === 'server' ? 'server' : 'client', messages) : null;
      if (kind === 'rejected') {
        if (!name || !messages[name]) { refused++; continue; }  // not JSON, not an object, no such message
        const ok = ajv.validate(`asyncapi#/components/messages/${name}/payload`, frame);
        if (!ok) refused++;
        else if (!schemaCannotRefuse.has(line)) fail(`docs/protocol.md rejected line passes the schema of ${name}: ${line}`);
        continue;
      }
      const schema = name && schemaFor(frame, kind === 'server' ? 'server' : 'client');
      if (!schema) {
        // Frames of the helpdesk examples (Ticket, TeamOpen, AllTickets) belong to another app;
        // a subscription the app does not declare is the UNKNOWN_SUBSCRIPTION example.
        if (/Ticket|TeamOpen|AllTickets/.test(line)) { otherApp++; continue; }
        if (kind === 'client' && /subscribe$/.test(frame.type) && !doc.channels[frame.subscription]) { unknownName++; continue; }
        fail(`docs/protocol.md ${kind} line has no message in the kanban document: ${line}`);
        continue;
      }
      if (ajv.validate(schema, frame)) valid++;
      else fail(`docs/protocol.md ${kind} line does not validate against ${name}: ${line}: ${ajv.errorsText(ajv.errors)}`);
    }
  }
  for (const line of moreAccepted)
    if (ajv.validate(`asyncapi#/components/messages/${messageFor(JSON.parse(line), 'client', messages)}/payload`, JSON.parse(line))) valid++;
    else fail(`a frame rt serve accepts does not validate: ${line}: ${ajv.errorsText(ajv.errors)}`);
  for (const line of moreRefused)
    if (!ajv.validate(`asyncapi#/components/messages/${messageFor(JSON.parse(line), 'client', messages)}/payload`, JSON.parse(line))) refused++;
    else fail(`a frame rt serve refuses passes its schema: ${line}`);
  for (const line of moreServerAccepted)
    if (ajv.validate(schemaFor(JSON.parse(line), 'server'), JSON.parse(line))) valid++;
    else fail(`a server frame the protocol allows does not validate: ${line}: ${ajv.errorsText(ajv.errors)}`);
  for (const line of moreServerRefused)
    if (!ajv.validate(schemaFor(JSON.parse(line), 'server'), JSON.parse(line))) refused++;
    else fail(`a server frame the protocol rules out passes its schema: ${line}`);
  console.log(`docs/protocol.md: ${valid} example frames validate (${removedByReload} against the document before a reload), ` +
              `${refused} rejected lines refused, ${otherApp} of another app and ${unknownName} naming an unknown subscription skipped`);
  if (valid < 40) fail(`only ${valid} example frames were validated (expected 40 or more)`);
}

// ---- main -----------------------------------------------------------------------------------

(async () => {
  const t0 = Date.now();
  const parser = new Parser();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-asyncapi-'));
  let documents = 0, warnings = 0, invalidSpecs = 0;
  const specs = collectSpecs();
  for (const [n, spec] of specs.entries()) {
    const file = path.join(tmp, `spec${n}.spec`);
    fs.writeFileSync(file, spec.text);
    const variants = [[]];
    if (/^scenarios\/(kanban|helpdesk)\.spec$/.test(spec.name))
      variants.push(['--auth', 'tokens', '--auth', 'jwt', '--url', 'wss://rt.example.com:8443/ws']);
    for (const extra of variants) {
      const label = `${spec.name}${extra.length ? ' ' + extra.join(' ') : ''}`;
      const g = generate(file, label, extra);
      if (g.refused) {
        if (spec.mustBeValid || !/error\(s\) in/.test(g.refused.err)) fail(`${label}: rt spec asyncapi exits ${g.refused.code}: ${g.refused.err.trim()}`);
        else invalidSpecs++;
        break;
      }
      warnings += await validateDocument(parser, label, g.json);
      documents++;
      if (spec.name === 'scenarios/kanban.spec') {
        warnings += await validateDocument(parser, `${label} (YAML)`, g.yaml);
        documents++;
        if (extra.length) checkExampleFrames(g.value, (name) => {
          const prior = path.join(tmp, `prior-${name}.spec`);
          fs.writeFileSync(prior, spec.text.replace(/\}\s*$/, `  subscription ${name}: Task\n}\n`));
          const p = generate(prior, `kanban.spec + subscription ${name} ${extra.join(' ')}`, extra);
          if (p.refused) throw new Error(`the spec before the reload is refused: ${p.refused.err.trim()}`);
          return p.value;
        });
      }
      console.log(`ok ${label}`);
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  if (documents < 15) fail(`only ${documents} documents were validated (expected 15 or more)`);
  console.log(`asyncapi: ${specs.length} distinct specs (${invalidSpecs} invalid ones refused by rt), ${documents} documents, ` +
              `${warnings} warning(s), ${failures.length} failure(s), ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.exit(failures.length ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(1); });
