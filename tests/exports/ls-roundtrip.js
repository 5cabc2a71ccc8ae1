// SPDX-License-Identifier: MIT
// ls-roundtrip.js: the Label Studio export read by the real Label Studio
// frontend (@heartexlabs/label-studio 1.4.0) in headless Chromium.
//
//   node ls-roundtrip.js OUT
//
// OUT is a `casebook build` output directory. For every task of
// OUT/label-studio/tasks.json the frontend loads OUT/label-studio/config.xml
// and the task with its ground-truth annotation; the annotation read back
// with annotationStore.selected.serializeAnnotation() must equal the gold
// answers of the case in OUT/gold.jsonl, turned into Label Studio results by
// the mapping of docs/label-studio.md (written here again, independently of
// the compiler), and the page must log no error. The frontend drops results
// whose names it does not know, so the comparison is what tests the names.
//
// The rank questions use the List + Ranker (with Bucket) tags of later
// frontends, which 1.4.0 does not have: they are taken out of the config
// loaded here and their results are checked against the documented shape
// instead (see checkRanker).
//
// Prints "ok ..." / "FAIL ..." lines and a last line "RESULT passed failed".
"use strict";

const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

const out = process.argv[2];
const lsDir = path.join(out, "label-studio");
const configXml = fs.readFileSync(path.join(lsDir, "config.xml"), "utf8");
const tasks = JSON.parse(fs.readFileSync(path.join(lsDir, "tasks.json"), "utf8"));
const rubric = JSON.parse(fs.readFileSync(path.join(out, "rubric.json"), "utf8"));
const gold = fs
  .readFileSync(path.join(out, "gold.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l));

let passed = 0;
let failed = 0;
function ok(name) {
  passed++;
  console.log("ok   " + name);
}
function bad(name, detail) {
  failed++;
  console.log("FAIL " + name);
  if (detail) console.log(String(detail).split("\n").slice(0, 30).map((l) => "     " + l).join("\n"));
}

// ---- The documented mapping, from gold.jsonl --------------------------------

// The data key (and object name) of a response: docs/label-studio.md.
function responseKey(name) {
  return name === "response" ? "response" : "response_" + name.replace(/[^A-Za-z0-9_]/g, "_");
}

// The two responses each Pairwise compares, from the config (left first).
function pairwiseSides() {
  const sides = {};
  const re = /<Pairwise name="([^"]*)" toName="([^",]*),([^"]*)"/g;
  let m;
  while ((m = re.exec(configXml))) sides[unescapeXml(m[1])] = [m[2], m[3]];
  return sides;
}

function unescapeXml(s) {
  return s.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}

// The expected results of a case: [{from_name, type, value}], ranker apart.
function expected(g, sides) {
  const results = [];
  const rankers = [];
  const questions = Object.fromEntries(rubric.questions.map((q) => [q.id, q]));
  function one(qid, value, resp) {
    const q = questions[qid];
    const name = resp === null ? qid : qid + "/" + responseKey(resp);
    switch (q.type) {
      case "choice":
        results.push({ from_name: name, type: "choices", value: { choices: [value] } });
        break;
      case "multi":
        if (value.length) results.push({ from_name: name, type: "choices", value: { choices: value } });
        break;
      case "scale":
        if (q.scale.min === 1) results.push({ from_name: name, type: "rating", value: { rating: value } });
        else results.push({ from_name: name, type: "choices", value: { choices: [String(value)] } });
        break;
      case "text":
        results.push({ from_name: name, type: "textarea", value: { text: [value] } });
        break;
      case "pairwise": {
        const strength = ["tie", "better", "much-better"][value.strength];
        if (value.strength > 0) {
          const side = sides[qid] ? sides[qid].indexOf(responseKey(value.preferred)) : -1;
          results.push({ from_name: qid, type: "pairwise", value: { selected: side === 0 ? "left" : side === 1 ? "right" : "?" } });
        }
        results.push({ from_name: qid + "/strength", type: "choices", value: { choices: [strength] } });
        break;
      }
      case "rank":
        rankers.push({ qid, value });
        break;
    }
  }
  for (const [qid, v] of Object.entries(g.answers)) one(qid, v, null);
  for (const [resp, answers] of Object.entries(g.per_response))
    for (const [qid, v] of Object.entries(answers)) one(qid, v, resp);
  return { results, rankers };
}

function canon(results) {
  return results
    .map((r) => JSON.stringify({ from_name: r.from_name, type: r.type, value: r.value }))
    .sort();
}

// The documented result of a rank question (later frontends' Ranker with
// one Bucket per place): {"type": "ranker", "from_name": Q, "to_name":
// "Q/items", "value": {"ranker": {"rank_1": [...], ...}}}, each group of tied
// responses in the bucket of its first place, and task data "items_Q" with
// {id, title, body} per response.
function checkRanker(task, g, rank) {
  const r = task.annotations[0].result.find((x) => x.from_name === rank.qid);
  const problems = [];
  if (!r) return ["no result for rank question " + rank.qid];
  if (r.type !== "ranker") problems.push("type " + r.type);
  if (r.to_name !== rank.qid + "/items") problems.push("to_name " + r.to_name);
  const buckets = r.value && r.value.ranker;
  const want = {};
  let place = 1;
  for (const group of rank.value) {
    const names = Array.isArray(group) ? group : [group];
    want["rank_" + place] = names;
    place += names.length;
  }
  if (JSON.stringify(buckets) !== JSON.stringify(want))
    problems.push("buckets " + JSON.stringify(buckets) + ", want " + JSON.stringify(want));
  const key = "items_" + rank.qid.replace(/[^A-Za-z0-9_]/g, "_");
  const items = task.data[key];
  if (!Array.isArray(items)) problems.push("no task data " + key);
  else {
    const ids = items.map((i) => i.id).sort();
    const responses = g.inputs.filter((i) => i.kind === "response").map((i) => i.name);
    for (const i of items) {
      const input = g.inputs.find((x) => x.kind === "response" && x.name === i.id);
      if (!input || input.text !== i.body || typeof i.title !== "string") problems.push("item " + i.id);
    }
    for (const n of [].concat(...rank.value.map((x) => (Array.isArray(x) ? x : [x]))))
      if (!ids.includes(n)) problems.push("ranked " + n + " is not an item");
    if (ids.length !== responses.filter((n) => ids.includes(n)).length) problems.push("items " + ids);
    const tag = new RegExp('<Ranker name="' + rank.qid + '" toName="' + rank.qid + '/items">');
    if (!tag.test(configXml)) problems.push("no Ranker tag");
    for (const b of Object.keys(want))
      if (!configXml.includes('<Bucket name="' + b + '"')) problems.push("no Bucket " + b);
  }
  return problems;
}

// The config 1.4.0 can load: without the List and Ranker of rank questions.
function config140() {
  return configXml
    .replace(/<List [^>]*\/>\s*/g, "")
    .replace(/<Ranker [^>]*>[\s\S]*?<\/Ranker>\s*/g, "");
}

// ---- The frontend --------------------------------------------------------

async function main() {
  const lsBuild = path.join(__dirname, "../node/node_modules/@heartexlabs/label-studio/build/static");
  const page0 = path.join(fs.mkdtempSync("/tmp/ls-roundtrip-"), "index.html");
  fs.writeFileSync(
    page0,
    '<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="file://' +
      lsBuild + '/css/main.css"><script src="file://' + lsBuild +
      '/js/main.js"></script></head><body><div id="label-studio"></div></body></html>'
  );
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--allow-file-access-from-files"],
  });
  const sides = pairwiseSides();
  const config = config140();
  const byId = Object.fromEntries(gold.map((g) => [g.id, g]));
  try {
    if (tasks.length !== gold.length) bad("one task per gold line", tasks.length + " tasks, " + gold.length + " gold lines");
    else ok("one task per gold line (" + tasks.length + ")");
    for (const task of tasks) {
      const id = task.data.case_id;
      const g = byId[id];
      if (!g) {
        bad("task " + id, "no such case in gold.jsonl");
        continue;
      }
      const want = expected(g, sides);
      for (const rank of want.rankers) {
        const problems = checkRanker(task, g, rank);
        if (problems.length) bad("task " + id + " rank " + rank.qid + " has the documented Ranker format", problems.join("\n"));
        else ok("task " + id + " rank " + rank.qid + " has the documented Ranker format");
      }
      const page = await browser.newPage();
      const errors = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push("console: " + m.text());
      });
      page.on("pageerror", (e) => errors.push("page error: " + e.message));
      await page.goto("file://" + page0);
      const annotation = {
        id: 1,
        ground_truth: true,
        result: task.annotations[0].result.filter((r) => r.type !== "ranker"),
      };
      const got = await page.evaluate(
        async ({ config, task, annotation }) => {
          const loaded = new Promise((resolve, reject) => {
            setTimeout(() => reject(new Error("Label Studio did not load in 20 s")), 20000);
            window.__ls = new window.LabelStudio("label-studio", {
              config,
              interfaces: ["panel", "controls", "side-column", "annotations:menu"],
              user: { pk: 1, firstName: "Gold", lastName: "Check" },
              task: { id: 1, data: task.data, annotations: [annotation], predictions: [] },
              onLabelStudioLoad: (ls) => resolve(ls),
            });
          });
          const ls = await loaded;
          const store = ls.annotationStore;
          if (!store.selected) store.selectAnnotation(store.annotations[0].id);
          await new Promise((r) => setTimeout(r, 300));
          const errors = store.selected ? [] : ["no annotation selected"];
          return { results: store.selected ? store.selected.serializeAnnotation() : [], errors };
        },
        { config, task, annotation }
      );
      errors.push(...got.errors);
      const gotC = canon(got.results);
      const wantC = canon(want.results);
      const same = JSON.stringify(gotC) === JSON.stringify(wantC);
      if (same && !errors.length) ok("task " + id + ": the frontend reads back the gold (" + wantC.length + " results)");
      else {
        const missing = wantC.filter((x) => !gotC.includes(x));
        const extra = gotC.filter((x) => !wantC.includes(x));
        bad(
          "task " + id + ": the frontend reads back the gold",
          errors.concat(missing.map((x) => "missing " + x), extra.map((x) => "unexpected " + x)).join("\n")
        );
      }
      await page.close();
    }
  } finally {
    await browser.close();
  }
}

main()
  .catch((e) => bad("ls-roundtrip", e.stack || e))
  .finally(() => console.log("RESULT " + passed + " " + failed));
