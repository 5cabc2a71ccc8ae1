// SPDX-License-Identifier: MIT
// argilla-make.js: an Argilla v2 records file with annotators' responses,
// made from casebook's own Argilla export, as input for the end-to-end
// test of `casebook grade` (tests/layers/grade.sh).
//
//   node argilla-make.js OUT RECORDS SIDECAR
//
// OUT is a `casebook build` output directory of casebooks/chat-safety. The
// records of OUT/argilla/training/records.json named in PLAN are written to RECORDS
// as the Argilla v2 SDK writes records with their responses (Record.to_dict,
// as in `dataset.records.to_json`): {id, _server_id, fields,
// metadata, suggestions, responses: {QUESTION: [{value, user_id, status}]},
// vectors}. The gold suggestions of the export stay (a grader must not
// count them), and each annotator's responses to a record share one status
// (Argilla keeps one response per record and user): "submitted", or
// "draft" / "discarded", which must not be graded.
//
// The answers are a fixed script: the gold answer of the case (gold.jsonl,
// mapped to Argilla names and values by docs/argilla.md, written again
// here) unless PLAN says otherwise. SIDECAR says what was answered, in the
// shape tests/grade/ls-annotate.js writes: {"tool": "argilla",
// "annotations": [{annotator, case, task, cancelled, status, answers:
// [{question, response, answer}]}]}, for tests/grade/grade-expect.js.
"use strict";

const fs = require("fs");
const path = require("path");
const { readGold } = require("./common");

// Argilla user ids are UUIDs; grade names an annotator by its user_id.
const U1 = "5d3b0f0e-1a2b-4c3d-8e4f-000000000001";
const U2 = "5d3b0f0e-1a2b-4c3d-8e4f-000000000002";
const U3 = "5d3b0f0e-1a2b-4c3d-8e4f-000000000003";

// Per record: who answers, with what status, and where they differ from
// gold. Keys are casebook question ids, "QID/RESPONSE" for a per-response
// question (RESPONSE "response" for the unnamed response, as gold.jsonl names it); values replace the gold
// answer, in the shape of gold.jsonl.
const PLAN = [
  {
    case: "bomb-story",
    by: {
      [U1]: { status: "submitted", "harm/A": "borderline", "severity/A": 3 },
      [U2]: { status: "submitted", preference: { preferred: "B", strength: 1 } },
      [U3]: { status: "submitted", "helpfulness/B": 2 },
    },
  },
  {
    case: "sleeping-pills",
    by: {
      [U1]: { status: "submitted" },
      [U2]: { status: "submitted", "refusal/B": "partial" },
    },
  },
  {
    case: "wine-stain",
    by: {
      [U1]: { status: "submitted", preference: { preferred: "tie", strength: 0 } },
      [U2]: { status: "submitted" },
      [U3]: { status: "submitted", "harm/B": "borderline", "severity/B": 1 },
    },
  },
  {
    case: "fertilizer-escalation",
    by: {
      [U1]: { status: "submitted", escalation: "absent" },
      [U2]: { status: "draft", escalation: "sudden", "harm/response": "harmful" },
    },
  },
  {
    case: "kill-process",
    by: {
      [U1]: { status: "submitted", "helpfulness/response": 3 },
      [U2]: { status: "submitted" },
      [U3]: { status: "discarded", "refusal/response": "complied" },
    },
  },
  {
    case: "capital-of-australia",
    by: {
      [U1]: { status: "submitted" },
      [U2]: { status: "discarded", "helpfulness/response": 5 },
      [U3]: { status: "submitted", "harm/response": "borderline" },
    },
  },
];

const PER_RESPONSE = ["harm", "severity", "harm-type", "refusal", "helpfulness"];
const CASE_LEVEL = ["escalation", "preference"];

const [out, recordsPath, sidecarPath] = process.argv.slice(2);
if (!out || !recordsPath || !sidecarPath) {
  console.error("usage: node argilla-make.js OUT RECORDS SIDECAR");
  process.exit(2);
}

const records = JSON.parse(fs.readFileSync(path.join(out, "argilla/training/records.json"), "utf8"));
const settings = JSON.parse(fs.readFileSync(path.join(out, "argilla/training/.argilla/settings.json"), "utf8"));
const gold = readGold(out);
const questionNames = new Set(settings.questions.map((q) => q.name));

// docs/argilla.md: names in lower case, other characters than a-z 0-9 _ -
// made "_"; a per-response question is QUESTION_FIELD.
function argName(s) {
  return s.toLowerCase().replace(/[^a-z0-9_-]/g, "_");
}
function fieldOf(resp) {
  return resp === "response" ? "response" : argName("response_" + resp);
}

// The two responses of the pairwise question, left first, from its
// options ("A>>B", ...).
function pairOf() {
  const q = settings.questions.find((x) => x.name === "preference");
  const m = /^(.+)>>(.+)$/.exec(q.settings.options[0].value);
  return [m[1], m[2]];
}

function argValue(qid, v) {
  if (qid !== "preference") return v;
  if (v.strength === 0) return "tie";
  const [a, b] = pairOf();
  const other = v.preferred === a ? b : a;
  return v.preferred + (v.strength === 2 ? ">>" : ">") + other;
}

const sidecar = { tool: "argilla", annotations: [] };
const outRecords = [];
for (const [i, step] of PLAN.entries()) {
  const rec = records.find((r) => r.id === step.case);
  const g = gold[step.case];
  if (!rec || !g) {
    console.error("argilla-make.js: no record or gold case " + step.case);
    process.exit(1);
  }
  const responses = {};
  for (const [user, plan] of Object.entries(step.by)) {
    const valueOf = (key) => {
      if (key in plan) return plan[key];
      const [qid, resp] = key.split("/");
      if (resp === undefined) return g.answers[qid];
      return (g.per_response[resp] || {})[qid];
    };
    const answers = [];
    for (const resp of Object.keys(g.per_response)) {
      for (const qid of PER_RESPONSE) {
        if (qid === "severity" || qid === "harm-type") {
          const harm = valueOf("harm/" + resp);
          if (harm !== "borderline" && harm !== "harmful") continue;
        }
        const v = valueOf(qid + "/" + resp);
        if (v === undefined || (Array.isArray(v) && !v.length)) continue;
        answers.push({ question: qid, response: resp, answer: v });
      }
    }
    for (const qid of CASE_LEVEL) {
      const v = valueOf(qid);
      if (v !== undefined) answers.push({ question: qid, response: null, answer: v });
    }
    for (const a of answers) {
      const name = a.response === null ? argName(a.question) : argName(a.question) + "_" + fieldOf(a.response);
      if (!questionNames.has(name)) {
        console.error("argilla-make.js: settings.json has no question " + name);
        process.exit(1);
      }
      (responses[name] = responses[name] || []).push({ value: argValue(a.question, a.answer), user_id: user, status: plan.status });
    }
    sidecar.annotations.push({
      annotator: user,
      case: step.case,
      task: rec.id,
      cancelled: false,
      status: plan.status,
      answers,
    });
  }
  outRecords.push({
    id: rec.id,
    _server_id: "9a7e2c41-0b6d-4f8e-a1c3-" + String(i + 1).padStart(12, "0"),
    fields: rec.fields,
    metadata: rec.metadata,
    suggestions: rec.suggestions,
    responses,
    vectors: {},
  });
}

fs.writeFileSync(recordsPath, JSON.stringify(outRecords, null, 2) + "\n");
fs.writeFileSync(sidecarPath, JSON.stringify(sidecar, null, 2) + "\n");
