// SPDX-License-Identifier: MIT
// annotations.js SCHEMA RUBRIC GOLD [DIAGNOSTICS]: checks
// OUTDIR/annotation.schema.json against the gold answers of the same
// build.
//
// DIAGNOSTICS is the output of `casebook check --format json` for the
// book: the gold of a case with an error is what the error is about, so
// those cases are left out; an error about a question or criterion (a
// duplicate id, a question without options) puts the whole book out.
//
// Every gold record of gold.jsonl is turned into an annotation (its
// answers, plus its per_response answers regrouped by question: question
// -> response name -> value, as docs/outputs.md says) and must be valid.
// Then each annotation is mutated in the ways a tool's export goes wrong
// (an option that does not exist, a scale value out of range, a value of
// the wrong type, a required answer left out, a question that does not
// exist) and every mutant must be rejected.
//
// Prints "annotations: N accepted, M of M mutants rejected" and one line
// per failure; exits 1 on any failure.
"use strict";
const fs = require("fs");
const Ajv2020 = require("ajv/dist/2020");

const [schemaPath, rubricPath, goldPath, diagPath] = process.argv.slice(2);
const schema = JSON.parse(fs.readFileSync(schemaPath, "utf8"));
const rubric = JSON.parse(fs.readFileSync(rubricPath, "utf8"));
let gold = fs.readFileSync(goldPath, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));

if (diagPath) {
  const errors = JSON.parse(fs.readFileSync(diagPath, "utf8")).diagnostics.filter((d) => d.severity === "error");
  const caseIds = new Set(gold.map((r) => r.id));
  const elements = new Set(rubric.questions.map((q) => q.id).concat(rubric.criteria.map((c) => c.id)));
  const bookWide = errors.filter((d) => d.element && !caseIds.has(d.element) && elements.has(d.element));
  if (bookWide.length) {
    console.log(`annotations: book left out (${bookWide[0].rule} on ${bookWide[0].element})`);
    process.exit(0);
  }
  const bad = new Set(errors.map((d) => d.element).filter((e) => e && caseIds.has(e)));
  gold = gold.filter((r) => !bad.has(r.id));
}

const ajv = new Ajv2020({ allowUnionTypes: true });
const validate = ajv.compile(schema);
const questions = new Map(rubric.questions.map((q) => [q.id, q]));

// gold record -> annotation
function toAnnotation(rec) {
  const a = JSON.parse(JSON.stringify(rec.answers));
  for (const [resp, answers] of Object.entries(rec.per_response)) {
    for (const [q, v] of Object.entries(answers)) {
      if (!a[q]) a[q] = {};
      a[q][resp] = v;
    }
  }
  return a;
}

const clone = (x) => JSON.parse(JSON.stringify(x));
let failures = 0;
let accepted = 0;
let mutants = 0;
let rejected = 0;

function fail(msg) {
  failures++;
  console.log("FAIL " + msg);
}

// The mutants of one value of question q: [why, value].
function badValues(q, v) {
  const out = [];
  switch (q.type) {
    case "choice":
      out.push(["an option that does not exist", "no-such-option"]);
      out.push(["a number instead of an option id", 7]);
      out.push(["a list instead of one option", [v]]);
      break;
    case "multi":
      out.push(["an option that does not exist", v.concat(["no-such-option"])]);
      out.push(["a string instead of a list", q.options.length ? q.options[0].id : "x"]);
      if (v.length) out.push(["an option twice", v.concat([v[0]])]);
      break;
    case "scale":
      out.push(["above the range", q.scale.max + 1]);
      out.push(["below the range", q.scale.min - 1]);
      out.push(["a string instead of an integer", String(v)]);
      out.push(["a fraction", v + 0.5]);
      break;
    case "rank":
      out.push(["a string instead of a list", "A"]);
      out.push(["an empty ranking", []]);
      if (v.length) out.push(["a name twice", v.concat([v[0]])]);
      break;
    case "pairwise":
      out.push(["a bare name", "A"]);
      out.push(["a strength out of range", Object.assign({}, v, { strength: 3 })]);
      out.push(["a tie with a strength", { preferred: "tie", strength: 2 }]);
      out.push(["a missing strength", { preferred: v.preferred }]);
      break;
    case "text":
      out.push(["a number instead of text", 5]);
      break;
  }
  return out;
}

// A valid value of q, to answer it where it does not apply.
function sampleValue(q) {
  switch (q.type) {
    case "choice": return q.options.length ? q.options[0].id : "x";
    case "multi": return [];
    case "scale": return q.scale.min;
    default: return "x";
  }
}

for (const rec of gold) {
  const ann = toAnnotation(rec);
  if (validate(ann)) {
    accepted++;
  } else {
    fail(`gold case ${rec.id} is rejected: ${ajv.errorsText(validate.errors)} ${JSON.stringify(ann)}`);
    continue;
  }
  const tryMutant = (why, mutant) => {
    mutants++;
    if (validate(mutant)) fail(`case ${rec.id}: a mutant with ${why} is accepted: ${JSON.stringify(mutant)}`);
    else rejected++;
  };
  for (const [qid, value] of Object.entries(ann)) {
    const q = questions.get(qid);
    if (!q) {
      fail(`case ${rec.id}: answer to unknown question ${qid}`);
      continue;
    }
    if (q.scope === "response") {
      for (const [resp, v] of Object.entries(value)) {
        for (const [why, bad] of badValues(q, v)) {
          const m = clone(ann);
          m[qid][resp] = bad;
          tryMutant(`${qid}[${resp}]: ${why}`, m);
        }
      }
      const m = clone(ann);
      m[qid] = Object.values(value)[0];
      tryMutant(`${qid}: one value instead of one per response`, m);
    } else {
      for (const [why, bad] of badValues(q, value)) {
        const m = clone(ann);
        m[qid] = bad;
        tryMutant(`${qid}: ${why}`, m);
      }
    }
  }
  // a required answer left out
  for (const qid of schema.required || []) {
    if (!(qid in ann)) continue;
    const m = clone(ann);
    delete m[qid];
    tryMutant(`the required ${qid} left out`, m);
  }
  for (const q of rubric.questions) {
    if (q.scope !== "response" || !q.required || q.when || !(q.id in ann)) continue;
    for (const resp of Object.keys(ann[q.id])) {
      // the schema knows a response from its other answers only
      const others = rubric.questions.some((o) => o.scope === "response" && o.id !== q.id && ann[o.id] && resp in ann[o.id]);
      if (!others) continue;
      const m = clone(ann);
      delete m[q.id][resp];
      tryMutant(`the required ${q.id}[${resp}] left out`, m);
    }
  }
  // An answer where the question does not apply: a required question
  // with a `when` that the clean gold leaves out (so its when is false
  // there), unless the schema says that when is not expressed.
  const responses = new Set();
  for (const q of rubric.questions)
    if (q.scope === "response" && ann[q.id]) for (const r of Object.keys(ann[q.id])) responses.add(r);
  for (const q of rubric.questions) {
    if (!q.required || !q.when || q.type === "rank" || q.type === "pairwise") continue;
    if ((schema.$comment || "").includes(`'${q.id}'`)) continue;
    const v = sampleValue(q);
    if (q.scope === "case") {
      if (q.id in ann) continue;
      const m = clone(ann);
      m[q.id] = v;
      tryMutant(`${q.id} answered where its when is false`, m);
    } else {
      for (const r of responses) {
        if (ann[q.id] && r in ann[q.id]) continue;
        const m = clone(ann);
        m[q.id] = Object.assign({}, m[q.id] || {}, { [r]: v });
        tryMutant(`${q.id}[${r}] answered where its when is false`, m);
      }
    }
  }
  const m = clone(ann);
  m["no-such-question"] = "x";
  tryMutant("an answer to a question that does not exist", m);
}

console.log(`annotations: ${accepted} of ${gold.length} gold accepted, ${rejected} of ${mutants} mutants rejected`);
process.exit(failures ? 1 : 0);
