// SPDX-License-Identifier: MIT
// argilla-guidelines.js: the Argilla guidelines read as prose outside the
// site (docs/argilla.md, Guidelines).
//
//   node argilla-guidelines.js OUT XML SITE [URL...]
//
// OUT is a `casebook build` output directory, XML the guidelines of
// OUT/argilla/training/.argilla/settings.json parsed by `cmark-gfm -t xml` (the
// tree a Markdown renderer sees), SITE the manifest's site_url or "-".
// Checks:
//   - no raw HTML node;
//   - no property line of the casebook syntax (`- applies-to: ...`);
//   - every link and image goes to the web: under SITE, to a page of
//     OUT/html/ that exists and holds the anchor; else an http(s) or
//     mailto URL (never case:, question:, a chapter's .md, a relative
//     path), and without SITE no link points into the site at all;
//   - each URL given after SITE is a link of the guidelines.
// Prints "ok ..." / "FAIL ..." lines and a last line "RESULT passed failed".
"use strict";

const fs = require("fs");
const path = require("path");

const [out, xmlFile, site, ...wanted] = process.argv.slice(2);
const settings = JSON.parse(fs.readFileSync(path.join(out, "argilla/training/.argilla/settings.json"), "utf8"));
const xml = fs.readFileSync(xmlFile, "utf8");
const unxml = (s) =>
  s.replace(/&(amp|lt|gt|quot|apos|#(\d+)|#x([0-9a-f]+));/gi, (m, name, dec, hex) =>
    dec ? String.fromCodePoint(+dec) : hex ? String.fromCodePoint(parseInt(hex, 16)) : { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[name.toLowerCase()]);

const common = require("../grade/common.js");
// one check from a list of problems, none when it passes
const check = (name, problems) => common.check(name, problems.length === 0, problems.slice(0, 20).join("\n"));

check("guidelines: no raw HTML node", (xml.match(/<html_(block|inline)\b[^>]*>[^<]*/g) || []).map(unxml));

const props = /^\s*(?:[-*+]|\d+[.)])\s+[*_`]*(applies[-_ ]to|type|when|required|scope|hint|responses|criteria|tags|status|source|severity|points)[*_`]*\s*:/i;
check(
  "guidelines: no property line of the casebook syntax",
  settings.guidelines.split("\n").filter((l) => props.test(l)),
);

const dests = [...xml.matchAll(/<(link|image) destination="([^"]*)"/g)].map((m) => unxml(m[2]));
const pages = new Map();
const problems = [];
let underSite = 0;
for (const d of dests) {
  if (site !== "-" && d.startsWith(site)) {
    underSite++;
    const [page, anchor] = d.slice(site.length).split("#");
    const file = path.join(out, "html", decodeURIComponent(page));
    if (!page || !fs.existsSync(file)) {
      problems.push(d + ": no page " + page + " in html/");
      continue;
    }
    if (!pages.has(file)) pages.set(file, fs.readFileSync(file, "utf8"));
    if (anchor !== undefined) {
      const id = decodeURIComponent(anchor).replace(/&/g, "&amp;").replace(/"/g, "&quot;");
      if (!pages.get(file).includes(' id="' + id + '"')) problems.push(d + ": " + page + " has no anchor " + id);
    }
  } else if (!/^(https?:\/\/|mailto:)/i.test(d)) {
    problems.push(d + ": not a link to the web");
  }
}
check("guidelines: every link goes to the web" + (site === "-" ? "" : ", the site's to a page and anchor it has"), problems);
if (site !== "-") check("guidelines: links to the site (" + underSite + ")", underSite ? [] : ["none"]);
for (const w of wanted) check("guidelines: a link to " + w, dests.includes(w) ? [] : ["missing"]);

common.result();
