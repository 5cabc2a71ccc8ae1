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
 *   vnu       every page of the example and of the translated sites
 *             passes the Nu HTML checker
 *   axe       every page of the example and of the Japanese site has no
 *             serious or critical axe violation, light and dark
 *   search    from file://: an English word, a phrase inside a response,
 *             a Chinese and a Japanese word inside cases; titles first; a
 *             word with a typo; one word that matches and one that does
 *             not (the best partial matches, labelled)
 *   filters   the cases index filters by tag and by gold answer
 *   keyboard  "/" focuses the search box, Escape closes the results
 *   narrow    no page of the example is wider than 360 px
 *   phone     at 390x844, on every page of the example and the Japanese
 *             site: no horizontal scroll of the page, no word of a table
 *             header or cell broken over two lines, tables in focusable,
 *             labelled scroll regions
 *   languages the Chinese (zh) and Japanese (ja) sites: <html lang>, the
 *             frame, headings, search and filter messages in their
 *             language; the project's own words (escaped) over zh-Hant
 *   shots     screenshots at 1280 and 390 px of the index, a chapter
 *             with cases and search results
 * The exit status is 1 when a check failed.
 */
"use strict";

const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");
const { chromium } = require("playwright-core");

const [xssDir, exampleDir, zhDir, shotDir, jaDir, wordsDir] = process.argv.slice(2);
if (!wordsDir) {
  console.error("usage: node site.test.js XSS-HTML EXAMPLE-HTML ZH-HTML SCREENSHOT-DIR JA-HTML WORDS-HTML");
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
  /* the site's words are a JSON data block, which never runs */
  const scripts = await page.$$eval("script", (s) => s.filter((e) => e.type !== "application/json")
    .map((e) => e.getAttribute("src")));
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
  const files = [exampleDir, zhDir, jaDir, wordsDir]
    .flatMap((d) => pages(d).map((f) => path.join(d, f)));
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
    for (const [dir, f] of [exampleDir, jaDir].flatMap((d) => pages(d).map((f) => [d, f]))) {
      await page.goto(url(dir, f));
      await page.addScriptTag({ path: axePath });
      const violations = await page.evaluate(async () => {
        const r = await window.axe.run(document, { resultTypes: ["violations"] });
        return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
          .map((v) => v.id + " (" + v.nodes.length + "): " + v.nodes.slice(0, 2).map((n) => n.target.join(" ")).join(", "));
      });
      runs++;
      for (const v of violations) problems.push(scheme + " " + path.basename(path.dirname(dir)) + "/" + f + ": " + v);
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
  /* a typo: one edit in a word of 4 letters or more, two from 8 */
  await expect(exampleDir, "amonia", "#case-bleach-ammonia", false);
  await expect(exampleDir, "bleahc ammonia", "#case-bleach-ammonia", false);
  await expect(exampleDir, "ammoina", "#case-bleach-ammonia", false);
  const respelled = await page.$eval("#search-results .search-respelled", (e) => e.textContent).catch(() => "");
  if (!respelled.includes("ammoina \u2192 ammonia")) problems.push("typo not told: " + JSON.stringify(respelled));
  /* no result has both words: the best partial matches, labelled */
  await expect(exampleDir, "ammonia qqqzzzxx", "#case-bleach-ammonia", false);
  const partial = await page.evaluate(() => {
    const p = document.querySelector("#search-results .search-partial");
    const m = document.querySelector("#search-results .result .missing");
    return [p ? p.textContent : "", m ? m.textContent : ""];
  });
  if (!partial[0].includes("partial")) problems.push("partial matches not labelled: " + JSON.stringify(partial[0]));
  if (!partial[1].includes("qqqzzzxx")) problems.push("missing word not shown: " + JSON.stringify(partial[1]));
  /* all the words: no partial label */
  await expect(exampleDir, "bleach ammonia", "#case-bleach-ammonia", false);
  if (await page.$("#search-results .search-partial")) problems.push("partial label on a full match");
  /* ?q= opens a page with a search */
  await page.goto(url(exampleDir, "harm.html") + "?q=ammonia");
  await page.waitForSelector("#search-results .result-link", { timeout: 10000 })
    .catch(() => problems.push("?q= did not search"));
  problems.push(...events);
  await context.close();
  if (problems.length) fail("search", problems.join("; "));
  else ok("search (English word, response phrase, id, Chinese and Japanese words, typos, partial matches, ?q=)");
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

/* A phone, 390x844: the page does not scroll sideways, no word of a
 * table breaks over two lines (headers such as "spam" were broken
 * letter by letter), and the tables scroll in regions of their own that
 * the keyboard can reach. */
async function checkPhone(browser) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const problems = [];
  let cells = 0, regions = 0;
  for (const [dir, f] of [exampleDir, jaDir].flatMap((d) => pages(d).map((f) => [d, f]))) {
    await page.goto(url(dir, f));
    const r = await page.evaluate(() => {
      const out = { wide: 0, broken: [], cells: 0, regions: 0, bad: [] };
      const root = document.documentElement;
      if (root.scrollWidth > root.clientWidth) out.wide = root.scrollWidth;
      for (const cell of document.querySelectorAll("main th, main td")) {
        out.cells++;
        const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let t = walk.nextNode(); t; t = walk.nextNode()) {
          /* a word: between spaces, hyphens and slashes, where a line may
           * break; a Han, Kana or Hangul character is one (a line breaks
           * between any two) */
          const re = /[\u3000-\u30ff\u3400-\u9fff\uac00-\ud7a3\uff00-\uffef]|[^\s\-\/\u2013\u2014\u3000-\u30ff\u3400-\u9fff\uac00-\ud7a3\uff00-\uffef]+/g;
          let m;
          while ((m = re.exec(t.data)) !== null) {
            const range = document.createRange();
            range.setStart(t, m.index);
            range.setEnd(t, m.index + m[0].length);
            const tops = new Set([...range.getClientRects()].filter((q) => q.width > 0)
              .map((q) => Math.round(q.top)));
            if (tops.size > 1 && out.broken.length < 3)
              out.broken.push(JSON.stringify(m[0]) + " in <" + cell.tagName.toLowerCase() + ">");
          }
        }
      }
      for (const table of document.querySelectorAll("main table")) {
        const box = table.parentElement;
        out.regions++;
        if (!box.classList.contains("table-scroll") || box.getAttribute("role") !== "region" ||
            box.tabIndex !== 0 || !box.getAttribute("aria-label"))
          out.bad.push(table.className || "table");
        else if (box.scrollWidth > box.clientWidth && getComputedStyle(box).overflowX !== "auto")
          out.bad.push(table.className + " (overflows without scrolling)");
      }
      return out;
    });
    cells += r.cells;
    regions += r.regions;
    const where = path.basename(path.dirname(dir)) + "/" + f;
    if (r.wide) problems.push(where + " scrolls sideways (" + r.wide + " px)");
    if (r.broken.length) problems.push(where + " breaks " + r.broken.join(", "));
    if (r.bad.length) problems.push(where + " table not in a labelled scroll region: " + r.bad.slice(0, 2).join(", "));
  }
  /* the region of a wide table scrolls with the keyboard */
  await page.goto(url(exampleDir, "comparisons.html"));
  const scrolled = await page.evaluate(() => {
    const box = [...document.querySelectorAll(".table-scroll")].find((b) => b.scrollWidth > b.clientWidth);
    return box ? (box.focus(), document.activeElement === box) : null;
  });
  if (scrolled === null) problems.push("comparisons.html: no table wider than the phone to scroll");
  else {
    await page.keyboard.press("ArrowRight");
    await page.waitForTimeout(300);
    const left = await page.evaluate(() => document.activeElement.scrollLeft);
    if (!(left > 0)) problems.push("ArrowRight did not scroll the focused table");
  }
  await context.close();
  if (problems.length) fail("phone", problems.slice(0, 8).join("; "));
  else ok("phone (390 px: " + cells + " table cells with no broken word, " + regions + " scroll regions, no sideways scroll)");
}

/* The built-in words of Chinese and Japanese, and a project's own. */
async function checkLanguages(browser) {
  const context = await browser.newContext();
  const { page, events } = await watchedPage(context);
  const problems = [];
  const frame = () => page.evaluate(() => ({
    lang: document.documentElement.lang,
    skip: document.querySelector("a.skip").textContent,
    label: document.querySelector("label[for=search-input]").textContent,
    placeholder: document.getElementById("search-input").placeholder,
    nav: [...document.querySelectorAll(".site-nav a")].map((a) => a.textContent),
    h1: document.querySelector("main h1") ? document.querySelector("main h1").textContent : "",
  }));
  const want = (what, got, wanted) => {
    if (got !== wanted) problems.push(what + ": " + JSON.stringify(got) + ", not " + JSON.stringify(wanted));
  };
  for (const [dir, lang, skip, label, cases, found, count] of [
    [zhDir, "zh", "跳到正文", "搜索指南", "案例", "结果", "个案例"],
    [jaDir, "ja", "本文へ移動", "ガイドラインを検索", "事例", "検索結果", "事例"],
  ]) {
    await page.goto(url(dir, "cases.html"));
    const f = await frame();
    want(lang + " lang", f.lang, lang);
    want(lang + " skip link", f.skip, skip);
    want(lang + " search label", f.label, label);
    want(lang + " cases heading", f.h1, cases);
    if (!f.nav.includes(cases === "案例" ? "全部案例" : "すべての事例"))
      problems.push(lang + " nav: " + JSON.stringify(f.nav));
    const filtered = await page.$eval("#filter-count", (e) => e.textContent);
    if (!filtered.includes(count)) problems.push(lang + " filter count: " + filtered);
    await searchFor(page, "退货").catch((e) => problems.push(lang + " search: " + e.message));
    const head = await page.$eval("#search-results .search-count", (e) => e.textContent).catch(() => "");
    if (!head.includes(found)) problems.push(lang + " results heading: " + head);
    const close = await page.$eval("#search-results .search-close", (e) => e.textContent).catch(() => "");
    if (!/[\u3040-\u30ff\u4e00-\u9fff]/.test(close)) problems.push(lang + " close button: " + close);
  }
  /* zh-Hant: the Chinese words, with the project's own over them */
  await page.goto(url(wordsDir, "cases.html"));
  const w = await frame();
  want("own lang", w.lang, "zh-Hant");
  want("own search label", w.label, "Find a rule");
  want("own skip link", w.skip, "Jump to the text");
  want("own cases heading", w.h1, "Examples <b>x</b>");
  if (await page.$("main h1 b")) problems.push("own words parsed as markup");
  want("own placeholder (built in)", w.placeholder, "搜索  /");
  problems.push(...events);
  await context.close();
  if (problems.length) fail("languages", problems.join("; "));
  else ok("languages (zh, ja: lang, frame, headings, search, filters; a project's own words, escaped)");
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
    if (want("phone")) await checkPhone(browser);
    if (want("languages")) await checkLanguages(browser);
    if (want("shots")) await screenshots(browser);
  } catch (e) {
    fail("browser", e.stack || String(e));
  } finally {
    await browser.close();
  }
  process.exit(failures ? 1 : 0);
})();
