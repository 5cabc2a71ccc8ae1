// SPDX-License-Identifier: MIT
// ls-roundtrip.js: the Label Studio export read by the real Label Studio
// frontend (@heartexlabs/label-studio 1.4.0) in headless Chromium.
//
//   node ls-roundtrip.js OUT
//
// OUT is a `casebook build` output directory, whose label-studio/ holds
// one SET/SHAPE/{config.xml,tasks.json} per set (training, exam, honeypot)
// and task shape. Every final case of OUT/gold.jsonl is in exactly one
// tasks.json, the one of its use and shape. For every task the frontend
// loads the config of its shape and the task:
//   - training: with its ground-truth annotation; the annotation read back
//     with annotationStore.selected.serializeAnnotation() must equal the
//     gold answers of the case, turned into Label Studio results by the
//     mapping of docs/label-studio.md (written here again, independently
//     of the compiler). The frontend drops results whose names it does not
//     know, so the comparison is what tests the names.
//   - exam and honeypot: as an annotator would get it, without any
//     annotation: nothing is pre-filled, the task holds no gold, title,
//     rationale or source, its id is opaque (sha256 of the case id), and a
//     honeypot task has the same fields in the same order as an exam task.
// In every set, what the annotator sees (the page's text) holds no case
// title, every response block shows a response of the case, and the
// controls are those the shape needs: a Pairwise exactly for two compared
// responses, a Ranker for as many as the question's min-replies (at least
// two). The page must log no error.
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

const crypto = require("crypto");

const out = process.argv[2];
const lsDir = path.join(out, "label-studio");
// [{set, shape, configXml, tasks}], one per directory SET/SHAPE
const shapes = [];
for (const set of fs.readdirSync(lsDir).sort()) {
  const setDir = path.join(lsDir, set);
  if (!fs.statSync(setDir).isDirectory()) continue;
  for (const shape of fs.readdirSync(setDir).sort())
    shapes.push({
      set,
      shape,
      configXml: fs.readFileSync(path.join(setDir, shape, "config.xml"), "utf8"),
      tasks: JSON.parse(fs.readFileSync(path.join(setDir, shape, "tasks.json"), "utf8")),
    });
}
let configXml = "";
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

// ---- What each set may show -------------------------------------------------

// The opaque id of an exam or honeypot task: "t" and the first 16 hex
// digits of sha256("casebook task\n" + case id) (docs/label-studio.md).
function opaque(id) {
  return "t" + crypto.createHash("sha256").update("casebook task\n" + id).digest("hex").slice(0, 16);
}

// What task (of case g) carries that its set may not: a training task may
// hold the gold and the rationale, never the title; an exam or honeypot
// task holds its inputs, an opaque id and the version stamp only.
function secretsOf(task, g, training) {
  const problems = [];
  const text = JSON.stringify(task.data);
  if (g.title && text.includes(JSON.stringify(g.title).slice(1, -1))) problems.push("the data holds the title " + g.title);
  if ("case_title" in task.data) problems.push("data.case_title");
  if (!task.meta || !task.meta.casebook || !("version" in task.meta.casebook)) problems.push("no meta.casebook version stamp");
  if (training) return problems;
  if (task.data.case_id !== opaque(g.id)) problems.push("case_id " + task.data.case_id + " is not the opaque id");
  if (JSON.stringify(Object.keys(task.meta)) !== '["casebook"]') problems.push("meta keys " + Object.keys(task.meta));
  for (const k of ["annotations", "predictions", "ground_truth"]) if (k in task) problems.push("task." + k);
  if ("rationale" in task.data) problems.push("data.rationale");
  return problems;
}

// The rubric question by id.
function question(id) {
  return rubric.questions.find((q) => q.id === id);
}

// The controls the config must have for case g (FORMAT.md "Where a
// question applies"): a Pairwise exactly when the case has the two
// responses it compares, a Ranker when it has min-replies (at least two)
// of the responses it orders; one Text per response of the case.
function controlProblems(g) {
  const problems = [];
  const names = g.inputs.filter((i) => i.kind === "response").map((i) => i.name);
  for (const q of rubric.questions) {
    if (q.type !== "pairwise" && q.type !== "rank") continue;
    const n = names.filter((r) => !q.responses.length || q.responses.includes(r)).length;
    const asked = q.type === "pairwise" ? n === 2 && n >= (q.min_replies || 0) : n >= Math.max(2, q.min_replies || 0);
    const tag = q.type === "pairwise" ? '<Pairwise name="' + q.id + '"' : '<Ranker name="' + q.id + '"';
    if (asked !== configXml.includes(tag)) problems.push(q.id + (asked ? " is not asked" : " is asked") + " with " + n + " responses");
  }
  const texts = (configXml.match(/<Text name="response[^"]*"/g) || []).length;
  if (texts !== names.length) problems.push(texts + " response blocks for " + names.length + " responses");
  return problems;
}

// What the page shows that it may not: the case title anywhere; for exam
// and honeypot, the rationale; a response block with nothing in it.
function shownProblems(shown, task, g, training) {
  const problems = [];
  const flat = (s) => s.replace(/\s+/g, " ").trim();
  const page = flat(shown);
  if (g.title && page.includes(flat(g.title))) problems.push("the page shows the title " + g.title);
  const rationale = g.rationale || "";
  if (!training && rationale && page.includes(flat(rationale).slice(0, 40))) problems.push("the page shows the rationale");
  for (const i of g.inputs)
    if (i.kind === "response" && i.text.trim() && !page.includes(flat(i.text).slice(0, 40)))
      problems.push("the page does not show response " + i.name);
  for (const [k, v] of Object.entries(task.data))
    if (/^response/.test(k) && (typeof v !== "string" || !v.trim())) problems.push("response block " + k + " is empty");
  return problems;
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
  const byId = Object.fromEntries(gold.map((g) => [g.id, g]));
  const byTask = Object.fromEntries(gold.map((g) => [opaque(g.id), g]));
  const seen = {};
  const examKeys = {}; // shape -> the data keys of its exam tasks
  try {
    for (const sh of shapes)
      for (const task of sh.tasks) {
        const g = sh.set === "training" ? byId[task.data.case_id] : byTask[task.data.case_id];
        if (g) seen[g.id] = (seen[g.id] || 0) + 1;
      }
    const misplaced = gold.filter((g) => seen[g.id] !== 1).map((g) => g.id + ": " + (seen[g.id] || 0) + " tasks");
    if (misplaced.length) bad("every gold case is in exactly one task", misplaced.join("\n"));
    else ok("every gold case is in exactly one task (" + gold.length + ")");
    for (const sh of shapes)
      if (sh.set === "exam" && sh.tasks.length) examKeys[sh.shape] = Object.keys(sh.tasks[0].data);
    for (const sh of shapes) {
    configXml = sh.configXml;
    const where = sh.set + "/" + sh.shape;
    const sides = pairwiseSides();
    const config = config140();
    if (/\$case_title|name="case"/.test(configXml)) bad(where + ": the config shows no case title", "config refers to it");
    else ok(where + ": the config shows no case title");
    for (const task of sh.tasks) {
      const training = sh.set === "training";
      const g = training ? byId[task.data.case_id] : byTask[task.data.case_id];
      const id = where + " " + (g ? g.id : task.data.case_id);
      if (!g) {
        bad("task " + id, "no such case in gold.jsonl");
        continue;
      }
      if (g.use !== sh.set) bad("task " + id + " is in the set of its use", "use " + g.use);
      const leaks = secretsOf(task, g, training);
      if (leaks.length) bad("task " + id + " carries only what its set may show", leaks.join("\n"));
      else ok("task " + id + " carries only what its set may show");
      if (sh.set === "honeypot") {
        const want = examKeys[sh.shape] || null;
        const got = Object.keys(task.data);
        if (want && JSON.stringify(want) !== JSON.stringify(got))
          bad("task " + id + " has the fields of an exam task, in order", got + " vs " + want);
        else if (want) ok("task " + id + " has the fields of an exam task, in order");
      }
      const controls = controlProblems(g);
      if (controls.length) bad("task " + id + ": the config has the controls of its shape", controls.join("\n"));
      else ok("task " + id + ": the config has the controls of its shape");
      const want = training ? expected(g, sides) : { results: [], rankers: [] };
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
      // an exam or honeypot task has no annotation: the annotator starts
      // one, empty, as Label Studio makes it when the task is opened
      const annotation = training
        ? { id: 1, ground_truth: true, result: task.annotations[0].result.filter((r) => r.type !== "ranker") }
        : { id: 1, result: [] };
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
          // what the annotator sees: the text of the labeling area, and the
          // text of each response object (its Text tag)
          const root = document.getElementById("label-studio");
          const shown = root ? root.innerText : "";
          return { results: store.selected ? store.selected.serializeAnnotation() : [], errors, shown };
        },
        { config, task, annotation }
      );
      errors.push(...got.errors);
      const seenProblems = shownProblems(got.shown, task, g, training);
      if (seenProblems.length) bad("task " + id + ": what the annotator sees", seenProblems.join("\n"));
      else ok("task " + id + ": the annotator sees no title" + (training ? "" : ", no gold, no rationale") + ", no empty response");
      const gotC = canon(got.results);
      const wantC = canon(want.results);
      const same = JSON.stringify(gotC) === JSON.stringify(wantC);
      if (same && !errors.length)
        ok("task " + id + (training ? ": the frontend reads back the gold (" + wantC.length + " results)" : ": nothing is pre-filled"));
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
    }
  } finally {
    await browser.close();
  }
}

main()
  .catch((e) => bad("ls-roundtrip", e.stack || e))
  .finally(() => console.log("RESULT " + passed + " " + failed));
