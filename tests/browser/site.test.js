// SPDX-License-Identifier: MIT
/*
 * tests/browser/site.test.js: the annotator site in a real browser
 * (headless Chromium from Debian, driven by playwright-core), run by the
 * `site` test layer (tests/layers/site.sh), which builds the sites first:
 *
 *   node site.test.js XSS-HTML EXAMPLE-HTML ZH-HTML SCREENSHOT-DIR
 *
 * Checks, each printed as "ok NAME" or "FAIL NAME: why":
 *   xss       every page of the XSS casebook loads, then a search for each
 *             of its payloads runs, and no payload ran: the canary they
 *             try to set is unset, no dialog opened, no console error
 *   vnu       every page of the example passes the Nu HTML checker
 *   axe       every page of the example has no serious or critical axe
 *             violation, light and dark
 *   search    from file://: an English word, a phrase inside a response,
 *             a Chinese and a Japanese word inside cases; titles first
 *   filters   the cases index filters by tag and by gold answer
 *   keyboard  "/" focuses the search box, Escape closes the results
 *   narrow    no page of the example is wider than 360 px
 *   shots     screenshots at 1280 and 390 px of the index, a chapter
 *             with cases and search results
 * The exit status is 1 when a check failed.
 */
"use strict";

const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");
const { chromium } = require("playwright-core");

const [xssDir, exampleDir, zhDir, shotDir] = process.argv.slice(2);
if (!shotDir) {
  console.error("usage: node site.test.js XSS-HTML EXAMPLE-HTML ZH-HTML SCREENSHOT-DIR");
  process.exit(2);
}

let failures = 0;
function ok(name) {
  console.log("ok " + name);
}
function fail(name, why) {
  failures++;
  console.log("FAIL " + name + ": " + why);
}

const url = (dir, page) => "file://" + path.resolve(dir, page);
const pages = (dir) => fs.readdirSync(dir).filter((f) => f.endsWith(".html")).sort();

/* A page that records what must never happen: dialogs, console errors,
 * uncaught exceptions; the payloads' canary is read from the page. */
async function watchedPage(context) {
  const page = await context.newPage();
  const events = [];
  page.on("dialog", (d) => {
    events.push("dialog: " + d.message());
    d.dismiss().catch(() => {});
  });
  page.on("console", (m) => {
    if (m.type() === "error") events.push("console " + m.type() + ": " + m.text());
  });
  page.on("pageerror", (e) => events.push("page error: " + e.message));
  return { page, events };
}

async function canary(page) {
  return page.evaluate(() => [window.__casebookCanary, window.__casebookAlerts]);
}

async function checkXss(browser) {
  const context = await browser.newContext();
  /* before any script of the page: alert & co. only count */
  await context.addInitScript(() => {
    window.__casebookAlerts = 0;
    const count = () => { window.__casebookAlerts++; };
    window.alert = count;
    window.confirm = count;
    window.prompt = count;
  });
  const { page, events } = await watchedPage(context);
  const problems = [];
  let loaded = 0;
  for (const f of pages(xssDir)) {
    await page.goto(url(xssDir, f));
    await page.waitForTimeout(30);
    const [c, alerts] = await canary(page);
    if (c !== undefined || alerts) problems.push(f + ": canary " + c + ", alerts " + alerts);
    /* the payloads must be on the page as text */
    loaded++;
  }
  const payloads = fs.readFileSync(path.join(__dirname, "..", "..", "casebooks", "tests", "xss", "payloads.txt"), "utf8")
    .split("\n").filter(Boolean).map((p) => p.replace(/\\t/g, "\t"));
  await page.goto(url(xssDir, "index.html"));
  let searched = 0, found = 0;
  for (const p of payloads) {
    await page.fill("#search-input", p);
    await page.waitForFunction(() => !document.getElementById("search-results").hidden, null, { timeout: 5000 })
      .catch(() => problems.push("no results box for " + JSON.stringify(p)));
    await page.waitForTimeout(150);
    found += await page.$$eval("#search-results .result", (r) => r.length);
    const [c, alerts] = await canary(page);
    if (c !== undefined || alerts) problems.push("search " + JSON.stringify(p) + ": canary " + c);
    searched++;
    /* open the first result too: the page of the case */
    const first = await page.$("#search-results .result-link");
    if (first && searched % 10 === 1) {
      await first.click();
      await page.waitForLoadState("load");
      const [c2, a2] = await canary(page);
      if (c2 !== undefined || a2) problems.push("result of " + JSON.stringify(p) + ": canary " + c2);
      await page.goto(url(xssDir, "index.html"));
    }
  }
  /* the text of a payload is on its case's page, escaped */
  await page.goto(url(xssDir, "xss.html"));
  const shown = await page.$eval("#case-xss-01 .input-prompt pre", (e) => e.textContent);
  if (!shown.includes("<script>alert(1)</script>")) problems.push("payload 1 not shown as text: " + shown);
  const scripts = await page.$$eval("script", (s) => s.map((e) => e.getAttribute("src")));
  if (scripts.some((s) => s !== "site.js" && s !== "search-index.js")) problems.push("unexpected scripts: " + scripts);
  const hrefs = await page.$$eval("a[href]", (a) => a.map((e) => e.getAttribute("href")));
  const bad = hrefs.filter((h) => /^\s*(javascript|vbscript|data|file):/i.test(h));
  if (bad.length) problems.push("dangerous links: " + bad.slice(0, 3));
  const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content).catch(() => "");
  if (!/script-src 'self'/.test(csp)) problems.push("no CSP meta: " + csp);
  problems.push(...events);
  await context.close();
  if (payloads.length < 40) problems.push("only " + payloads.length + " payloads");
  if (found < payloads.length / 2) problems.push("searches found only " + found + " results in all");
  if (problems.length) fail("xss", problems.slice(0, 8).join("; "));
  else ok("xss (" + loaded + " pages, " + searched + " payloads searched, " + found + " results)");
}

function checkVnu() {
  const jar = require.resolve("vnu-jar/build/dist/vnu.jar");
  const files = pages(exampleDir).map((f) => path.join(exampleDir, f));
  let out = "";
  try {
    execFileSync("java", ["-jar", jar, "--errors-only", "--format", "json", ...files],
                 { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 26 });
  } catch (e) {
    out = String(e.stderr || "") + String(e.stdout || "");
  }
  let messages = [];
  if (out.trim()) {
    try {
      messages = JSON.parse(out).messages || [];
    } catch (e) {
      return fail("vnu", "unreadable output: " + out.slice(0, 300));
    }
  }
  const errors = messages.filter((m) => m.type === "error" || m.subType === "fatal");
  if (errors.length)
    fail("vnu", errors.length + " errors: " + errors.slice(0, 5)
      .map((m) => path.basename(m.url || "") + ":" + m.lastLine + ": " + m.message).join(" | "));
  else ok("vnu (" + files.length + " pages, 0 errors)");
}

async function checkAxe(browser) {
  const axePath = require.resolve("axe-core/axe.min.js");
  const problems = [];
  let runs = 0;
  for (const scheme of ["light", "dark"]) {
    /* the page's CSP forbids injected scripts: axe comes in around it */
    const context = await browser.newContext({ bypassCSP: true, colorScheme: scheme });
    const page = await context.newPage();
    for (const f of pages(exampleDir)) {
      await page.goto(url(exampleDir, f));
      await page.addScriptTag({ path: axePath });
      const violations = await page.evaluate(async () => {
        const r = await window.axe.run(document, { resultTypes: ["violations"] });
        return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
          .map((v) => v.id + " (" + v.nodes.length + "): " + v.nodes.slice(0, 2).map((n) => n.target.join(" ")).join(", "));
      });
      runs++;
      for (const v of violations) problems.push(scheme + " " + f + ": " + v);
    }
    await context.close();
  }
  if (problems.length) fail("axe", problems.length + " serious or critical: " + problems.slice(0, 6).join(" | "));
  else ok("axe (" + runs + " page runs, light and dark, 0 serious or critical)");
}

/* Searches page for query; returns the hrefs of the results. */
async function searchFor(page, query) {
  await page.fill("#search-input", query);
  await page.waitForFunction((q) => {
    const h = document.querySelector("#search-results .search-count");
    return h && h.textContent.includes(q);
  }, query.trim(), { timeout: 10000 });
  return page.$$eval("#search-results .result-link", (a) => a.map((e) => e.getAttribute("href")));
}

async function checkSearch(browser) {
  const context = await browser.newContext();
  const { page, events } = await watchedPage(context);
  const problems = [];
  const expect = async (dir, query, want, first) => {
    if (page.url() !== url(dir, "index.html")) await page.goto(url(dir, "index.html"));
    const hrefs = await searchFor(page, query).catch((e) => ["error " + e.message]);
    const at = hrefs.findIndex((h) => h.includes(want));
    if (at < 0) problems.push(JSON.stringify(query) + " did not find " + want + " in " + JSON.stringify(hrefs.slice(0, 5)));
    else if (first && at !== 0) problems.push(JSON.stringify(query) + " ranked " + want + " at " + (at + 1));
  };
  await expect(exampleDir, "ammonia", "#case-bleach-ammonia", false);
  await expect(exampleDir, "call Poison Control", "#case-bleach-ammonia", false);
  await expect(exampleDir, "bleach-ammonia", "#case-bleach-ammonia", true);
  await expect(exampleDir, "benign reading", "#criterion-benign-reading", true);
  await expect(zhDir, "纳税人识别号", "#case-invoice-05", false);
  await expect(zhDir, "退货", "#case-refund-01", false);
  await expect(zhDir, "炊飯器", "#case-shipping-jp-06", false);
  await expect(zhDir, "配送状況", "#case-shipping-jp-06", false);
  /* ?q= opens a page with a search */
  await page.goto(url(exampleDir, "harm.html") + "?q=ammonia");
  await page.waitForSelector("#search-results .result-link", { timeout: 10000 })
    .catch(() => problems.push("?q= did not search"));
  problems.push(...events);
  await context.close();
  if (problems.length) fail("search", problems.join("; "));
  else ok("search (English word, response phrase, id, Chinese and Japanese words, ?q=)");
}

async function checkFilters(browser) {
  const context = await browser.newContext();
  const { page, events } = await watchedPage(context);
  const problems = [];
  await page.goto(url(exampleDir, "cases.html"));
  const visible = () => page.$$eval("table.case-list tbody tr:not(.chapter-row)",
                                    (r) => r.filter((e) => !e.hidden).length);
  const total = await visible();
  await page.selectOption("#filter-tag", "over-refusal");
  const tagged = await visible();
  const allTagged = await page.$$eval("table.case-list tbody tr:not(.chapter-row)", (r) =>
    r.filter((e) => !e.hidden).every((e) => e.querySelector('[data-tag="over-refusal"]')));
  if (!(tagged > 0 && tagged < total && allTagged)) problems.push("tag filter: " + tagged + " of " + total);
  await page.selectOption("#filter-tag", "");
  const value = await page.$eval("#filter-answer", (s) => {
    const o = [...s.options].find((x) => x.getAttribute("data-q") === "harm" && x.getAttribute("data-v") === "harmful");
    return o ? o.value : null;
  });
  if (!value) problems.push("no harm: harmful option in the answer filter");
  else {
    await page.selectOption("#filter-answer", value);
    const n = await visible();
    const right = await page.$$eval("table.case-list tbody tr:not(.chapter-row)", (r) =>
      r.filter((e) => !e.hidden).every((e) =>
        [...e.querySelectorAll('.answer[data-q="harm"] [data-v]')].some((v) => v.getAttribute("data-v") === "harmful")));
    if (!(n > 0 && n < total && right)) problems.push("answer filter: " + n + " of " + total);
    const count = await page.$eval("#filter-count", (e) => e.textContent);
    if (!count.includes(" of ")) problems.push("count says " + count);
  }
  problems.push(...events);
  await context.close();
  if (problems.length) fail("filters", problems.join("; "));
  else ok("filters (tag, gold answer)");
}

async function checkKeyboard(browser) {
  const context = await browser.newContext();
  const { page, events } = await watchedPage(context);
  const problems = [];
  await page.goto(url(exampleDir, "harm.html"));
  await page.keyboard.press("/");
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
  if (focused !== "search-input") problems.push("'/' focused " + focused);
  await page.keyboard.type("ammonia");
  await page.waitForFunction(() => {
    const h = document.querySelector("#search-results .search-count");
    return h && h.textContent.includes("ammonia") && document.querySelector("#search-results .result-link");
  }, null, { timeout: 10000 }).catch(() => problems.push("no results for ammonia"));
  await page.keyboard.press("ArrowDown");
  const onResult = await page.evaluate(() => document.activeElement.classList.contains("result-link"));
  if (!onResult) problems.push("ArrowDown did not reach the first result");
  await page.keyboard.press("Escape");
  await page.keyboard.press("Escape");
  const closed = await page.evaluate(() => document.getElementById("search-results").hidden &&
                                     !document.getElementById("main").hidden);
  if (!closed) problems.push("Escape did not close the results");
  /* the skip link is the first stop of the tab order */
  await page.goto(url(exampleDir, "index.html"));
  await page.keyboard.press("Tab");
  const first = await page.evaluate(() => document.activeElement.className);
  if (first !== "skip") problems.push("first tab stop: " + first);
  problems.push(...events);
  await context.close();
  if (problems.length) fail("keyboard", problems.join("; "));
  else ok("keyboard ('/', arrows, Escape, skip link)");
}

/* No page of the example is wider than a 360 px phone: long words wrap,
 * wide tables scroll inside themselves. */
async function checkNarrow(browser) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  const wide = [];
  for (const f of pages(exampleDir)) {
    await page.goto(url(exampleDir, f));
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    if (w > 360) wide.push(f + " (" + w + " px)");
  }
  await context.close();
  if (wide.length) fail("narrow", "wider than 360 px: " + wide.join(", "));
  else ok("narrow (every page fits 360 px)");
}

async function screenshots(browser) {
  fs.mkdirSync(shotDir, { recursive: true });
  const made = [];
  for (const width of [1280, 390]) {
    const context = await browser.newContext({ viewport: { width, height: width > 800 ? 900 : 844 } });
    const page = await context.newPage();
    const shot = async (name) => {
      const file = path.join(shotDir, "site-" + name + "-" + width + ".png");
      await page.screenshot({ path: file });
      made.push(file);
    };
    await page.goto(url(exampleDir, "index.html"));
    await shot("index");
    await page.goto(url(exampleDir, "comparisons.html") + "#case-bomb-story");
    await shot("chapter");
    await page.goto(url(exampleDir, "multi-turn.html") + "#case-fertilizer-escalation");
    await shot("dialogue");
    await page.goto(url(exampleDir, "index.html"));
    await searchFor(page, "refuse").catch(() => {});
    await shot("search");
    await page.goto(url(zhDir, "index.html"));
    await searchFor(page, "配送").catch(() => {});
    await shot("search-zh");
    await context.close();
  }
  const missing = made.filter((f) => !fs.existsSync(f) || fs.statSync(f).size < 1000);
  if (missing.length) fail("shots", "missing " + missing);
  else ok("shots (" + made.length + " in " + shotDir + ")");
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  try {
    /* CHECKS="search keyboard" runs only those */
    const only = (process.env.CHECKS || "").split(/\s+/).filter(Boolean);
    const want = (name) => !only.length || only.includes(name);
    if (want("xss")) await checkXss(browser);
    if (want("vnu")) checkVnu();
    if (want("axe")) await checkAxe(browser);
    if (want("search")) await checkSearch(browser);
    if (want("filters")) await checkFilters(browser);
    if (want("keyboard")) await checkKeyboard(browser);
    if (want("narrow")) await checkNarrow(browser);
    if (want("shots")) await screenshots(browser);
  } catch (e) {
    fail("browser", e.stack || String(e));
  } finally {
    await browser.close();
  }
  process.exit(failures ? 1 : 0);
})();
