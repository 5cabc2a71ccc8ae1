// SPDX-License-Identifier: MIT
// tests/ci/check.js: reads casebook's CI report formats with their real
// consumers (the SARIF Multitool, JUnit readers from npm) and checks what
// the consumers cannot: rule indexes, fingerprints, the rdjson shape, and
// that suggested fixes, applied to the sources, replace the right text.
//
//   node check.js sarif FILE                 validate with sarif-multitool
//   node check.js junit FILE TESTS FAILED FAILURES   (FAILED '-': not checked)
//   node check.js rdjson FILE               validate with rdformat-validator
//   node check.js apply-rdjson FILE          apply every suggestion
//   node check.js apply-sarif FILE BASE      apply every fix (%SRCROOT% = BASE)
//   node check.js github FILE                decode workflow commands to JSON
//
// Prints what is wrong and exits 1, or exits 0 silently.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { pathToFileURL } = require('url');

const problems = [];
function expect(cond, what) {
  if (!cond) problems.push(what);
}
function done() {
  if (problems.length) {
    console.log(problems.slice(0, 30).join('\n'));
    process.exit(1);
  }
}

function sarif(file) {
  const log = JSON.parse(fs.readFileSync(file, 'utf8'));
  expect(log.version === '2.1.0', 'version is not 2.1.0');
  expect(typeof log.$schema === 'string' && log.$schema.includes('2.1.0'), 'no 2.1.0 $schema');
  expect(Array.isArray(log.runs) && log.runs.length === 1, 'not exactly one run');
  const run = log.runs[0];
  const driver = run.tool.driver;
  expect(driver.name === 'casebook', 'driver name');
  const ids = driver.rules.map((r) => r.id);
  expect(new Set(ids).size === ids.length, 'duplicate rule ids');
  for (const r of driver.rules) {
    expect(r.shortDescription && r.shortDescription.text, `rule ${r.id}: no shortDescription`);
    expect(r.help && r.help.text && r.help.markdown, `rule ${r.id}: no help`);
    expect(['error', 'warning', 'note'].includes(r.defaultConfiguration.level), `rule ${r.id}: level`);
  }
  const fingerprints = new Set();
  for (const [i, res] of run.results.entries()) {
    expect(driver.rules[res.ruleIndex] && driver.rules[res.ruleIndex].id === res.ruleId,
      `result ${i}: ruleIndex ${res.ruleIndex} is not rule ${res.ruleId}`);
    const fp = res.partialFingerprints && res.partialFingerprints['casebook/v1'];
    expect(/^[0-9a-f]{32}$/.test(fp || ''), `result ${i}: fingerprint ${fp}`);
    expect(!fingerprints.has(fp), `result ${i}: fingerprint not unique`);
    fingerprints.add(fp);
  }
  // The real consumer: the SARIF Multitool's validate (JSON schema and
  // the SARIF rules). Errors and warnings fail the test, except SARIF2005
  // (no informationUri: casebook has no web site to point to).
  const tool = require('@microsoft/sarif-multitool');
  try {
    fs.chmodSync(tool, 0o755);
  } catch (e) {
    /* read-only install: run it as it is */
  }
  const out = file + '.validation.sarif';
  const r = spawnSync(tool, ['validate', file, '-o', out, '--log', 'ForceOverwrite'], {
    encoding: 'utf8',
    timeout: 240000,
    env: Object.assign({}, process.env, { DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1' }),
  });
  if (r.status !== 0 || !fs.existsSync(out)) {
    problems.push(`sarif-multitool exited ${r.status}: ${r.stdout}${r.stderr}${r.error || ''}`);
    return;
  }
  const v = JSON.parse(fs.readFileSync(out, 'utf8'));
  for (const vr of v.runs) {
    for (const res of vr.results || []) {
      if (res.ruleId === 'SARIF2005') continue;
      if (res.level === 'error' || res.level === 'warning' || res.level === undefined) {
        const msg = res.message.text || (res.message.arguments || []).join(' | ');
        problems.push(`sarif-multitool ${res.level || 'warning'} ${res.ruleId}: ${msg}`);
      }
    }
    for (const n of (vr.invocations || []).flatMap((x) => x.toolExecutionNotifications || [])) {
      if (n.level === 'error') problems.push(`sarif-multitool: ${n.message.text}`);
    }
  }
}

function junit(file, tests, failed, failures) {
  const parser = require('test-results-parser');
  const res = parser.parse({ type: 'junit', files: [file] });
  expect(res.total === Number(tests), `test-results-parser: ${res.total} tests, expected ${tests}`);
  const checkFailed = failed !== '-';
  expect(!checkFailed || res.failed === Number(failed), `test-results-parser: ${res.failed} failed, expected ${failed}`);
  let cases = 0, failedCases = 0;
  for (const s of res.suites)
    for (const c of s.cases) {
      cases++;
      if (c.status === 'FAIL') failedCases++;
    }
  expect(cases === Number(tests), `test-results-parser: ${cases} testcases, expected ${tests}`);
  if (checkFailed)
    expect(failedCases === Number(failed), `test-results-parser: ${failedCases} failed testcases, expected ${failed}`);
  // the suites' counts agree with their testcases
  expect(failedCases === res.failed, `suite attributes say ${res.failed} failed, testcases ${failedCases}`);
  // an ES module: import() does not read NODE_PATH, require.resolve does
  const junit2json = pathToFileURL(require.resolve('junit2json')).href;
  return import(junit2json).then(({ parse }) =>
    parse(fs.readFileSync(file, 'utf8')).then((j) => {
      let n = 0;
      for (const s of j.testsuite || [])
        for (const c of s.testcase || []) {
          expect(c.classname && c.name, 'a testcase without classname or name');
          n += (c.failure || []).length;
        }
      expect(n === Number(failures), `junit2json: ${n} failure elements, expected ${failures}`);
    }));
}

const SEVERITIES = ['ERROR', 'WARNING', 'INFO'];
function position(p, what) {
  expect(p && Number.isInteger(p.line) && p.line >= 1 && Number.isInteger(p.column) && p.column >= 1,
    `${what}: bad position ${JSON.stringify(p)}`);
}
function rdjson(file) {
  // a consumer of the format: reviewdog's JSON schema, strict, no extra
  // fields (@umbrelladocs/rdformat-validator)
  const validator = path.join(__dirname, '../node/node_modules/@umbrelladocs/rdformat-validator/bin/rdformat-validator.js');
  const r = spawnSync(process.execPath, [validator, '--strict', '--no-extra-fields', '--format', 'json', file],
    { encoding: 'utf8', timeout: 60000 });
  let report = null;
  try {
    report = JSON.parse(r.stdout);
  } catch (e) {
    problems.push(`rdformat-validator said: ${r.stdout}${r.stderr}`);
  }
  if (report) {
    // its one warning that is no fault: "no diagnostics" (a clean project)
    const warnings = (report.fileResults || []).flatMap((f) => f.warningDetails || [])
      .filter((w) => w.code !== 'EMPTY_ARRAY');
    expect(r.status === 0 && report.success === true && report.totalErrors === 0 &&
      (report.totalWarnings === 0 || warnings.length === 0),
      `rdformat-validator: ${JSON.stringify((report.fileResults || []).map((f) => [f.errorDetails, f.warningDetails]))}`);
  }
  const j = JSON.parse(fs.readFileSync(file, 'utf8'));
  const allowedTop = ['diagnostics', 'source', 'severity'];
  const allowed = ['message', 'location', 'severity', 'source', 'code', 'suggestions', 'original_output', 'related_locations'];
  expect(Object.keys(j).every((k) => allowedTop.includes(k)), 'unknown top-level key');
  expect(j.source && j.source.name === 'casebook', 'source.name');
  expect(Array.isArray(j.diagnostics), 'no diagnostics array');
  for (const [i, d] of j.diagnostics.entries()) {
    const w = `diagnostic ${i}`;
    expect(Object.keys(d).every((k) => allowed.includes(k)), `${w}: unknown key`);
    expect(typeof d.message === 'string' && d.message.length > 0, `${w}: message`);
    expect(SEVERITIES.includes(d.severity), `${w}: severity ${d.severity}`);
    expect(d.code && typeof d.code.value === 'string' && d.code.value.length > 0, `${w}: code.value`);
    expect(d.location, `${w}: no location`);
    if (d.location) {
      expect(typeof d.location.path === 'string' && d.location.path.length > 0, `${w}: location.path`);
      if (d.location.range) {
        position(d.location.range.start, w);
        if (d.location.range.end) position(d.location.range.end, w);
      }
    }
    for (const s of d.suggestions || []) {
      expect(d.location && d.location.range, `${w}: a suggestion without a location`);
      position(s.range.start, w);
      position(s.range.end, w);
      expect(typeof s.text === 'string', `${w}: suggestion text`);
    }
  }
}

// Replaces, in each file, [start, end) of a line by text; columns are
// byte offsets (rdjson) or code point offsets (SARIF, unicodeCodePoints).
function applyEdits(edits, unit) {
  const byFile = new Map();
  for (const e of edits) {
    if (!byFile.has(e.file)) byFile.set(e.file, []);
    byFile.get(e.file).push(e);
  }
  for (const [file, list] of byFile) {
    const lines = fs.readFileSync(file).toString('latin1').split('\n');
    // right to left so earlier columns stay valid
    list.sort((a, b) => b.line - a.line || b.start - a.start);
    for (const e of list) {
      let line = Buffer.from(lines[e.line - 1], 'latin1');
      let s = e.start - 1, t = e.end - 1;
      if (unit === 'codepoints') {
        const cps = Array.from(line.toString('utf8'));
        const bytes = (k) => Buffer.byteLength(cps.slice(0, k).join(''), 'utf8');
        s = bytes(s);
        t = bytes(t);
      }
      line = Buffer.concat([line.subarray(0, s), Buffer.from(e.text, 'utf8'), line.subarray(t)]);
      lines[e.line - 1] = line.toString('latin1');
    }
    fs.writeFileSync(file, Buffer.from(lines.join('\n'), 'latin1'));
  }
}

function applyRdjson(file) {
  const j = JSON.parse(fs.readFileSync(file, 'utf8'));
  const edits = [];
  for (const d of j.diagnostics)
    for (const s of d.suggestions || []) {
      expect(s.range.start.line === s.range.end.line, 'a multi-line suggestion');
      edits.push({ file: d.location.path, line: s.range.start.line, start: s.range.start.column,
        end: s.range.end.column, text: s.text });
    }
  applyEdits(edits, 'bytes');
  console.log(edits.length);
}

function applySarif(file, base) {
  const log = JSON.parse(fs.readFileSync(file, 'utf8'));
  expect(log.runs[0].columnKind === 'unicodeCodePoints', 'columnKind');
  const edits = [];
  for (const res of log.runs[0].results)
    for (const fix of res.fixes || [])
      for (const ch of fix.artifactChanges) {
        const loc = ch.artifactLocation;
        let p = decodeURIComponent(loc.uri);
        if (p.startsWith('file://')) p = p.slice(7);
        else p = path.join(base, p);
        for (const r of ch.replacements)
          edits.push({ file: p, line: r.deletedRegion.startLine, start: r.deletedRegion.startColumn,
            end: r.deletedRegion.endColumn, text: r.insertedContent.text });
      }
  applyEdits(edits, 'codepoints');
  console.log(edits.length);
}

// Parses workflow command lines the way the runner does and prints them
// decoded, as JSON lines: {command, properties, data}; other lines as
// {line}.
function github(file) {
  const unescape = (s) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n')
    .replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const m = /^::([a-z]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) {
      console.log(JSON.stringify({ line }));
      continue;
    }
    const properties = {};
    for (const kv of (m[2] || '').split(',').filter(Boolean)) {
      const eq = kv.indexOf('=');
      properties[kv.slice(0, eq)] = unescape(kv.slice(eq + 1));
    }
    console.log(JSON.stringify({ command: m[1], properties, data: unescape(m[3]) }));
  }
}

const [cmd, ...args] = process.argv.slice(2);
let pending = null;
switch (cmd) {
  case 'sarif': sarif(args[0]); break;
  case 'junit': pending = junit(...args); break;
  case 'rdjson': rdjson(args[0]); break;
  case 'apply-rdjson': applyRdjson(args[0]); break;
  case 'apply-sarif': applySarif(args[0], args[1]); break;
  case 'github': github(args[0]); break;
  default:
    console.log(`unknown command ${cmd}`);
    process.exit(2);
}
Promise.resolve(pending).then(done, (e) => {
  problems.push(String(e && e.stack || e));
  done();
});
