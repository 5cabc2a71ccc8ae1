#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// tests/spec/run.js: runs the examples of the GFM spec files through
// spec_render (casebook's Markdown renderer) and compares the HTML.
//
//   node tests/spec/run.js RENDER KNOWN SPEC...
//
// RENDER is the spec_render binary, KNOWN the file of known differences
// ("FILE:NUMBER reason" lines, '#' comments), SPEC the spec files. Every
// example is rendered with --unsafe: the spec assumes that raw HTML passes
// through (the tagfilter examples too: they show what the filter does to
// raw HTML that is let through). Outputs are compared after the light
// normalization below; an expected output of "<IGNORE>" only asks that
// the renderer does not fail. A failing example that is listed as a known
// difference counts as passed; a listed example that now passes counts as
// failed, so the list cannot go stale. Prints one line per failure, one
// summary line per file, and last "RESULT <passed> <failed>".
// Environment: SPEC_VERBOSE=1 shows the input, expected and actual HTML of
// each failure; SPEC_LIST=1 prints every failure as a KNOWN line instead;
// SPEC_EXACT=1 compares byte for byte, without normalization.
"use strict";
const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");

const [render, knownFile, ...specs] = process.argv.slice(2);
if (!render || !knownFile || specs.length === 0) {
  console.error("usage: node run.js RENDER KNOWN SPEC...");
  process.exit(2);
}

const FENCE = "`".repeat(32);

// Examples of one spec file: {number, section, line, exts, markdown, html}.
function examples(file) {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const out = [];
  let section = "";
  let number = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heading = /^#{1,6} +(.*)$/.exec(line);
    if (heading) section = heading[1];
    if (!line.startsWith(FENCE + " example")) continue;
    const exts = line.slice(FENCE.length + 8).trim().split(/\s+/).filter(Boolean);
    const start = i + 1;
    let j = start;
    while (j < lines.length && lines[j] !== ".") j++;
    let k = j + 1;
    while (k < lines.length && lines[k] !== FENCE) k++;
    const tabs = (s) => s.replace(/\u2192/g, "\t");
    const md = lines.slice(start, j).map((l) => l + "\n").join("");
    const html = lines.slice(j + 1, k).map((l) => l + "\n").join("");
    number++;
    out.push({ number, section, line: i + 1, exts, markdown: tabs(md), html: tabs(html) });
    i = k;
  }
  return out;
}

// Block-level elements: whitespace next to their tags is not significant.
const BLOCK = new Set(("address article aside blockquote body dd details div dl dt " +
  "fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr html li " +
  "main nav ol p pre section table tbody td tfoot th thead tr ul").split(" "));

// A light version of the CommonMark test suite's normalization: attribute
// order and quoting, and whitespace next to block tags or runs of it
// outside <pre>, do not count. Everything else must match byte for byte.
function normalize(html) {
  if (process.env.SPEC_EXACT === "1") return html;
  const tokens = html.split(/(<[^>]*>)/);
  let out = "";
  let inPre = 0;
  for (const tok of tokens) {
    if (tok.startsWith("<") && tok.endsWith(">")) {
      const m = /^<(\/?)([A-Za-z][A-Za-z0-9-]*)([^>]*?)(\/?)>$/.exec(tok);
      if (!m) { out += tok; continue; }
      const [, close, nameRaw, attrText, selfClose] = m;
      const name = nameRaw.toLowerCase();
      if (name === "pre") inPre += close ? -1 : 1;
      const attrs = [];
      const re = /([^\s=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
      let a;
      while ((a = re.exec(attrText)) !== null) {
        const v = a[2] !== undefined ? a[2] : a[3] !== undefined ? a[3] : a[4];
        attrs.push(v === undefined ? a[1].toLowerCase() : `${a[1].toLowerCase()}="${v}"`);
      }
      attrs.sort();
      if (BLOCK.has(name)) out = out.replace(/\s+$/, "");
      out += `<${close}${name}${attrs.length ? " " + attrs.join(" ") : ""}${selfClose ? " /" : ""}>`;
      if (BLOCK.has(name)) out += "\u0000";
    } else {
      let text = tok;
      if (!inPre) text = text.replace(/\s+/g, " ");
      if (out.endsWith("\u0000")) {
        out = out.slice(0, -1);
        if (!inPre) text = text.replace(/^\s+/, "");
      }
      out += text;
    }
  }
  return out.replace(/\u0000/g, "").trim();
}

function readKnown(file) {
  const known = new Map();
  if (!fs.existsSync(file)) return known;
  for (const raw of fs.readFileSync(file, "utf8").split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^(\S+):(\d+)\s+(.*)$/.exec(line);
    if (m) known.set(`${m[1]}:${m[2]}`, m[3]);
  }
  return known;
}

const known = readKnown(knownFile);
const seen = new Set();
const verbose = process.env.SPEC_VERBOSE === "1";
const list = process.env.SPEC_LIST === "1";
let passed = 0;
let failed = 0;

for (const spec of specs) {
  const base = path.basename(spec);
  let ok = 0, bad = 0, skipped = 0, expected = 0;
  for (const ex of examples(spec)) {
    if (ex.exts.includes("disabled")) { skipped++; continue; }
    const key = `${base}:${ex.number}`;
    const r = spawnSync(render, ["--unsafe"], { input: ex.markdown, timeout: 10000, maxBuffer: 1 << 26 });
    const got = r.stdout ? r.stdout.toString("utf8") : "";
    const crashed = r.status !== 0;
    const same = !crashed &&
      (ex.html.trim() === "<IGNORE>" || normalize(got) === normalize(ex.html));
    const isKnown = known.has(key);
    if (isKnown) seen.add(key);
    if (same && !isKnown) { ok++; continue; }
    if (!same && isKnown && !crashed) { ok++; expected++; continue; }
    bad++;
    if (list) {
      console.log(`${key} ${ex.section}: ${crashed ? "CRASH" : "differs"}`);
      continue;
    }
    if (same) {
      console.log(`FAIL spec ${key} (${ex.section}, line ${ex.line}) passes now: remove it from ${path.basename(knownFile)}`);
    } else {
      console.log(`FAIL spec ${key} (${ex.section}, line ${ex.line})${crashed ? ` exit status ${r.status} signal ${r.signal}` : ""}`);
      if (verbose) {
        console.log("  markdown: " + JSON.stringify(ex.markdown));
        console.log("  expected: " + JSON.stringify(ex.html));
        console.log("  actual:   " + JSON.stringify(got));
      }
    }
  }
  passed += ok;
  failed += bad;
  console.log(`spec ${base}: ${ok} passed (${expected} known differences), ${bad} failed, ${skipped} disabled`);
}
for (const key of known.keys()) {
  if (!seen.has(key) && !list) {
    console.log(`FAIL spec ${key} is listed as a known difference but no such example ran`);
    failed++;
  }
}
console.log(`RESULT ${passed} ${failed}`);
