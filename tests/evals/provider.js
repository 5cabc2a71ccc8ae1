// SPDX-License-Identifier: MIT
// provider.js: a promptfoo custom provider (file://) for the evals test
// layer, in place of an LLM judge: it answers from a file of canned
// answers and checks the prompt it is sent.
//
//   CASEBOOK_EVALS_ANSWERS  a JSON file {ID: output text}, ID being the
//                           sample id of inspect.jsonl, CASE/QUESTION;
//   CASEBOOK_EVALS_INSPECT  OUT/evals/inspect.jsonl: the prompt promptfoo
//                           renders for a test must equal that sample's
//                           input byte for byte (else the output is
//                           "PROMPT MISMATCH", which no assertion passes,
//                           and the ID is appended to CASEBOOK_EVALS_LOG).
//
// The test's id comes from its metadata (case, question), which casebook
// writes into every test of promptfooconfig.yaml.
"use strict";
const fs = require("fs");

const answers = JSON.parse(fs.readFileSync(process.env.CASEBOOK_EVALS_ANSWERS, "utf8"));
const inputs = new Map();
for (const line of fs.readFileSync(process.env.CASEBOOK_EVALS_INSPECT, "utf8").split("\n")) {
  if (!line) continue;
  const s = JSON.parse(line);
  inputs.set(s.id, s.input);
}

class CannedJudge {
  id() {
    return "casebook-canned-judge";
  }

  async callApi(prompt, context) {
    const meta = (context && context.test && context.test.metadata) || {};
    const id = `${meta.case}/${meta.question}`;
    if (!inputs.has(id) || inputs.get(id) !== prompt) {
      fs.appendFileSync(process.env.CASEBOOK_EVALS_LOG, `${id}\n`);
      return { output: "PROMPT MISMATCH" };
    }
    if (!(id in answers)) return { error: `no canned answer for ${id}` };
    return { output: answers[id] };
  }
}

module.exports = CannedJudge;
