// SPDX-License-Identifier: MIT
// argilla-check.js: what a JSON Schema cannot say about the Argilla export.
//
//   node argilla-check.js OUT
//
// OUT is a `casebook build` output directory; its training set,
// OUT/argilla/training/, is checked (the only set with suggestions). Checks, after ajv has
// validated the shapes (argilla-*.schema.json):
//   - names are unique among the fields and among the questions;
//   - every record's fields are fields of the settings, with the kind of
//     value their type takes, and the required ones are there;
//   - every suggestion names a question and its value is legal for it
//     (an option of a label question, options of a multi, a value of the
//     rating's options, a ranking of its options, text);
//   - the suggestions of each record are exactly the gold answers of its
//     case in OUT/gold.jsonl, turned into Argilla values by the mapping of
//     docs/argilla.md (written here again, independently of the compiler);
//   - a question is required exactly when its casebook question is
//     required, has no `when` and applies to every record (its response
//     field, the two responses of a pairwise and no other, a ranking's
//     responses are there); a question with a `when` says it in its
//     description ("Answer only when" and the title of the question it
//     reads), a required one that does not apply everywhere says where;
//   - the version stamp is the one of rubric.json.
// Prints "ok ..." / "FAIL ..." lines and a last line "RESULT passed failed".
"use strict";

const fs = require("fs");
const path = require("path");

const out = process.argv[2];
const dir = path.join(out, "argilla", "training");
const read = (f) => JSON.parse(fs.readFileSync(f, "utf8"));
// the layout of Dataset.from_disk (docs/argilla.md)
const settings = read(path.join(dir, ".argilla/settings.json"));
const records = read(path.join(dir, "records.json"));
const dataset = read(path.join(dir, ".argilla/dataset.json"));
const rubric = read(path.join(out, "rubric.json"));
const gold = fs
  .readFileSync(path.join(out, "gold.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l));

let passed = 0;
let failed = 0;
function check(name, problems) {
  if (problems.length) {
    failed++;
    console.log("FAIL " + name);
    console.log(problems.slice(0, 20).map((p) => "     " + p).join("\n"));
  } else {
    passed++;
    console.log("ok   " + name);
  }
}

// ---- settings --------------------------------------------------------------

{
  const problems = [];
  const seen = new Set();
  for (const f of settings.fields) {
    if (seen.has(f.name)) problems.push("field name " + f.name + " twice");
    seen.add(f.name);
  }
  const qseen = new Set();
  for (const q of settings.questions) {
    if (qseen.has(q.name)) problems.push("question name " + q.name + " twice");
    qseen.add(q.name);
    const values = (q.settings.options || []).map((o) => o.value);
    if (new Set(values).size !== values.length) problems.push("question " + q.name + " has an option twice");
  }
  check("settings: names and options are unique", problems);
}

const fields = Object.fromEntries(settings.fields.map((f) => [f.name, f]));
const questions = Object.fromEntries(settings.questions.map((q) => [q.name, q]));

function legal(q, v) {
  const s = q.settings;
  const options = (s.options || []).map((o) => o.value);
  switch (s.type) {
    case "label_selection":
      return typeof v === "string" && options.includes(v);
    case "multi_label_selection":
      return Array.isArray(v) && v.length > 0 && new Set(v).size === v.length && v.every((x) => options.includes(x));
    case "rating":
      return Number.isInteger(v) && options.includes(v);
    case "ranking":
      return Array.isArray(v) && v.length >= 1 && new Set(v).size === v.length && v.every((x) => options.includes(x));
    case "text":
      return typeof v === "string";
  }
  return false;
}

{
  const problems = [];
  for (const r of records) {
    for (const [name, v] of Object.entries(r.fields)) {
      const f = fields[name];
      if (!f) problems.push(r.id + ": field " + name + " is not in the settings");
      else if (f.settings.type === "chat" ? !Array.isArray(v) : typeof v !== "string")
        problems.push(r.id + ": field " + name + " has a " + typeof v + " value for a " + f.settings.type + " field");
    }
    for (const f of settings.fields)
      if (f.required && !(f.name in r.fields)) problems.push(r.id + ": required field " + f.name + " is missing");
    for (const [name, s] of Object.entries(r.suggestions)) {
      const q = questions[name];
      if (!q) problems.push(r.id + ": suggestion for " + name + ", which is not a question");
      else if (!legal(q, s.value)) problems.push(r.id + ": " + name + " = " + JSON.stringify(s.value) + " is not legal for a " + q.settings.type + " question");
    }
  }
  check("records: fields and suggestion values are legal for their questions (" + records.length + " records)", problems);
}

// ---- the gold answers, by the documented mapping ---------------------------

const norm = (s) => s.toLowerCase().replace(/[^a-z0-9_-]/g, "_");
const fieldName = (resp) => (resp === "response" ? "response" : "response_" + norm(resp));
const rq = Object.fromEntries(rubric.questions.map((q) => [q.id, q]));

function expectedSuggestions(g) {
  const want = {};
  function one(qid, v, resp) {
    const q = rq[qid];
    const name = resp === null ? norm(qid) : norm(qid) + "_" + fieldName(resp);
    switch (q.type) {
      case "multi":
        if (v.length) want[name] = v;
        break;
      case "rank":
        want[name] = [].concat(...v.map((x) => (Array.isArray(x) ? x : [x])));
        break;
      case "pairwise": {
        if (v.strength === 0) {
          want[name] = "tie";
          break;
        }
        const opts = questions[name] ? questions[name].settings.options.map((o) => o.value) : [];
        // the options are "X>>Y", "X>Y", "tie", "Y>X", "Y>>X"
        const x = opts.length === 5 ? opts[0].split(">>")[0] : "?";
        const y = opts.length === 5 ? opts[0].split(">>")[1] : "?";
        const other = v.preferred === x ? y : x;
        want[name] = v.preferred + (v.strength === 2 ? ">>" : ">") + other;
        break;
      }
      default:
        want[name] = v;
    }
  }
  for (const [qid, v] of Object.entries(g.answers)) one(qid, v, null);
  for (const [resp, answers] of Object.entries(g.per_response))
    for (const [qid, v] of Object.entries(answers)) one(qid, v, resp);
  return want;
}

{
  const problems = [];
  const byId = Object.fromEntries(records.map((r) => [r.id, r]));
  if (records.length !== gold.length) problems.push(records.length + " records for " + gold.length + " gold lines");
  for (const g of gold) {
    const r = byId[g.id];
    if (!r) {
      problems.push("no record for case " + g.id);
      continue;
    }
    const want = expectedSuggestions(g);
    const got = Object.fromEntries(Object.entries(r.suggestions).map(([k, s]) => [k, s.value]));
    for (const k of new Set(Object.keys(want).concat(Object.keys(got))))
      if (JSON.stringify(want[k]) !== JSON.stringify(got[k]))
        problems.push(g.id + ": " + k + " is " + JSON.stringify(got[k]) + ", gold " + JSON.stringify(want[k]));
    for (const s of Object.values(r.suggestions))
      if (s.agent !== "casebook-gold") problems.push(g.id + ": agent " + s.agent);
    // the inputs, byte for byte
    for (const input of g.inputs) {
      if (input.kind === "response") {
        if (r.fields[fieldName(input.name)] !== input.text) problems.push(g.id + ": response " + input.name + " differs");
      } else if (input.kind === "system" || input.kind === "context") {
        if (r.fields[input.kind] !== input.text) problems.push(g.id + ": " + input.kind + " differs");
      }
    }
    const turns = g.inputs.filter((i) => ["user", "assistant", "prompt"].includes(i.kind));
    const chat = r.fields.conversation || (r.fields.prompt !== undefined ? [{ role: "user", content: r.fields.prompt }] : []);
    if (JSON.stringify(chat.map((t) => t.content)) !== JSON.stringify(turns.map((t) => t.text)))
      problems.push(g.id + ": the conversation differs from the case's turns");
  }
  check("records: suggestions are the gold answers of gold.jsonl, inputs byte for byte", problems);
}

// ---- required, and when a question is asked -------------------------------

{
  const problems = [];
  const responseFields = (r) => Object.keys(r.fields).filter((k) => /^response(_|$)/.test(k));
  for (const q of rubric.questions) {
    const perResponse = q.scope === "response" && q.type !== "pairwise" && q.type !== "rank";
    const entries = perResponse
      ? settings.fields.filter((f) => /^response(_|$)/.test(f.name)).map((f) => [norm(q.id) + "_" + f.name, f.name])
      : [[norm(q.id), null]];
    for (const [name, field] of entries) {
      const a = questions[name];
      if (!a) continue; // left out with a diagnostic
      const opts = (a.settings.options || []).map((o) => o.value);
      let applies;
      if (field) applies = (r) => field in r.fields;
      else if (q.type === "pairwise") {
        const [x, y] = opts[0].split(">>");
        applies = (r) => fieldName(x) in r.fields && fieldName(y) in r.fields && responseFields(r).length === 2;
      } else if (q.type === "rank") applies = (r) => opts.every((o) => fieldName(o) in r.fields);
      else applies = () => true;
      const everywhere = records.every(applies);
      const want = q.required && !q.when && everywhere;
      if (a.required !== want) problems.push(name + ": required " + a.required + ", expected " + want);
      const d = a.description || "";
      if (q.when) {
        const reads = rubric.questions.filter((o) => new RegExp("\\b" + o.id.replace(/[^a-z0-9]/gi, ".") + "\\b").test(q.when));
        if (!d.includes("Answer only when") || !(reads.some((o) => d.includes(o.title || o.id)) || d.includes(q.when)))
          problems.push(name + ": the description does not say when it is asked: " + JSON.stringify(d));
      } else if (q.required && !everywhere && !d.includes("Required for the records that have"))
        problems.push(name + ": the description does not say where it is required: " + JSON.stringify(d));
    }
  }
  check("settings: required from the question, when said in the description", problems);
}

check("the version stamp is rubric.json's", [
  ...(JSON.stringify(dataset.casebook) === JSON.stringify(rubric.version) ? [] : ["dataset.json: " + JSON.stringify(dataset.casebook)]),
  ...(JSON.stringify(settings.casebook) === JSON.stringify(rubric.version) ? [] : ["settings.json: " + JSON.stringify(settings.casebook)]),
]);

console.log("RESULT " + passed + " " + failed);
