// SPDX-License-Identifier: MIT
// argilla-layout.js: a dataset directory as one JSON value, for the
// from_disk schema (argilla-from-disk.schema.json).
//
//   node argilla-layout.js DIR OUT.json
//
// Every file under DIR, hidden ones included, becomes a member of the
// object, named by its path relative to DIR ('/' separated), its value
// the file parsed as JSON (a file that does not parse is the string
// "not JSON", which no schema of a file accepts).
"use strict";

const fs = require("fs");
const path = require("path");

const [dir, outFile] = process.argv.slice(2);
if (!dir || !outFile) {
  console.error("usage: node argilla-layout.js DIR OUT.json");
  process.exit(2);
}
const layout = {};
(function walk(rel) {
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? rel + "/" + e.name : e.name;
    if (e.isDirectory()) {
      walk(r);
      continue;
    }
    try {
      layout[r] = JSON.parse(fs.readFileSync(path.join(dir, r), "utf8"));
    } catch (err) {
      layout[r] = "not JSON";
    }
  }
})("");
fs.writeFileSync(outFile, JSON.stringify(layout));
