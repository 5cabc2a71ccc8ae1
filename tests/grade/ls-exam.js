// SPDX-License-Identifier: MIT
// ls-exam.js: a Label Studio JSON export of the exam and honeypot sets of
// casebooks/tests/shapes, as Label Studio writes it after annotators
// answered, for the test that `casebook grade` scores such answers
// against the gold kept in the casebook (tests/layers/grade.sh).
//
//   node ls-exam.js OUT EXPORT     writes EXPORT
//   node ls-exam.js OUT EXPORT GRADE   checks GRADE (grade --format json)
//
// The tasks carry no gold and an opaque id (docs/label-studio.md); the
// answers are written here from OUT/gold.jsonl, with the mapping of
// docs/label-studio.md: annotator "ann@example.org" answers every
// question as the gold says except 'verdict' of case exam-one, and
// "bob@example.org" answers only 'verdict', always "good". The check:
// every item is graded as its case (the opaque ids are mapped back), with
// exactly these misses and these accuracies.
"use strict";

const fs = require("fs");
const path = require("path");
const crypto = require("crypto");
const { ok, bad, check, result, readGold } = require("./common");

const [out, exportFile, gradeFile] = process.argv.slice(2);
const gold = readGold(out);
const opaque = (id) => "t" + crypto.createHash("sha256").update("casebook task\n" + id).digest("hex").slice(0, 16);
const byTask = Object.fromEntries(Object.keys(gold).map((id) => [opaque(id), id]));
const key = (r) => (r === "response" ? "response" : "response_" + r.replace(/[^A-Za-z0-9_]/g, "_"));

// The Label Studio results of the gold answers of case g, in a task whose
// Pairwise compares sides (left, right).
function results(g, sides, only) {
  const rs = [];
  const add = (from, to, type, value) => rs.push({ id: "r" + rs.length, from_name: from, to_name: to, type, value, origin: "manual" });
  for (const [q, v] of Object.entries(g.answers)) {
    if (only && q !== only) continue;
    if (q === "better") {
      if (v.strength > 0) add("better", "better", "pairwise", { selected: sides.indexOf(key(v.preferred)) === 0 ? "left" : "right" });
      add("better/strength", sides[0], "choices", { choices: [["tie", "better", "much-better"][v.strength]] });
    } else if (q === "order") {
      const ranker = {};
      let place = 1;
      for (const group of v) {
        const names = [].concat(group);
        ranker["rank_" + place] = names;
        place += names.length;
      }
      add("order", "order/items", "ranker", { ranker });
    } else add(q, "prompt", "choices", { choices: [v] });
  }
  for (const [r, answers] of Object.entries(g.per_response))
    for (const [q, v] of Object.entries(answers))
      if (!only || q === only) add(q + "/" + key(r), key(r), "choices", { choices: [v] });
  return rs;
}

function makeExport() {
  const lsDir = path.join(out, "label-studio");
  const tasks = [];
  let id = 1;
  for (const set of ["exam", "honeypot"])
    for (const shape of fs.readdirSync(path.join(lsDir, set)).sort()) {
      const dir = path.join(lsDir, set, shape);
      const xml = fs.readFileSync(path.join(dir, "config.xml"), "utf8");
      const m = /<Pairwise name="better" toName="([^",]*),([^"]*)"/.exec(xml);
      const sides = m ? [m[1], m[2]] : [];
      for (const t of JSON.parse(fs.readFileSync(path.join(dir, "tasks.json"), "utf8"))) {
        if (t.annotations) bad("exam task " + t.data.case_id + " carries no annotation", JSON.stringify(t.annotations));
        const g = gold[byTask[t.data.case_id]];
        const ann = results(g, sides, null);
        if (g.id === "exam-one") for (const r of ann) if (r.from_name === "verdict") r.value = { choices: ["good"] };
        const bob = results(g, sides, "verdict").map((r) => Object.assign(r, { value: { choices: ["good"] } }));
        const a = (n, who, result) => ({ id: n, completed_by: { id: n, email: who }, result, was_cancelled: false, ground_truth: false, task: id, lead_time: 10 });
        tasks.push({ id: id, data: t.data, meta: t.meta, annotations: [a(10 * id, "ann@example.org", ann), a(10 * id + 1, "bob@example.org", bob)], predictions: [] });
        id++;
      }
    }
  fs.writeFileSync(exportFile, JSON.stringify(tasks, null, 1));
  ok("wrote the exam and honeypot export (" + tasks.length + " tasks)");
}

function checkGrade() {
  const gr = JSON.parse(fs.readFileSync(gradeFile, "utf8"));
  const cases = Object.keys(gold).filter((id) => gold[id].use !== "training").sort();
  const misses = gr.misses.map((m) => m.annotator + " " + m.case + " " + m.question).sort();
  const wantMisses = ["ann@example.org exam-one verdict"]
    .concat(cases.filter((c) => gold[c].answers.verdict !== "good").map((c) => "bob@example.org " + c + " verdict"))
    .sort();
  check("every miss names its case, not the opaque id", JSON.stringify(misses) === JSON.stringify(wantMisses),
    "misses " + misses.join(", ") + "; want " + wantMisses.join(", "));
  const ann = gr.annotators["ann@example.org"];
  let n = 0;
  for (const c of cases) n += Object.keys(gold[c].answers).length + Object.values(gold[c].per_response).reduce((s, a) => s + Object.keys(a).length, 0);
  check("ann's answers are all compared with the gold", ann && ann.gold_answers === n && ann.correct === n - 1,
    JSON.stringify(ann) + "; want " + n + " gold answers, " + (n - 1) + " correct");
  check("every exam and honeypot item is a gold item", gr.totals.gold_items === cases.length,
    "gold_items " + gr.totals.gold_items + ", want " + cases.length);
}

try {
  if (gradeFile) checkGrade();
  else makeExport();
} catch (e) {
  bad("ls-exam.js", e.stack || e);
}
result();
