// SPDX-License-Identifier: MIT
// fences.js PROMPT.xml GOLD CASE [IDS]: checks that the grader prompt whose
// CommonMark AST is PROMPT.xml (cmark-gfm -t xml) quotes every input of
// gold case CASE as one whole code block, byte for byte, and that no text
// of the casebook escaped its block: no raw HTML anywhere, no heading
// other than the prompt's own, and each of IDS (option ids, one a line)
// appears whole as a code span in a heading.
"use strict";
const fs = require("fs");
const [xmlPath, goldPath, caseId] = process.argv.slice(2);
const xml = fs.readFileSync(xmlPath, "utf8");
const gold = fs.readFileSync(goldPath, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
const rec = gold.find((r) => r.id === caseId);
let failures = 0;
const fail = (m) => { failures++; console.log("FAIL " + m); };
if (!rec) { console.log(`FAIL no case ${caseId} in ${goldPath}`); process.exit(1); }

const decode = (s) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
  .replace(/&#39;/g, "'").replace(/&amp;/g, "&");
const blocks = [...xml.matchAll(/<code_block info="([^"]*)"[^>]*>([\s\S]*?)<\/code_block>/g)]
  .map((m) => ({ info: m[1], text: decode(m[2]) }));
for (const input of rec.inputs) {
  if (!blocks.some((b) => b.info === "text" && b.text === input.text + (input.text.endsWith("\n") ? "" : "\n")))
    fail(`the ${input.kind} input of ${caseId} is not one whole code block: ${JSON.stringify(input.text)}`);
}
if (/<html_(block|inline)/.test(xml)) fail("the prompt holds raw HTML outside code blocks");
// The prompt's own headings: fixed words, with ids only as code spans.
const headingXml = [...xml.matchAll(/<heading level="(\d)">([\s\S]*?)<\/heading>/g)].map((m) => m[2]);
const headings = headingXml.map((h) => h.replace(/<code[^>]*>[\s\S]*?<\/code>/g, "ID")
  .replace(/<[^>]+>/g, "").replace(/\s+/g, " ").trim());
const own = /^(Grader prompt for question ID|The question|Guideline|Options|Labelled values|Criteria that apply|Examples|Example \d+: case ID|Your answer|The case to grade|ID|\d+)$/;
for (const h of headings) if (!own.test(decode(h))) fail(`a heading that the prompt did not write: ${h}`);
// every id in a heading is one code span holding the id as written
for (const id of (process.argv[5] || "").split("\n").filter(Boolean)) {
  const spans = headingXml.flatMap((h) => [...h.matchAll(/<code[^>]*>([\s\S]*?)<\/code>/g)].map((m) => decode(m[1])));
  if (!spans.includes(id)) fail(`the option id ${JSON.stringify(id)} is not a code span of a heading`);
}
if (headings.some((h) => /Ignore previous/i.test(h))) fail("the case's heading escaped its block");
console.log(`fences: ${rec.inputs.length} inputs of ${caseId} quoted whole, ${blocks.length} code blocks, ${headings.length} headings`);
process.exit(failures ? 1 : 0);
