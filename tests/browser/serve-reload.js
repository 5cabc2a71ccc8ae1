// SPDX-License-Identifier: MIT
/*
 * tests/browser/serve-reload.js: how long `casebook serve` takes from the
 * save of a chapter to the reloaded page, in headless Chromium (`make
 * bench` runs it on the example; the goal is under 300 ms).
 *
 *   node serve-reload.js CASEBOOK EXAMPLE-DIR WORK-DIR [SAVES]
 *
 * It serves a copy of EXAMPLE-DIR (in WORK-DIR) on --port 0, opens the
 * chapter harm.html, then saves harm.md SAVES times (default 7) with a
 * new title each time. Each time is from just before the file is written
 * to the load event of the page that shows the new title (the page
 * stamps Date.now() at its load, on the same clock). Prints the median,
 * best and worst:
 *
 *   serve reload: save to reloaded page 142 ms median (best 120 ms,
 *   worst 180 ms, 7 saves) (goal < 300 ms: met)
 *
 * Exit status 0 when measured (met or not), 1 when it could not run.
 */
"use strict";

const fs = require("fs");
const path = require("path");
const c = require("./serve-common.js");

const [casebook, example, work, savesArg] = process.argv.slice(2);
if (!work) {
  console.error("usage: node serve-reload.js CASEBOOK EXAMPLE-DIR WORK-DIR [SAVES]");
  process.exit(2);
}
const saves = Number(savesArg) || 7;

async function main() {
  const book = path.join(work, "book");
  c.copyBook(example, book);
  const harm = path.join(book, "harm.md");
  const good = fs.readFileSync(harm, "utf8");
  const s = c.startServe(casebook, [book, "--port", "0"]);
  let browser = null;
  try {
    const url = await c.serveUrl(s, c.limit(120000));
    browser = await c.launchChromium();
    const page = await browser.newPage();
    await page.addInitScript(() => {
      window.addEventListener("load", () => { window.__loadedAt = Date.now(); });
    });
    await page.goto(url + "harm.html");
    const times = [];
    for (let i = 0; i < saves; i++) {
      const title = "reload-bench-" + i + "-" + Date.now();
      const saved = Date.now();
      fs.writeFileSync(harm, good.replace(/^# Harm\b/m, "# Harm " + title));
      const loadedAt = await c.pagePoll(page, (t) => document.readyState === "complete" &&
        document.body.innerText.includes(t) && window.__loadedAt, title, c.limit(30000), "the reloaded page");
      times.push(loadedAt - saved);
      /* let the server settle before the next save */
      await new Promise((r) => setTimeout(r, 300));
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    console.log("serve reload: save to reloaded page " + median + " ms median (best " + times[0] +
      " ms, worst " + times[times.length - 1] + " ms, " + times.length + " saves) (goal < 300 ms: " +
      (median < 300 ? "met" : "MISSED") + ")");
  } finally {
    if (browser) await browser.close().catch(() => {});
    await c.stopServe(s, "SIGINT", c.limit(30000)).catch(() => s.child.kill("SIGKILL"));
  }
}

main().then(() => process.exit(0), (e) => {
  console.error("serve reload: " + (e && e.message ? e.message : e));
  process.exit(1);
});
