// SPDX-License-Identifier: MIT
// common.js: what the end-to-end scripts of `casebook grade` share
// (ls-annotate.js, argilla-make.js, grade-expect.js): the "ok" / "FAIL"
// lines and their counts, and the gold answers of a build.
"use strict";

const fs = require("fs");
const path = require("path");

const counts = { passed: 0, failed: 0 };

function ok(name) {
  counts.passed++;
  console.log("ok   " + name);
}

function bad(name, detail) {
  counts.failed++;
  console.log("FAIL " + name);
  if (detail) console.log(String(detail).split("\n").slice(0, 30).map((l) => "     " + l).join("\n"));
}

function check(name, cond, detail) {
  if (cond) ok(name);
  else bad(name, detail);
}

// The last line the layer reads: "RESULT passed failed".
function result() {
  console.log("RESULT " + counts.passed + " " + counts.failed);
}

// The lines of OUT/gold.jsonl by case id.
function readGold(out) {
  return Object.fromEntries(
    fs
      .readFileSync(path.join(out, "gold.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .map((g) => [g.id, g])
  );
}

module.exports = { counts, ok, bad, check, result, readGold };
