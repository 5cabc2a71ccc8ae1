// SPDX-License-Identifier: MIT
// grade-expect.js: checks a grade.json of `casebook grade` against figures
// computed here, independently, from what the annotators answered.
//
//   node grade-expect.js OUT SIDECAR INPUT FORMAT GRADE
//
// OUT is the `casebook build` output the answers were made on (its
// gold.jsonl is the gold, its html/ the site the miss links point into),
// SIDECAR what tests/grade/ls-annotate.js or tests/grade/argilla-make.js
// answered, INPUT the annotation file given to grade, FORMAT the format
// grade must have detected ("labelstudio" or "argilla"), GRADE the
// grade.json to check.
//
// The rules the figures follow (issue 12):
//   - an annotation counts unless it was cancelled (Label Studio) or its
//     status is not "submitted" (Argilla); the others are counted under
//     inputs[].skipped and graded nowhere;
//   - a gold answer is an answer the annotator gave to a question (and
//     response) for which the case has a gold answer; it is correct when
//     equal to gold (multi as a set, pairwise on {preferred, strength},
//     ties equal whatever the preferred); every other gold answer is a miss;
//   - a miss links to html/PAGE.html#case-ID, PAGE the chapter page of the
//     site that holds the case's anchor.
//
// Prints "ok ..." / "FAIL ..." lines and a last line "RESULT passed failed".
"use strict";

const fs = require("fs");
const path = require("path");
const { counts, ok, bad, check, result, readGold } = require("./common");

const [out, sidecarPath, inputPath, format, gradePath] = process.argv.slice(2);
if (!gradePath) {
  console.error("usage: node grade-expect.js OUT SIDECAR INPUT FORMAT GRADE");
  process.exit(2);
}

function near(a, b) {
  return typeof a === "number" && Math.abs(a - b) < 0.0015;
}

const sidecar = JSON.parse(fs.readFileSync(sidecarPath, "utf8"));
const gold = readGold(out);
let grade;
try {
  grade = JSON.parse(fs.readFileSync(gradePath, "utf8"));
} catch (e) {
  bad("grade.json is JSON", e.message);
  result();
  process.exit(0);
}

// ---- The expected figures ---------------------------------------------------

function goldOf(g, question, response) {
  if (response === null) return g.answers[question];
  return (g.per_response[response] || {})[question];
}

function same(a, b) {
  if (Array.isArray(a) && Array.isArray(b)) return JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
  if (a && b && typeof a === "object" && typeof b === "object") {
    if (a.strength === 0 && b.strength === 0) return true;
    return a.preferred === b.preferred && a.strength === b.strength;
  }
  return a === b;
}

// The site page that holds the anchor of each case (print.html aside).
const pages = {};
for (const f of fs.readdirSync(path.join(out, "html"))) {
  if (!f.endsWith(".html") || f === "print.html") continue;
  const html = fs.readFileSync(path.join(out, "html", f), "utf8");
  const re = /id="case-([^"]+)"/g;
  let m;
  while ((m = re.exec(html))) if (!(m[1] in pages)) pages[m[1]] = f;
}

const counted = sidecar.annotations.filter((a) => !a.cancelled && (a.status === undefined || a.status === "submitted"));
const skipped = sidecar.annotations.filter((a) => !counted.includes(a));
const annotators = {};
const questions = {};
const misses = [];
for (const a of counted) {
  const g = gold[a.case];
  const ann = (annotators[a.annotator] = annotators[a.annotator] || {
    annotations: 0,
    items: new Set(),
    gold_answers: 0,
    correct: 0,
    misses: 0,
  });
  ann.annotations++;
  ann.items.add(a.case);
  for (const x of a.answers) {
    const want = goldOf(g, x.question, x.response);
    if (want === undefined) continue;
    const q = (questions[x.question] = questions[x.question] || { answers: 0, correct: 0 });
    ann.gold_answers++;
    q.answers++;
    if (same(x.answer, want)) {
      ann.correct++;
      q.correct++;
    } else {
      ann.misses++;
      misses.push({
        annotator: a.annotator,
        item: a.case,
        case: a.case,
        question: x.question,
        response: x.response,
        answer: x.answer,
        gold: want,
        url: "html/" + pages[a.case] + "#case-" + a.case,
      });
    }
  }
}

// ---- The checks -------------------------------------------------------------

const base = path.basename(inputPath);
const input = (grade.inputs || []).find((i) => typeof i.file === "string" && path.basename(i.file) === base);
if (!input) bad(format + ": inputs[] names " + base, JSON.stringify(grade.inputs));
else {
  const nTasks = new Set(sidecar.annotations.map((a) => a.task)).size;
  const cancelled = skipped.filter((a) => a.cancelled).length;
  const notSubmitted = skipped.filter((a) => !a.cancelled);
  const notSubmittedAnswers = notSubmitted.reduce((n, a) => n + a.answers.length, 0);
  const sk = input.skipped || {};
  check(format + ": the input is read as " + format, input.format === format, "format " + input.format);
  check(format + ": " + nTasks + " records", input.records === nTasks, "records " + input.records);
  check(format + ": " + counted.length + " annotations graded", input.annotations === counted.length, "annotations " + input.annotations);
  check(format + ": " + cancelled + " cancelled annotations skipped", sk.cancelled === cancelled, "skipped " + JSON.stringify(sk));
  // one response per record and user holds every question's answer:
  // counted per annotation or per answer
  check(
    format + ": " + notSubmitted.length + " annotations not submitted skipped",
    sk.not_submitted === notSubmitted.length || (notSubmitted.length > 0 && sk.not_submitted === notSubmittedAnswers),
    "skipped " + JSON.stringify(sk) + ", want not_submitted " + notSubmitted.length + " (or " + notSubmittedAnswers + " answers)"
  );
  check(format + ": nothing invalid", sk.invalid === 0, "skipped " + JSON.stringify(sk));
  if (format === "labelstudio")
    check(format + ": the " + nTasks + " ground-truth annotations of the export skipped",
      sk.ground_truth === nTasks, "skipped " + JSON.stringify(sk));
}

const gotNames = Object.keys(grade.annotators || {}).sort();
const wantNames = Object.keys(annotators).sort();
check(
  format + ": annotators " + wantNames.join(", "),
  JSON.stringify(gotNames) === JSON.stringify(wantNames),
  "got " + JSON.stringify(gotNames)
);
for (const [name, want] of Object.entries(annotators)) {
  const got = (grade.annotators || {})[name];
  if (!got) continue;
  const acc = want.correct / want.gold_answers;
  const problems = [];
  if (got.annotations !== want.annotations) problems.push("annotations " + got.annotations + ", want " + want.annotations);
  if (got.gold_items !== want.items.size) problems.push("gold_items " + got.gold_items + ", want " + want.items.size);
  if (got.gold_answers !== want.gold_answers) problems.push("gold_answers " + got.gold_answers + ", want " + want.gold_answers);
  if (got.correct !== want.correct) problems.push("correct " + got.correct + ", want " + want.correct);
  if (!near(got.accuracy, acc)) problems.push("accuracy " + got.accuracy + ", want " + acc.toFixed(4));
  if (got.misses !== want.misses) problems.push("misses " + got.misses + ", want " + want.misses);
  check(
    format + ": annotator " + name + ": " + want.correct + " of " + want.gold_answers + " gold answers right, " + want.misses + " misses",
    !problems.length,
    problems.join("\n")
  );
}

for (const [qid, want] of Object.entries(questions)) {
  const got = grade.questions && grade.questions[qid] && grade.questions[qid].gold;
  const acc = want.correct / want.answers;
  check(
    format + ": question " + qid + ": " + want.correct + " of " + want.answers + " right",
    got && got.answers === want.answers && got.correct === want.correct && near(got.accuracy, acc),
    got ? "gold " + JSON.stringify({ answers: got.answers, correct: got.correct, accuracy: got.accuracy }) + ", want accuracy " + acc.toFixed(4) : "no questions." + qid + ".gold"
  );
}

// misses: the same list, as multisets
const key = (m) =>
  JSON.stringify([m.annotator, m.item, m.case, m.question, m.response === undefined ? null : m.response, norm(m.answer), norm(m.gold), m.url]);
function norm(v) {
  if (Array.isArray(v)) return [...v].sort();
  if (v && typeof v === "object") return v.strength === 0 ? { preferred: "tie", strength: 0 } : { preferred: v.preferred, strength: v.strength };
  return v;
}
const wantMisses = misses.map(key).sort();
const gotMisses = (grade.misses || []).map(key).sort();
const missing = wantMisses.filter((k) => !gotMisses.includes(k));
const extra = gotMisses.filter((k) => !wantMisses.includes(k));
check(
  format + ": the " + wantMisses.length + " misses, with links html/PAGE.html#case-ID",
  !missing.length && !extra.length && gotMisses.length === wantMisses.length,
  missing.map((k) => "missing " + k).concat(extra.map((k) => "unexpected " + k)).join("\n")
);
const broken = misses.filter((m) => !m.url.startsWith("html/undefined") && !fs.existsSync(path.join(out, m.url.split("#")[0])));
check(format + ": every miss links to a page of the site", !broken.length && misses.every((m) => pages[m.case]), broken.map((m) => m.url).join("\n"));

// totals
const t = grade.totals || {};
const all = Object.values(annotators);
const sum = (f) => all.reduce((n, a) => n + f(a), 0);
check(
  format + ": totals",
  t.annotators === all.length && t.annotations === counted.length && t.gold_answers === sum((a) => a.gold_answers) &&
    t.correct === sum((a) => a.correct) && t.misses === misses.length,
  "totals " + JSON.stringify(t) + ", want annotators " + all.length + ", annotations " + counted.length +
    ", gold_answers " + sum((a) => a.gold_answers) + ", correct " + sum((a) => a.correct) + ", misses " + misses.length
);

result();
