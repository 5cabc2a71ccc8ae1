// SPDX-License-Identifier: MIT
// when-oracle.js: compares the `when` translation of annotation.schema.json
// with casebook's own evaluation of `when` (when.c, as the rules run it).
//
//   node when-oracle.js gen DIR SEED [response]
//       writes a book into DIR: questions
//       a (scale 1-5), b (choice x/y/z), m (multi p/q), and t0..tN (text)
//       each with a random `when` over a, b and m in the forms the
//       translation reads (comparisons, in, has, members, not, and, or); cases with random answers (some left out) that
//       answer every t
//       (with "response": a, b, m and the t per response, a case-scope
//       question k, one response A or B per case)
//   node when-oracle.js compare OUT DIAG [response]
//       for every case and every t: the
//       t's if/then/else clause of OUT/annotation.schema.json accepts the
//       case's annotation exactly when `casebook check` (DIAG, --format
//       json) reports no not-applicable error for that t in that case
"use strict";
const fs = require("fs");

function rng(seed) {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s % n;
  };
}

function atom(r) {
  const n = 1 + r(5);
  switch (r(17)) {
    case 13: return `b in {"${"xyz"[r(3)]}", "${"xyz"[r(3)]}"}`;
    case 14: return `"${"pq"[r(2)]}" in m`;
    case 15: return `a in {${n}, ${1 + r(5)}}`;
    case 16: return `b != "${"xyz"[r(3)]}"`;
    case 0: return `a == ${n}`;
    case 1: return `a ~= ${n}`;
    case 2: return `a < ${n}`;
    case 3: return `a >= ${n}`;
    case 4: return `${n} < a`;
    case 5: return `b == "${"xyz"[r(3)]}"`;
    case 6: return `b ~= "${"xyz"[r(3)]}"`;
    case 7: return `has(m, "${"pq"[r(2)]}")`;
    case 8: return `m.${"pq"[r(2)]}`;
    case 9: return "a";
    case 10: return `'${"xyz"[r(3)]}' == b`;
    case 11: return r(2) ? "true" : "false";
    default: return `a <= ${n}`;
  }
}

function expr(r, depth) {
  if (depth <= 0 || r(3) === 0) return atom(r);
  switch (r(4)) {
    case 0: return `not (${expr(r, depth - 1)})`;
    case 1: return `(${expr(r, depth - 1)}) and ${expr(r, depth - 1)}`;
    case 2: return `${expr(r, depth - 1)} or (${expr(r, depth - 1)})`;
    default: return `${expr(r, depth - 1)} and ${expr(r, depth - 1)} or ${atom(r)}`;
  }
}

const [mode, a1, a2, scope] = process.argv.slice(2);
if (mode === "gen" && scope === "response") {
  // a, b, m and every t per response; k per case. map.json gives each
  // case's response.
  const r = rng(Number(a2));
  const N = 30, K = 30;
  let md = "# When oracle per response\n\n" +
    "## Question a: A\n\n- type: scale 1-5\n- required: no\n- scope: response\n\n" +
    "## Question b: B\n\n- required: no\n- scope: response\n\n| Option | Meaning |\n|---|---|\n| x | X |\n| y | Y |\n| z | Z |\n\n" +
    "## Question m: M\n\n- type: multi\n- required: no\n- scope: response\n\n| Option | Meaning |\n|---|---|\n| p | P |\n| q | Q |\n\n" +
    "## Question k: K\n\n- required: no\n\n| Option | Meaning |\n|---|---|\n| x | X |\n| y | Y |\n\n";
  for (let i = 0; i < N; i++) {
    let w = expr(r, 2);
    if (r(4) === 0) w = `k == "${"xy"[r(2)]}" ${r(2) ? "and" : "or"} (${w})`;
    else if (r(6) === 0) w = `k ~= "y"`;
    md += `## Question t${i}: T${i}\n\n- type: text\n- required: no\n- scope: response\n- when: ${w}\n\n`;
  }
  // one response per case, named A or B, answered in the property list
  // (a diagnostic then belongs to the case's only response)
  const map = {};
  for (let k = 0; k < K; k++) {
    const resp = "AB"[r(2)];
    map[`c${k}`] = resp;
    md += `## Case c${k}: C${k}\n\n\`\`\`prompt\nP${k}\n\`\`\`\n\n` +
      `\`\`\`response ${resp}\nR\n\`\`\`\n\n`;
    if (r(3)) md += `- k: ${"xy"[r(2)]}\n`;
    if (r(4)) md += `- a: ${1 + r(5)}\n`;
    if (r(4)) md += `- b: ${"xyz"[r(3)]}\n`;
    if (r(4)) md += `- m: ${["none", "p", "q", "p, q"][r(4)]}\n`;
    for (let i = 0; i < N; i++) md += `- t${i}: yes\n`;
    md += "\nWhy.\n\n";
  }
  fs.mkdirSync(a1, { recursive: true });
  fs.writeFileSync(a1 + "/when.md", md);
  fs.writeFileSync(a1 + "/../map.json", JSON.stringify(map));
  process.exit(0);
}
if (mode === "gen") {
  const r = rng(Number(a2));
  const N = 40, K = 40;
  let md = "# When oracle\n\n## Question a: A\n\n- type: scale 1-5\n- required: no\n\n" +
    "## Question b: B\n\n- required: no\n\n| Option | Meaning |\n|---|---|\n| x | X |\n| y | Y |\n| z | Z |\n\n" +
    "## Question m: M\n\n- type: multi\n- required: no\n\n| Option | Meaning |\n|---|---|\n| p | P |\n| q | Q |\n\n";
  for (let i = 0; i < N; i++)
    md += `## Question t${i}: T${i}\n\n- type: text\n- required: no\n- when: ${expr(r, 3)}\n\n`;
  for (let k = 0; k < K; k++) {
    md += `## Case c${k}: C${k}\n\n\`\`\`prompt\nP${k}\n\`\`\`\n\n`;
    if (r(4)) md += `- a: ${1 + r(5)}\n`;
    if (r(4)) md += `- b: ${"xyz"[r(3)]}\n`;
    if (r(4)) md += `- m: ${["none", "p", "q", "p, q"][r(4)]}\n`;
    for (let i = 0; i < N; i++) md += `- t${i}: yes\n`;
    md += "\nWhy.\n\n";
  }
  fs.mkdirSync(a1, { recursive: true });
  fs.writeFileSync(a1 + "/when.md", md);
  process.exit(0);
}

const Ajv2020 = require("ajv/dist/2020");
const ajv = new Ajv2020({ allowUnionTypes: true, strict: false });
const schema = JSON.parse(fs.readFileSync(a1 + "/annotation.schema.json", "utf8"));
const gold = fs.readFileSync(a1 + "/gold.jsonl", "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
const diags = JSON.parse(fs.readFileSync(a2, "utf8")).diagnostics;
const notApplicable = new Set(diags.filter((d) => d.rule === "not-applicable")
  .map((d) => d.element + " " + (/question '([^']+)'/.exec(d.message) || [])[1]));
const clauses = new Map();
for (const c of schema.allOf || []) {
  const t = c.else && c.else.not && c.else.not.required && c.else.not.required[0];
  if (t) clauses.set(t, ajv.compile({ $schema: schema.$schema, ...c }));
}
let agree = 0, failures = 0;
if (scope === "response") {
  // per response: the annotation with only that response's t answer
  const map = JSON.parse(fs.readFileSync(a1 + "/../map.json", "utf8"));
  const na = new Set(diags.filter((d) => d.rule === "not-applicable").map((d) =>
    `${d.element} ${(/question '([^']+)'/.exec(d.message) || [])[1]} ${map[d.element]}`));
  const byTarget = new Map();
  for (const c of schema.allOf || []) {
    const not = c.else && c.else.not;
    const t = not && not.required && not.required[0];
    if (!t || !/^t\d+$/.test(t)) continue;
    if (!byTarget.has(t)) byTarget.set(t, []);
    byTarget.get(t).push(c);
  }
  for (const [t, cs] of byTarget) {
    const v = ajv.compile({ $schema: schema.$schema, allOf: cs });
    for (const rec of gold) {
      const ann = { ...rec.answers };
      for (const [resp, answers] of Object.entries(rec.per_response))
        for (const [q, val] of Object.entries(answers)) (ann[q] = ann[q] || {})[resp] = val;
      for (const resp of [map[rec.id]]) {
        const one = { ...ann, [t]: { [resp]: "yes" } };
        const ok = v(one);
        const want = !na.has(`${rec.id} ${t} ${resp}`);
        if (ok === want) agree++;
        else if (++failures < 10)
          console.log(`FAIL ${rec.id} ${t}[${resp}]: schema says ${ok ? "applies" : "does not apply"}, casebook says ${want ? "applies" : "does not apply"}; ${JSON.stringify(one)}`);
      }
    }
  }
  if (byTarget.size === 0) failures++;
  console.log(`when per response: the schema agrees with casebook on ${agree} of ${agree + failures} (case, question) pairs, ${na.size} not applicable`);
  process.exit(failures || agree === 0 ? 1 : 0);
}
const questions = Object.keys(schema.properties).filter((q) => /^t\d+$/.test(q));
for (const q of questions) {
  const v = clauses.get(q);
  if (!v) { failures++; console.log(`FAIL no clause for ${q}`); continue; }
  for (const rec of gold) {
    const ok = v(rec.answers);
    const want = !notApplicable.has(rec.id + " " + q);
    if (ok === want) agree++;
    else {
      failures++;
      if (failures < 10) console.log(`FAIL ${rec.id} ${q}: schema says ${ok ? "applies" : "does not apply"}, casebook says ${want ? "applies" : "does not apply"}; answers ${JSON.stringify(rec.answers)}`);
    }
  }
}
console.log(`when: the schema agrees with casebook on ${agree} of ${agree + failures} (case, question) pairs, ${notApplicable.size} not applicable`);
process.exit(failures || agree === 0 ? 1 : 0);
