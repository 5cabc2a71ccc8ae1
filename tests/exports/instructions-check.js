// SPDX-License-Identifier: MIT
// instructions-check.js: label-studio/instructions.html stands alone.
//
//   node tests/exports/instructions-check.js OUT [SITE_URL] [EXPECT...]
//
// OUT is a build's output directory; SITE_URL the manifest's site_url
// ("-" when the manifest has none). The page is parsed with libxml2
// (xmllint --html) and, when java and the Nu HTML checker of tests/node
// are there, checked as the body of a document by vnu. Checks:
//   - every href="#x" names an element with id x, and no id is given twice;
//   - no href or src is relative (a site page such as "guide.html#x" or
//     "assets/...", which does not exist inside the tool): each is "#x",
//     an absolute URL or, with SITE_URL, a page under it;
//   - every question, option and criterion of rubric.json and every final
//     case of gold.jsonl has its anchor (question-ID, option-QID-ID,
//     criterion-ID, case-ID);
//   - each EXPECT "href=URL" is the href of some link, and each
//     "text=WORDS" is in the page outside any link (a link written as
//     plain text).
// Prints "ok ..." / "FAIL ..." lines and a last line "RESULT passed failed".
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const { execFileSync } = require("child_process");
const { check, bad, result } = require("../grade/common");

const [out, siteArg, ...expect] = process.argv.slice(2);
const site = siteArg && siteArg !== "-" ? siteArg : null;
const file = path.join(out, "label-studio", "instructions.html");
const html = fs.readFileSync(file, "utf8");

// The values of the attribute nodes an XPath selects, as libxml2's HTML
// parser reads the page.
function attrs(xpath) {
  let text = "";
  try {
    text = execFileSync("xmllint", ["--html", "--xpath", xpath, file], {
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 1 << 26,
    }).toString("utf8");
  } catch (e) {
    text = String(e.stdout || ""); /* exit 10: nothing selected */
  }
  const values = [];
  const re = / [a-z]+="([^"]*)"/g;
  let m;
  while ((m = re.exec(text)) !== null)
    values.push(m[1].replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&"));
  return values;
}

const ids = attrs("//@id");
const hrefs = attrs("//a/@href");
const srcs = attrs("//@src");
check("the page has anchors (" + ids.length + ")", ids.length > 0);

const idSet = new Set(ids);
const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
check("no id is given twice", twice.length === 0, twice.join(", "));

const local = hrefs.filter((h) => h.startsWith("#"));
const dangling = local.filter((h) => !idSet.has(decodeURIComponent(h.slice(1))));
check("every href=\"#x\" (" + local.length + ") names an element of the page",
  local.length > 0 && dangling.length === 0, dangling.join(", "));

const absolute = /^(https?:|mailto:)/i;
const relative = hrefs.concat(srcs).filter((u) => !u.startsWith("#") && !absolute.test(u));
check("no relative link to a site page or asset", relative.length === 0, relative.join(", "));
if (site) {
  const toSite = hrefs.concat(srcs).filter((u) => u.startsWith(site));
  check("links to what the page lacks go under site_url (" + toSite.length + ")", toSite.length > 0);
} else {
  const toPages = hrefs.concat(srcs).filter((u) => /\.html(#|$)|(^|\/)assets\//.test(u));
  check("without site_url, no link to a site page", toPages.length === 0, toPages.join(", "));
}

// Every element a tool's annotator may be pointed to has its anchor.
const rubric = JSON.parse(fs.readFileSync(path.join(out, "rubric.json"), "utf8"));
const want = [];
for (const q of rubric.questions) {
  want.push("question-" + q.id);
  for (const o of q.options || []) want.push("option-" + q.id + "-" + o.id);
}
for (const c of rubric.criteria) want.push("criterion-" + c.id);
for (const line of fs.readFileSync(path.join(out, "gold.jsonl"), "utf8").split("\n"))
  if (line) want.push("case-" + JSON.parse(line).id);
const missing = want.filter((a) => !idSet.has(a.replace(/\s/g, "-")));
check("every question, option, criterion and final case has an anchor (" + want.length + ")",
  missing.length === 0, missing.join(", "));

// The page's text outside links: what a link written as text leaves.
const outside = html.replace(/<a [^>]*>[\s\S]*?<\/a>/g, " ").replace(/<[^>]*>/g, "").replace(/\s+/g, " ");
for (const e of expect) {
  const eq = e.indexOf("=");
  const kind = e.slice(0, eq), value = e.slice(eq + 1);
  if (kind === "href") check("a link goes to " + value, hrefs.includes(value), hrefs.join(" "));
  else if (kind === "text") check("'" + value + "' is plain text", outside.includes(value));
  else bad("unknown expectation " + e);
}

// Valid HTML as the body of a document (vnu has no fragment mode).
let jar = null;
try {
  jar = require.resolve("vnu-jar/build/dist/vnu.jar");
} catch (e) {
  jar = null;
}
if (jar) {
  const doc = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "instructions-")), "page.html");
  fs.writeFileSync(doc, '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    "<title>Instructions</title></head><body>\n" + html + "</body></html>\n");
  let text = "";
  try {
    execFileSync("java", ["-jar", jar, "--errors-only", "--format", "json", doc],
      { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 26 });
  } catch (e) {
    text = String(e.stderr || "") + String(e.stdout || "");
  }
  let messages = [];
  try {
    messages = text.trim() ? JSON.parse(text).messages || [] : [];
  } catch (e) {
    messages = [{ type: "error", message: "unreadable vnu output: " + text.slice(0, 300) }];
  }
  const errors = messages.filter((m) => m.type === "error" || m.subType === "fatal");
  check("vnu: valid HTML as a document's body", errors.length === 0,
    errors.slice(0, 6).map((m) => m.lastLine + ": " + m.message).join("\n"));
  fs.rmSync(path.dirname(doc), { recursive: true, force: true });
} else {
  bad("vnu: no vnu-jar in NODE_PATH (tests/node, npm_need)");
}
result();
