// SPDX-License-Identifier: MIT
/*
 * tests/browser/serve.test.js: `casebook serve` with real clients, headless
 * Chromium (playwright-core) and plain HTTP, run by the `serve` test layer
 * (tests/layers/serve.sh):
 *
 *   node serve.test.js CASEBOOK EXAMPLE-DIR WORK-DIR
 *
 * It serves a copy of EXAMPLE-DIR (in WORK-DIR) on --port 0 and checks,
 * each printed as "ok NAME" or "FAIL NAME: why":
 *   url        the URL is printed, on 127.0.0.1 and nowhere else
 *   http       content types, HEAD, ETag and Last-Modified with 304, 405,
 *              the reload client added to the pages served and not to
 *              the files of the build
 *   paths      "..", %2e%2e, %2f, absolute paths and URLs, backslashes:
 *              403 or 404, nothing from outside the site
 *   page       a page loads in Chromium with no console error (the
 *              client's event stream is allowed by the page's policy)
 *   edit       a chapter saved: the page reloads with the new text, the
 *              other chapters from the build cache
 *   error      an error saved: an overlay on the page with the
 *              diagnostic's file:line:col (also on stderr), its text
 *              (<script>, invalid UTF-8) shown as text; the last good site
 *              still served; a page opened meanwhile shows it too
 *   fix        the error fixed: the overlay goes (without a reload when
 *              the site is the last good one again)
 *   browsers   three browser contexts on three pages reload at one save
 *   links      links in the site to outside it, folders without an
 *              index: 404, never listed; a folder with one: 301 then 200
 *   burst      an editor's save (4913, rename to NAME~, write, delete,
 *              swap file) is one rebuild and one reload
 *   ignored    backup, swap and hidden files alone: no rebuild
 *   folder     a folder made after the start is watched
 *   port       a second server on the same port: one line, exit status 2
 *   open       --open runs $BROWSER with the URL
 *   first      a casebook with errors from the start: served, with them
 *   sigint     SIGINT with pages connected: exit 0 at once, no child
 *              left, the port closed
 * The exit status is 1 when a check failed.
 */
"use strict";

const fs = require("fs");
const net = require("net");
const os = require("os");
const path = require("path");
const c = require("./serve-common.js");

const [casebook, example, work] = process.argv.slice(2);
if (!work) {
  console.error("usage: node serve.test.js CASEBOOK EXAMPLE-DIR WORK-DIR");
  process.exit(2);
}

const { ok, fail, check } = c.reporter();

const book = path.join(work, "book");
const harm = path.join(book, "harm.md");
const rebuilds = (s) => (s.err.match(/^casebook: rebuilt in /gm) || []).length;
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

/* The site's id in the pages served now (the data-site of the client). */
async function siteId(url) {
  const r = await c.request(url, "GET", "/");
  const m = /src="\/_casebook\/reload\.js" data-site="([0-9a-f]+)"/.exec(r.body.toString());
  return m ? m[1] : null;
}

/* Waits until the pages served come from a site other than id. */
async function newSite(url, id, what) {
  const deadline = Date.now() + c.limit(60000);
  for (;;) {
    const now = await siteId(url);
    if (now && now !== id) return now;
    if (Date.now() > deadline) throw new Error("timed out waiting for " + what);
    await wait(50);
  }
}

async function checkUrl(url) {
  const problems = [];
  if (!/^http:\/\/127\.0\.0\.1:[1-9][0-9]*\/$/.test(url)) problems.push("URL " + url);
  /* another address of this machine: nothing listens there */
  const port = Number(new URL(url).port);
  const other = Object.values(os.networkInterfaces()).flat()
    .find((a) => a && a.family === "IPv4" && !a.internal);
  if (other) {
    const refused = await new Promise((resolve) => {
      const sock = net.connect({ host: other.address, port }, () => { sock.destroy(); resolve(false); });
      sock.on("error", () => resolve(true));
      sock.setTimeout(c.limit(5000), () => { sock.destroy(); resolve(true); });
    });
    if (!refused) problems.push("a connection to " + other.address + ":" + port + " was accepted");
  }
  check("url", problems, url + (other ? ", not on " + other.address : ""));
}

async function checkHttp(url) {
  const problems = [];
  const get = (p, h) => c.request(url, "GET", p, h);
  const root = await get("/");
  const index = await get("/index.html");
  const page = root.body.toString();
  if (root.status !== 200) problems.push("GET / " + root.status);
  if (!root.body.equals(index.body)) problems.push("/ is not /index.html");
  if (!/<script src="\/_casebook\/reload\.js" data-site="[0-9a-f]{32}" defer><\/script>\s*<\/head>/.test(page))
    problems.push("no reload client before </head>");
  if (!page.includes("content=\"connect-src 'self'; default-src 'none';"))
    problems.push("no connect-src in the policy");
  const built = fs.readFileSync(path.join(book, "_build", "html", "index.html"), "utf8");
  if (built.includes("_casebook") || built.includes("connect-src"))
    problems.push("the build's own index.html has the client");
  const types = {
    "/": "text/html; charset=utf-8",
    "/harm.html": "text/html; charset=utf-8",
    "/style.css": "text/css; charset=utf-8",
    "/site.js": "text/javascript; charset=utf-8",
    "/search-index.js": "text/javascript; charset=utf-8",
    "/_casebook/reload.js": "text/javascript; charset=utf-8",
    "/_casebook/overlay.css": "text/css; charset=utf-8",
  };
  for (const [p, type] of Object.entries(types)) {
    const r = await get(p);
    if (r.status !== 200 || r.headers["content-type"] !== type || r.headers["x-content-type-options"] !== "nosniff")
      problems.push(p + ": " + r.status + " " + r.headers["content-type"]);
  }
  /* HEAD: the headers of GET, no body */
  const css = await get("/style.css");
  const head = await c.request(url, "HEAD", "/style.css");
  if (head.status !== 200 || head.body.length !== 0 ||
      Number(head.headers["content-length"]) !== css.body.length || head.headers.etag !== css.headers.etag)
    problems.push("HEAD /style.css: " + head.status + ", length " + head.headers["content-length"] + ", body " + head.body.length);
  /* conditional requests */
  const etag = css.headers.etag, lm = css.headers["last-modified"];
  if (!/^"[0-9a-f]{32}"$/.test(etag || "") || !lm) problems.push("ETag " + etag + ", Last-Modified " + lm);
  const cond = [
    [{ "If-None-Match": etag }, 304],
    [{ "If-None-Match": '"nope", W/' + etag }, 304],
    [{ "If-None-Match": "*" }, 304],
    [{ "If-None-Match": '"nope"' }, 200],
    [{ "If-Modified-Since": lm }, 304],
    [{ "If-Modified-Since": "Mon, 01 Jan 1990 00:00:00 GMT" }, 200],
    [{ "If-None-Match": '"nope"', "If-Modified-Since": lm }, 200],
  ];
  for (const [h, want] of cond) {
    const r = await get("/style.css", h);
    if (r.status !== want || (want === 304 && (r.body.length || r.headers.etag !== etag)))
      problems.push(JSON.stringify(h) + ": " + r.status + " (want " + want + ")");
  }
  const headCond = await c.request(url, "HEAD", "/harm.html", { "If-None-Match": (await get("/harm.html")).headers.etag });
  if (headCond.status !== 304) problems.push("HEAD with If-None-Match: " + headCond.status);
  const own = await get("/_casebook/reload.js");
  if ((await get("/_casebook/reload.js", { "If-None-Match": own.headers.etag })).status !== 304)
    problems.push("no 304 for the client");
  for (const m of ["POST", "PUT", "DELETE"]) {
    const r = await c.request(url, m, "/index.html");
    if (r.status !== 405 || !/GET/.test(r.headers.allow || "")) problems.push(m + ": " + r.status);
  }
  const missing = await get("/no-such-page.html");
  if (missing.status !== 404) problems.push("missing page: " + missing.status);
  check("http", problems, Object.keys(types).length + " types, HEAD, " + cond.length + " conditional requests");
}

async function checkPaths(url) {
  const problems = [];
  const secret = fs.readFileSync(path.join(book, "casebook.lua"), "utf8").slice(0, 40);
  const tries = {
    "/../casebook.lua": [403],
    "/../../../../etc/passwd": [403],
    "/%2e%2e/casebook.lua": [403],
    "/%2E%2E%2Fcasebook.lua": [403],
    "/..%2f..%2fetc%2fpasswd": [403],
    "/harm.html/../../casebook.lua": [403],
    "/.%2e/casebook.lua": [403],
    "//etc/passwd": [404],
    "/%2Fetc%2Fpasswd": [404],
    "/etc/passwd": [404],
    "/./index.html": [404],
    "/..\\casebook.lua": [404],
    "/%5c..%5ccasebook.lua": [404],
    "/html/index.html": [404],
    "/harm.md": [404],
    "/casebook.lua": [404],
    "/rubric.json": [404],
    "/gold.jsonl": [404],
    "/.cache": [404],
    "/.casebook-lock": [404],
    "/%00index.html": [400, 404],
  };
  for (const [p, want] of Object.entries(tries)) {
    const r = await c.request(url, "GET", p);
    const body = r.body.toString();
    if (!want.includes(r.status)) problems.push(p + ": " + r.status);
    if (body.includes("root:") || body.includes(secret)) problems.push(p + ": leaked a file");
  }
  /* an absolute URL as the request target */
  const abs = await c.request(url, "GET", url + "../casebook.lua");
  if (![400, 403, 404].includes(abs.status) || abs.body.toString().includes(secret))
    problems.push("absolute URL: " + abs.status);
  check("paths", problems, Object.keys(tries).length + 1 + " paths");
}

/* A page that records its errors. */
async function watchedPage(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  /* a resource that fails is named by its response below (Chromium asks
   * for /favicon.ico on its own: the site has none) */
  page.on("console", (m) => {
    if (m.type() === "error" && !/^Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  page.on("response", (r) => {
    if (r.status() >= 400 && new URL(r.url()).pathname !== "/favicon.ico") errors.push(r.status() + " " + r.url());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  let loads = 0;
  page.on("load", () => loads++);
  await page.goto(url, { timeout: c.limit(60000) });
  return { page, context, errors, loads: () => loads };
}

/* Marks the document in page; it is gone once the page reloaded. */
const mark = (page) => page.evaluate(() => { window.__casebookMark = 1; });
const reloaded = (page) => page.evaluate(() => window.__casebookMark === undefined);
const overlayText = () => {
  const o = document.getElementById("casebook-serve-overlay");
  return o ? o.textContent : null;
};

async function main() {
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  c.copyBook(example, book);
  const good = fs.readFileSync(harm, "utf8");
  const s = c.startServe(casebook, ["-v", book, "--port", "0"]);
  const others = [];
  let browser = null;
  try {
    const url = await c.serveUrl(s, c.limit(120000));
    await checkUrl(url);
    await checkHttp(url);
    await checkPaths(url);

    browser = await c.launchChromium();
    const main = await watchedPage(browser, url + "harm.html");
    const { page } = main;
    const title = await page.title();
    check("page", [...main.errors, ...(title ? [] : ["no title"])], title);

    /* edit: a new title on the chapter */
    const edited = good.replace(/^# Harm\b/m, "# Harm serve-edit-one");
    if (edited === good) throw new Error("the example's harm.md has no '# Harm' title");
    await mark(page);
    let t0 = Date.now();
    fs.writeFileSync(harm, edited);
    await c.pagePoll(page, () => document.body && document.body.innerText.includes("serve-edit-one") && document.readyState === "complete",
      null, c.limit(60000), "the page with the edit");
    const editMs = Date.now() - t0;
    /* through the build cache: the other chapters were not parsed again */
    const cached = /^casebook: the build took \d+ ms \((\d+) of (\d+) chapters from the build cache\)/gm;
    await c.until(s, (x) => [...x.err.matchAll(cached)].length >= 2, c.limit(10000), "the -v line of the rebuild")
      .catch(() => {});
    const counts = [...s.err.matchAll(cached)].pop();
    const editProblems = (await reloaded(page)) ? [] : ["the text changed without a reload"];
    if (!counts || Number(counts[1]) !== Number(counts[2]) - 1 || Number(counts[2]) < 2)
      editProblems.push("not one chapter parsed: " + (counts ? counts[0] : "no -v line"));
    check("edit", editProblems, "reloaded in " + editMs + " ms, " + (counts ? counts[1] + " of " + counts[2] + " chapters cached" : ""));

    /* error: an unknown question, named with markup and an invalid byte */
    const lines = edited.split("\n");
    const at = lines.indexOf("- applies-to: harm, refusal");
    if (at < 0) throw new Error("harm.md has no '- applies-to: harm, refusal' line");
    const badLine = "- applies-to: harm, &lt;script&gt;window.__pwned=1&lt;/script&gt;";
    const brokenText = Buffer.concat([
      Buffer.from(lines.slice(0, at).concat(badLine).join("\n")), Buffer.from([0xff]),
      Buffer.from("\n" + lines.slice(at + 1).join("\n")),
    ]);
    const where = "harm.md:" + (at + 1) + ":21";
    const goodId = await siteId(url);
    const before = rebuilds(s);
    await mark(page);
    fs.writeFileSync(harm, brokenText);
    const shown = await c.pagePoll(page, overlayText, null, c.limit(60000), "the overlay");
    const problems = [];
    if (!shown.includes(where)) problems.push("overlay without " + where + ": " + shown.slice(0, 300));
    if (!shown.includes("from the last good build")) problems.push("overlay does not say the page is the last good build");
    if (!shown.includes("<script>window.__pwned=1</script>\ufffd")) problems.push("overlay without the text as text: " + shown.slice(0, 300));
    if (!new RegExp("^\\S*" + where.replace(/\./g, "\\.") + ": error: ", "m").test(s.err)) problems.push("stderr without " + where);
    const safe = await page.evaluate(() => [window.__pwned, document.querySelectorAll("#casebook-serve-overlay script, #casebook-serve-overlay [onerror]").length]);
    if (safe[0] !== undefined || safe[1]) problems.push("markup of the diagnostic ran: " + safe);
    if (!(await page.evaluate(() => window.__casebookMark === 1))) problems.push("the page reloaded on an error");
    /* its style sheet came through the page's policy */
    const styled = await c.pagePoll(page, () => {
      const o = document.getElementById("casebook-serve-overlay");
      return o && getComputedStyle(o).position === "fixed";
    }, null, c.limit(10000), "the overlay's style").catch(() => false);
    if (!styled) problems.push("the overlay has no style");
    problems.push(...main.errors);
    const served = (await c.request(url, "GET", "/harm.html")).body.toString();
    if (!served.includes("serve-edit-one") || served.includes("__pwned")) problems.push("the last good site is not the one served");
    if ((await siteId(url)) !== goodId) problems.push("the site changed");
    if (rebuilds(s) <= before) problems.push("no rebuild said on stderr");
    const other = await watchedPage(browser, url + "index.html");
    const shownThere = await c.pagePoll(other.page, overlayText, null, c.limit(30000), "the overlay on a page opened later").catch((e) => String(e));
    if (!shownThere.includes(where)) problems.push("a page opened later: " + shownThere.slice(0, 200));
    await other.context.close();
    check("error", problems, where);

    /* fix: back to the last good text, the same site: no reload */
    await mark(page);
    fs.writeFileSync(harm, edited);
    await c.pagePoll(page, () => !document.getElementById("casebook-serve-overlay"), null, c.limit(60000), "the overlay to go")
      .then(async () => check("fix", (await reloaded(page)) ? ["reloaded though the site is the same"] : [], "overlay gone, no reload"))
      .catch((e) => fail("fix", e));

    /* links and folders planted in the build's site, published by the next build */
    const html = path.join(book, "_build", "html");
    fs.symlinkSync(path.join(book, "casebook.lua"), path.join(html, "leak.txt"));
    fs.symlinkSync("/etc", path.join(html, "leak-etc"));
    fs.mkdirSync(path.join(html, "sub"));
    fs.writeFileSync(path.join(html, "sub", "a.txt"), "plain\n");
    fs.mkdirSync(path.join(html, "sub2"));
    fs.writeFileSync(path.join(html, "sub2", "index.html"), "<!DOCTYPE html><title>sub2</title><p>sub two</p>\n");

    /* browsers: three contexts, three pages, one save */
    const pages = [main];
    for (const p of ["index.html", "cases.html"]) pages.push(await watchedPage(browser, url + p));
    for (const p of pages) await mark(p.page);
    const id = await siteId(url);
    fs.writeFileSync(harm, good.replace(/^# Harm\b/m, "# Harm serve-edit-two"));
    const id2 = await newSite(url, id, "the site of the second edit");
    const stale = [];
    for (const p of pages) {
      const got = await c.pagePoll(p.page, (want) => {
        const el = document.querySelector("script[data-site]");
        return el && el.getAttribute("data-site") === want && document.readyState === "complete";
      }, id2, c.limit(60000), "a reload").catch(() => false);
      if (!got || !(await reloaded(p.page))) stale.push(p.page.url());
    }
    for (const p of pages.slice(1)) await p.context.close();
    check("browsers", stale.map((u) => "not reloaded: " + u), pages.length + " pages reloaded");

    const linkProblems = [];
    const want = { "/leak.txt": 404, "/leak-etc/passwd": 404, "/leak-etc/": 404, "/sub": 404, "/sub/": 404,
                   "/sub/a.txt": 200, "/sub2": 301, "/sub2/": 200, "/sub2/index.html": 200 };
    for (const [p, status] of Object.entries(want)) {
      const r = await c.request(url, "GET", p);
      if (r.status !== status) linkProblems.push(p + ": " + r.status + " (want " + status + ")");
      if (r.body.toString().includes("root:")) linkProblems.push(p + ": leaked /etc");
      if (status === 301 && r.headers.location !== "/sub2/") linkProblems.push(p + ": Location " + r.headers.location);
    }
    check("links", linkProblems, Object.keys(want).length + " paths");

    /* burst: how an editor saves, one rebuild and one reload */
    await mark(page);
    const loadsBefore = main.loads(), burstBefore = rebuilds(s);
    const next = good.replace(/^# Harm\b/m, "# Harm serve-edit-three");
    fs.writeFileSync(path.join(book, "4913"), "");
    fs.unlinkSync(path.join(book, "4913"));
    fs.renameSync(harm, harm + "~");
    fs.writeFileSync(path.join(book, ".harm.md.swp"), "swap");
    /* an editor takes a moment between the steps: a watcher that built at
     * once would build a book without its chapter */
    await wait(50);
    fs.writeFileSync(harm, next);
    fs.unlinkSync(harm + "~");
    fs.unlinkSync(path.join(book, ".harm.md.swp"));
    await c.pagePoll(page, () => document.body && document.body.innerText.includes("serve-edit-three") && document.readyState === "complete",
      null, c.limit(60000), "the page after the editor's save");
    /* a second rebuild would come within the watcher's linger: give it
     * several times that */
    await wait(c.limit(1500));
    const burstProblems = [];
    if (rebuilds(s) - burstBefore !== 1) burstProblems.push((rebuilds(s) - burstBefore) + " rebuilds");
    if (main.loads() - loadsBefore !== 1) burstProblems.push((main.loads() - loadsBefore) + " reloads");
    check("burst", burstProblems, "one rebuild, one reload");

    /* ignored: backup, swap, hidden and editor files alone */
    const quiet = rebuilds(s);
    const junk = ["harm.md~", "#harm.md#", ".harm.md.swp", "4913", "_draft.md", ".hidden.md", "harm.md.bak"];
    for (const f of junk) fs.writeFileSync(path.join(book, f), "# junk\n");
    for (const f of junk) fs.unlinkSync(path.join(book, f));
    await wait(c.limit(1500));
    check("ignored", rebuilds(s) === quiet ? [] : [(rebuilds(s) - quiet) + " rebuilds"], junk.length + " files");

    /* folder: made after the start, then a file in it */
    const folderBefore = rebuilds(s);
    fs.mkdirSync(path.join(book, "later"));
    await c.until(s, (x) => rebuilds(x) > folderBefore, c.limit(30000), "the rebuild for the folder").catch(() => {});
    const folderMid = rebuilds(s);
    fs.writeFileSync(path.join(book, "later", "notes.md"), "# Notes\n\nA chapter in a folder.\n");
    await c.until(s, (x) => rebuilds(x) > folderMid, c.limit(30000), "a rebuild for a file in a new folder")
      .then(() => ok("folder"), (e) => fail("folder", e));

    /* port: a second server on the same port */
    const port = new URL(url).port;
    const second = c.startServe(casebook, [book, "--port", port, "-o", path.join(work, "out2")]);
    others.push(["second", second]);
    await c.until(second, (x) => x.exited, c.limit(60000), "the second server to give up")
      .then(() => {
        const lines = second.err.split("\n").filter(Boolean);
        const problems = [];
        if (second.exited.code !== 2) problems.push("exit status " + JSON.stringify(second.exited));
        if (lines.length !== 1 || !lines[0].startsWith("casebook: cannot listen on 127.0.0.1:" + port + ": ") || !/in use/i.test(lines[0]))
          problems.push("stderr: " + second.err);
        if (second.out) problems.push("stdout: " + second.out);
        check("port", problems, lines[0]);
      }, (e) => { second.child.kill("SIGKILL"); fail("port", e); });

    /* open: --open runs $BROWSER with the URL */
    const opened = path.join(work, "opened.txt");
    const fake = path.join(work, "browser.sh");
    fs.writeFileSync(fake, "#!/bin/sh\nprintf '%s\\n' \"$1\" >" + JSON.stringify(opened) + ".tmp && mv " +
      JSON.stringify(opened) + ".tmp " + JSON.stringify(opened) + "\n", { mode: 0o755 });
    const third = c.startServe(casebook, [book, "--port", "0", "--open", "-o", path.join(work, "out3")], { BROWSER: fake });
    others.push(["third", third]);
    try {
      const url3 = await c.serveUrl(third, c.limit(120000));
      const deadline = Date.now() + c.limit(30000);
      while (!fs.existsSync(opened) && Date.now() < deadline) await wait(50);
      const said = fs.existsSync(opened) ? fs.readFileSync(opened, "utf8").trim() : "(nothing)";
      const end = await c.stopServe(third, "SIGINT", c.limit(30000));
      const problems = [];
      if (said !== url3) problems.push("$BROWSER got " + said + ", not " + url3);
      if (end.code !== 0) problems.push("exit " + JSON.stringify(end));
      check("open", problems, said);
    } catch (e) {
      third.child.kill("SIGKILL");
      fail("open", e);
    }

    /* first: a casebook with errors from the start is served, with them */
    const broken = path.join(work, "broken");
    c.copyBook(example, broken);
    fs.writeFileSync(path.join(broken, "harm.md"), brokenText);
    const fourth = c.startServe(casebook, [broken, "--port", "0"]);
    others.push(["fourth", fourth]);
    try {
      const url4 = await c.serveUrl(fourth, c.limit(120000));
      const p4 = await watchedPage(browser, url4 + "harm.html");
      const shown4 = await c.pagePoll(p4.page, overlayText, null, c.limit(30000), "the overlay of the first build");
      await p4.context.close();
      const end4 = await c.stopServe(fourth, "SIGINT", c.limit(30000));
      const problems4 = [];
      if (!shown4.includes(where) || !shown4.includes("built with them")) problems4.push("overlay: " + shown4.slice(0, 200));
      if (end4.code !== 0) problems4.push("exit " + JSON.stringify(end4));
      check("first", problems4, "served with its errors");
    } catch (e) {
      fourth.child.kill("SIGKILL");
      fail("first", e);
    }

    /* sigint: with three event streams open */
    const pid = s.child.pid;
    const children = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d)).filter((d) => {
      try {
        return fs.readFileSync("/proc/" + d + "/stat", "utf8").replace(/^.*\) /, "").split(" ")[1] === String(pid);
      } catch (e) {
        return false;
      }
    });
    const end = await c.stopServe(s, "SIGINT", c.limit(30000));
    const stopProblems = [];
    if (end.code !== 0 || end.signal) stopProblems.push("exit " + JSON.stringify(end));
    if (end.ms > c.limit(5000)) stopProblems.push("took " + end.ms + " ms");
    if (children.length) stopProblems.push("children: " + children.join(" "));
    const closed = await new Promise((resolve) => {
      const sock = net.connect({ host: "127.0.0.1", port: Number(port) }, () => { sock.destroy(); resolve(false); });
      sock.on("error", () => resolve(true));
    });
    if (!closed) stopProblems.push("the port still answers");
    check("sigint", stopProblems, "exit 0 in " + end.ms + " ms");
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (!s.exited) s.child.kill("SIGKILL");
    /* the servers' stderr, for the layer's sanitizer check */
    fs.writeFileSync(path.join(work, "serve.err"), s.err);
    for (const [name, x] of others) {
      if (!x.exited) x.child.kill("SIGKILL");
      fs.writeFileSync(path.join(work, name + ".err"), x.err);
    }
  }
}

main().then(() => process.exit(c.reporter.failures() ? 1 : 0), (e) => {
  fail("serve", e && e.stack ? e.stack : e);
  process.exit(1);
});
