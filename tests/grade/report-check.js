// SPDX-License-Identifier: MIT
/*
 * tests/grade/report-check.js: the grade report in a real browser
 * (headless Chromium from Debian, driven by playwright-core), run by the
 * `gradereport` test layer (tests/layers/gradereport.sh):
 *
 *   node report-check.js GRADE-DIR FEEDBACK-PAGE SCREENSHOT-DIR
 *
 * GRADE-DIR holds report.html; FEEDBACK-PAGE is one annotator's page,
 * relative to it ("annotators/ann-1.html"). Checks, each printed as
 * "ok NAME" or "FAIL NAME: why":
 *   vnu    both pages pass the Nu HTML checker (errors only)
 *   axe    both pages have no serious or critical axe violation, light
 *          and dark
 *   load   from file://: the stylesheet applies, no console error, no
 *          request leaves the folder, no script on the page
 *   charts every chart is an <svg role="img"> named by its title and desc
 *   narrow no page is wider than 390 px at 390 px
 *   shots  screenshots at 1280 and 390 px of both pages (looked at by a
 *          person, not compared)
 * The exit status is 1 when a check failed.
 */
"use strict";

const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");
const { chromium } = require("playwright-core");

const [gradeDir, feedback, shotDir] = process.argv.slice(2);
if (!shotDir) {
  console.error("usage: node report-check.js GRADE-DIR FEEDBACK-PAGE SCREENSHOT-DIR");
  process.exit(2);
}

let failures = 0;
const ok = (name) => console.log("ok " + name);
function fail(name, why) {
  failures++;
  console.log("FAIL " + name + ": " + why);
}

const pages = ["report.html", feedback];
const fileUrl = (p) => "file://" + path.resolve(gradeDir, p);

function checkVnu() {
  const jar = require.resolve("vnu-jar/build/dist/vnu.jar");
  const files = pages.map((p) => path.join(gradeDir, p));
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
    fail("vnu", errors.length + " errors: " + errors.slice(0, 6)
      .map((m) => path.basename(m.url || "") + ":" + m.lastLine + ": " + m.message).join(" | "));
  else ok("vnu (" + files.length + " pages, 0 errors)");
}

async function checkAxe(browser) {
  const axePath = require.resolve("axe-core/axe.min.js");
  const problems = [];
  let runs = 0;
  for (const scheme of ["light", "dark"]) {
    /* the page's policy forbids injected scripts: axe comes in around it */
    const context = await browser.newContext({ bypassCSP: true, colorScheme: scheme });
    const page = await context.newPage();
    for (const p of pages) {
      await page.goto(fileUrl(p));
      await page.addScriptTag({ path: axePath });
      const violations = await page.evaluate(async () => {
        const r = await window.axe.run(document, { resultTypes: ["violations"] });
        return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
          .map((v) => v.id + " (" + v.nodes.length + "): " +
               v.nodes.slice(0, 2).map((n) => n.target.join(" ")).join(", "));
      });
      runs++;
      for (const v of violations) problems.push(scheme + " " + p + ": " + v);
    }
    await context.close();
  }
  if (problems.length) fail("axe", problems.length + " serious or critical: " + problems.slice(0, 6).join(" | "));
  else ok("axe (" + runs + " page runs, light and dark, 0 serious or critical)");
}

async function checkLoad(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push("console: " + m.text()); });
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  page.on("request", (r) => {
    if (!r.url().startsWith("file://" + path.resolve(gradeDir)))
      problems.push("request outside the folder: " + r.url());
  });
  for (const p of pages) {
    await page.goto(fileUrl(p));
    const styled = await page.evaluate(() =>
      getComputedStyle(document.querySelector(".totals") || document.body).display);
    if (styled !== "grid") problems.push(p + ": report.css did not apply (.totals is " + styled + ")");
    const scripts = await page.$$eval("script", (s) => s.length);
    if (scripts) problems.push(p + ": " + scripts + " script elements");
    const charts = await page.$$eval("svg", (all) => all.map((s) => {
      const ids = (s.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean);
      const named = ids.length === 2 && ids.every((id) => {
        const e = document.getElementById(id);
        return e && s.contains(e) && e.textContent.trim().length > 0;
      });
      return s.getAttribute("role") === "img" && named;
    }));
    if (charts.some((c) => !c)) problems.push(p + ": a chart without role img, title and desc");
    if (p === "report.html" && charts.length < 3) problems.push(p + ": only " + charts.length + " charts");
  }
  await context.close();
  if (problems.length) fail("load", problems.slice(0, 6).join(" | "));
  else ok("load (stylesheet applied, no script, nothing fetched outside, charts named)");
}

async function checkShots(browser) {
  fs.mkdirSync(shotDir, { recursive: true });
  const problems = [];
  for (const width of [1280, 390]) {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    for (const p of pages) {
      await page.goto(fileUrl(p));
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width === 390 && wide > 390) problems.push(p + " is " + wide + " px wide at 390 px");
      const name = "grade-" + path.basename(p, ".html") + "-" + width + ".png";
      await page.screenshot({ path: path.join(shotDir, name), fullPage: true });
    }
    await context.close();
  }
  if (problems.length) fail("narrow", problems.join(" | "));
  else ok("narrow (no page wider than 390 px)");
  ok("shots (" + shotDir + ")");
}

(async () => {
  checkVnu();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  try {
    await checkAxe(browser);
    await checkLoad(browser);
    await checkShots(browser);
  } finally {
    await browser.close();
  }
  process.exit(failures ? 1 : 0);
})().catch((e) => {
  console.log("FAIL run: " + (e && e.stack ? e.stack.split("\n").slice(0, 3).join(" ") : e));
  process.exit(1);
});
