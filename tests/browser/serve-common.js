// SPDX-License-Identifier: MIT
/*
 * tests/browser/serve-common.js: what the scripts that drive `casebook
 * serve` share (serve.test.js, the test layer; serve-reload.js, the
 * benchmark): starting the server and following its output, waiting
 * without fixed sleeps, plain HTTP requests with the path sent as given,
 * the Chromium they drive, and the lines of a test's report.
 *
 * SERVE_SLOW (a factor, default 1) stretches every time limit: the tests
 * run under ASan on loaded machines too.
 */
"use strict";

const fs = require("fs");
const http = require("http");
const path = require("path");
const { spawn } = require("child_process");

const SLOW = Math.max(1, Number(process.env.SERVE_SLOW) || 1);
const limit = (ms) => ms * SLOW;

/* `casebook serve ARGS` with its stdout and stderr kept as they come
 * (s.out, s.err) and its end (s.exited: {code, signal}). */
function startServe(casebook, args, env) {
  const child = spawn(casebook, ["serve", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...(env || {}) },
  });
  const s = { child, out: "", err: "", exited: null, waiters: [] };
  const poke = () => {
    for (const w of s.waiters.splice(0)) w();
  };
  child.stdout.on("data", (d) => { s.out += d; poke(); });
  child.stderr.on("data", (d) => { s.err += d; poke(); });
  child.on("exit", (code, signal) => { s.exited = { code, signal }; poke(); });
  child.on("error", (e) => { s.err += "spawn: " + e.message + "\n"; s.exited = { code: -1, signal: null }; poke(); });
  return s;
}

/* Resolves with pred(s) once it is true (checked whenever the server says
 * something or ends), rejects after ms. */
function until(s, pred, ms, what) {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new Error("timed out after " + ms + " ms waiting for " + what));
    }, ms);
    const test = () => {
      if (done) return;
      const v = pred(s);
      if (v) {
        done = true;
        clearTimeout(timer);
        resolve(v);
      } else {
        s.waiters.push(test);
      }
    };
    test();
  });
}

/* The URL the server printed, once it did. */
async function serveUrl(s, ms) {
  return until(s, (x) => {
    const m = /^(http:\/\/\S+)\n/m.exec(x.out);
    if (m) return m[1];
    if (x.exited) throw new Error("casebook serve exited (" + JSON.stringify(x.exited) + "): " + x.err.slice(-2000));
    return null;
  }, ms, "the URL of casebook serve");
}

/* Stops s with signal and waits for its end: {code, signal, ms}. */
async function stopServe(s, signal, ms) {
  const t0 = Date.now();
  if (!s.exited) s.child.kill(signal || "SIGINT");
  await until(s, (x) => x.exited, ms, "casebook serve to exit");
  return { ...s.exited, ms: Date.now() - t0 };
}

/* One HTTP request with rawPath sent exactly as given (no normalisation),
 * on a connection of its own: {status, headers, body}. */
function request(base, method, rawPath, headers) {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: u.hostname, port: u.port, method, path: rawPath,
      headers: headers || {}, agent: false,
    }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.setTimeout(limit(30000), () => req.destroy(new Error("no answer to " + method + " " + rawPath)));
    req.on("error", reject);
    req.end();
  });
}

/* Polls fn(arg) in page until it returns something true, through the
 * page's reloads (an evaluation cut short by a navigation is tried
 * again). Resolves with the value, rejects after ms. */
async function pagePoll(page, fn, arg, ms, what) {
  const deadline = Date.now() + ms;
  let last = null;
  for (;;) {
    try {
      const v = await page.evaluate(fn, arg);
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error("timed out after " + ms + " ms waiting for " + what + (last ? " (" + last.message.split("\n")[0] + ")" : ""));
    await new Promise((r) => setTimeout(r, 25));
  }
}

/* Headless Chromium from Debian. */
function launchChromium() {
  const { chromium } = require("playwright-core");
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
}

/* A copy of the casebook src at dst, without its _build. */
function copyBook(src, dst) {
  fs.rmSync(dst, { recursive: true, force: true });
  fs.cpSync(src, dst, { recursive: true, filter: (f) => path.basename(f) !== "_build" });
}

/* The lines the test layer reads, "ok NAME" and "FAIL NAME: why" (on one
 * line), and check(NAME, PROBLEMS, DETAIL): ok when the list is empty. */
let failed = 0;
function reporter() {
  const ok = (name) => console.log("ok " + name);
  const fail = (name, why) => {
    failed++;
    console.log("FAIL " + name + ": " + String(why).replace(/\s*\n\s*/g, " | ").slice(0, 1500));
  };
  const check = (name, problems, detail) => {
    if (problems.length) fail(name, problems.slice(0, 8).join("; "));
    else ok(name + (detail ? " (" + detail + ")" : ""));
  };
  return { ok, fail, check };
}
reporter.failures = () => failed;

module.exports = {
  reporter, limit, startServe, until, serveUrl, stopServe, request, pagePoll, launchChromium, copyBook };
