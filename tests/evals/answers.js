// SPDX-License-Identifier: MIT
// answers.js OUT ANSWERS EXPECTED: checks OUT/evals/inspect.jsonl against
// OUT/gold.jsonl and OUT/rubric.json, then writes the canned answers of
// provider.js (ANSWERS, {ID: output}) and what promptfoo must make of
// them (EXPECTED, {ID: true|false}).
//
// inspect.jsonl: every line a sample {id, input, target, metadata}, ids
// unique, one sample per final case and question the case has a gold
// answer for (from gold.jsonl: answers[Q], or for a per-response question
// {RESPONSE: per_response[RESPONSE][Q]}), target that gold as JSON text,
// metadata.gold the same value, metadata.version the version stamp,
// input the question's judge/prompts/QUESTION.md with the case in place
// of its last line {{case}}.
//
// Canned answers: the gold for most samples, written the ways a judge
// writes it (bare JSON then reasons, a fenced JSON block, a multi
// question's options in another order); a wrong answer for every fifth
// sample (index 3, 8, ...). Prints "N samples, M wrong" on success.
"use strict";
const fs = require("fs");
const [out, answersPath, expectedPath] = process.argv.slice(2);

function fail(msg) {
  console.error(msg);
  process.exit(1);
}
function canon(v) {
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === "object") {
    const o = {};
    for (const k of Object.keys(v).sort()) o[k] = canon(v[k]);
    return o;
  }
  return v;
}
const same = (a, b) => JSON.stringify(canon(a)) === JSON.stringify(canon(b));

const rubric = JSON.parse(fs.readFileSync(`${out}/rubric.json`, "utf8"));
const questions = new Map();
for (const q of rubric.questions) if (!questions.has(q.id)) questions.set(q.id, q);
const perResponse = (q) => q.scope === "response";

// the samples there must be, from gold.jsonl
const want = new Map();
for (const line of fs.readFileSync(`${out}/gold.jsonl`, "utf8").split("\n")) {
  if (!line) continue;
  const rec = JSON.parse(line);
  if ([...want.keys()].some((k) => k.startsWith(`${rec.id}/`))) continue;
  for (const q of questions.values()) {
    let gold;
    if (perResponse(q)) {
      for (const [r, ans] of Object.entries(rec.per_response))
        if (q.id in ans) (gold = gold || {})[r] = ans[q.id];
    } else if (q.id in rec.answers) {
      gold = rec.answers[q.id];
    }
    if (gold !== undefined) want.set(`${rec.id}/${q.id}`, { gold, q });
  }
}

const samples = [];
const seen = new Set();
const lines = fs.readFileSync(`${out}/evals/inspect.jsonl`, "utf8").split("\n");
if (lines.pop() !== "") fail("inspect.jsonl does not end with a line break");
for (const [i, line] of lines.entries()) {
  let s;
  try {
    s = JSON.parse(line);
  } catch (e) {
    fail(`line ${i + 1}: ${e.message}`);
  }
  const keys = Object.keys(s).join(",");
  if (keys !== "id,input,target,metadata") fail(`line ${i + 1}: keys ${keys}`);
  if (typeof s.id !== "string" || typeof s.input !== "string" || typeof s.target !== "string")
    fail(`line ${i + 1}: id, input and target must be strings`);
  if (seen.has(s.id)) fail(`line ${i + 1}: id ${s.id} again`);
  seen.add(s.id);
  const w = want.get(s.id);
  if (!w) fail(`line ${i + 1}: ${s.id} is no final case and question with a gold answer`);
  if (!same(JSON.parse(s.target), w.gold))
    fail(`${s.id}: target ${s.target}, gold.jsonl has ${JSON.stringify(w.gold)}`);
  if (!same(s.metadata.gold, w.gold)) fail(`${s.id}: metadata.gold differs from gold.jsonl`);
  const [c, q] = s.id.split("/");
  if (s.metadata.case !== c || s.metadata.question !== q || s.metadata.type !== w.q.type ||
      s.metadata.per_response !== perResponse(w.q))
    fail(`${s.id}: metadata ${JSON.stringify(s.metadata)}`);
  if (!s.metadata.version || !("commit" in s.metadata.version))
    fail(`${s.id}: no version stamp in metadata`);
  const judge = fs.readFileSync(`${out}/judge/prompts/${q}.md`, "utf8");
  if (!judge.endsWith("\n{{case}}\n") || !s.input.startsWith(judge.slice(0, -"{{case}}\n".length)) ||
      !s.input.endsWith("```\n\n"))
    fail(`${s.id}: input is not judge/prompts/${q}.md with the case in place of {{case}}`);
  samples.push({ id: s.id, gold: w.gold, type: w.q.type });
}
for (const id of want.keys()) if (!seen.has(id)) fail(`no sample for ${id}`);

function wrong(v) {
  if (typeof v === "string") return `${v}-not`;
  if (typeof v === "number") return v + 1;
  if (Array.isArray(v)) return v.concat(["not-an-option"]);
  if (v && typeof v === "object") {
    const o = { ...v };
    const k = Object.keys(o)[0];
    o[k] = wrong(o[k]);
    return o;
  }
  return "wrong";
}
function shuffled(v, type) {
  if (type === "multi" && Array.isArray(v)) return v.slice().reverse();
  if (type === "multi" && v && typeof v === "object") {
    const o = {};
    for (const k of Object.keys(v).reverse()) o[k] = shuffled(v[k], type);
    return o;
  }
  return v;
}

const answers = {}, expected = {};
let n_wrong = 0;
samples.forEach((s, i) => {
  const bad = i % 5 === 3;
  const v = bad ? wrong(s.gold) : s.gold;
  if (bad) n_wrong++;
  switch (i % 3) {
    case 0:
      answers[s.id] = `${JSON.stringify(v)}\n\nThe guideline's examples decide this case.`;
      break;
    case 1:
      answers[s.id] = "```json\n" + JSON.stringify(v, null, 2) + "\n```\n\nAs the guideline says.";
      break;
    default:
      answers[s.id] = `  ${JSON.stringify(shuffled(v, s.type))} because {"not": "this"}.`;
  }
  expected[s.id] = !bad;
});
fs.writeFileSync(answersPath, JSON.stringify(answers));
fs.writeFileSync(expectedPath, JSON.stringify(expected));
console.log(`${samples.length} samples, ${n_wrong} wrong`);
