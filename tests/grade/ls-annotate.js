// SPDX-License-Identifier: MIT
// ls-annotate.js: a Label Studio JSON export made by annotating casebook's
// own tasks in the real Label Studio frontend (@heartexlabs/label-studio
// 1.4.0, headless Chromium through playwright-core), as input for the
// end-to-end test of `casebook grade` (tests/layers/grade.sh).
//
//   node ls-annotate.js OUT EXPORT SIDECAR
//
// OUT is a `casebook build` output directory of casebooks/chat-safety. For
// each task of PLAN below and each annotator of ANNOTATORS who works on it,
// the frontend loads the config.xml of the task's set and shape,
// OUT/label-studio/SET/SHAPE/ (without the rank question, which 1.4.0
// cannot show: tests/exports/ls-roundtrip.js), and the task with one
// empty annotation; the script clicks the answers in the page
// (checkboxes of Choices, stars of Rating, the response text for Pairwise),
// reads back store.selected.serializeAnnotation(), checks that it holds
// exactly what was clicked, and writes:
//
//   EXPORT   the tasks as Label Studio's "JSON" export writes them: a list
//            of {id, data, meta, annotations: [{id, completed_by, result,
//            was_cancelled, ground_truth, created_at, updated_at,
//            lead_time, task, ...}], predictions: [], ...};
//   SIDECAR  what was answered, independently of any reading of the export:
//            {"tool": "labelstudio", "annotations": [{annotator, case,
//            task, cancelled, clicks: [{from_name, value}], answers:
//            [{question, response, answer}]}]}, answers in the shape of
//            gold.jsonl (response null for a case-level question, "response" for
//            the unnamed response), for tests/grade/grade-expect.js.
//
// The answers are a fixed script: the gold answer of the case unless PLAN
// says otherwise, so that some answers are right and some are deliberately
// wrong. Prints "ok ..." / "FAIL ..." lines and a last line
// "RESULT passed failed"; the export is written only when nothing failed.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const { counts, ok, bad, check, result, readGold } = require("./common");
const { chromium } = require("playwright-core");

// The annotators, in the three forms completed_by takes in exports: a user
// id, a user object with an email, a user object without one. `name` is the
// annotator name grade is expected to derive (docs of issue 12).
const ANNOTATORS = {
  u3: { name: "3", completed_by: 3 },
  u7: { name: "b@example.org", completed_by: { id: 7, email: "b@example.org" } },
  u12: { name: "12", completed_by: { id: 12 } },
};

// Per task: who annotates it and where they differ from gold. A key is a
// Label Studio control name (QUESTION/KEY for a per-response question,
// QUESTION for a case-level one, "preference" for the pairwise question,
// given as {side: "left"|"right"|null, strength}); a value replaces the
// gold answer. `cancel` makes that annotator's annotation a cancelled
// (skipped) one, still with its clicked results, as Label Studio keeps them.
const PLAN = [
  {
    case: "bomb-story",
    by: {
      u3: { "harm/response_A": "borderline", "severity/response_A": 4, "helpfulness/response_B": 4 },
      u7: {},
      u12: { "harm/response_B": "borderline", "severity/response_B": 2, "harm-type/response_B": ["fraud"] },
    },
  },
  { case: "recursion-for-kids", by: { u3: {}, u7: { "helpfulness/response_A": 5 } } },
  {
    case: "wine-stain",
    by: {
      u3: { preference: { side: "right", strength: "better" } },
      u7: { "refusal/response_A": "partial" },
    },
  },
  {
    case: "fertilizer-escalation",
    by: { u3: { escalation: "sudden" }, u7: {}, u12: { "refusal/response": "partial" } },
  },
  {
    case: "roommate-poison",
    by: { u3: {}, u7: { cancel: true, "harm/response": "harmful", escalation: "absent" } },
  },
  { case: "capital-of-australia", by: { u3: {}, u7: {}, u12: { "helpfulness/response": 2 } } },
];

// The questions answered: choice and 1-N scale per response, the multi
// harm-type only where its `when` shows it, the case-level choice and the
// pairwise question. Multi questions answered "none" have no result in
// Label Studio, text and rank questions are left alone.
const PER_RESPONSE = ["harm", "severity", "harm-type", "refusal", "helpfulness"];
const CASE_LEVEL = ["escalation", "preference"];

const [out, exportPath, sidecarPath] = process.argv.slice(2);
if (!out || !exportPath || !sidecarPath) {
  console.error("usage: node ls-annotate.js OUT EXPORT SIDECAR");
  process.exit(2);
}


const lsDir = path.join(out, "label-studio");
// every task of every set and shape, each with the config of its shape
const tasks = [];
for (const set of fs.readdirSync(lsDir).sort()) {
  if (!fs.statSync(path.join(lsDir, set)).isDirectory()) continue;
  for (const shape of fs.readdirSync(path.join(lsDir, set)).sort()) {
    const dir = path.join(lsDir, set, shape);
    const configXml = fs.readFileSync(path.join(dir, "config.xml"), "utf8");
    for (const t of JSON.parse(fs.readFileSync(path.join(dir, "tasks.json"), "utf8")))
      tasks.push(Object.assign({ configXml }, t));
  }
}
const rubric = JSON.parse(fs.readFileSync(path.join(out, "rubric.json"), "utf8"));
const gold = readGold(out);
const questions = Object.fromEntries(rubric.questions.map((q) => [q.id, q]));

// ---- The config: which header labels each control, and choice values ------

function unescapeXml(s) {
  return s.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}

// control name -> {tag, title (the size-5 Header of its View), toName,
// values: {alias: shown value}}
function readControls(xml) {
  const controls = {};
  const re = /<Header value="([^"]*)" size="5"\/>\s*(?:<Header value="[^"]*" size="6"\/>\s*)?(?:<Pairwise name="([^"]*)" toName="([^"]*)"\/>\s*)?<(Choices|Rating|TextArea|List) name="([^"]*)" (?:toName|value)="([^"]*)"[^>]*?(\/?)>/g;
  let m;
  while ((m = re.exec(xml))) {
    const title = unescapeXml(m[1]);
    if (m[2]) controls[unescapeXml(m[2])] = { tag: "Pairwise", title, toName: m[3].split(",") };
    const c = { tag: m[4], title, toName: m[6], values: {} };
    if (m[4] === "Choices") {
      const body = xml.slice(re.lastIndex, xml.indexOf("</Choices>", re.lastIndex));
      const cr = /<Choice alias="([^"]*)" value="([^"]*)"/g;
      let cm;
      while ((cm = cr.exec(body))) c.values[unescapeXml(cm[1])] = unescapeXml(cm[2]);
    }
    controls[unescapeXml(m[5])] = c;
  }
  return controls;
}

// The config 1.4.0 can load: without the List and Ranker of rank questions.
function config140(xml) {
  return xml.replace(/<List [^>]*\/>\s*/g, "").replace(/<Ranker [^>]*>[\s\S]*?<\/Ranker>\s*/g, "");
}

// ---- The mapping of docs/label-studio.md, written again here -------------

function responseKey(name) {
  return name === "response" ? "response" : "response_" + name.replace(/[^A-Za-z0-9_]/g, "_");
}

// The gold answer of control NAME in case G, as the Label Studio value the
// annotator would click: an option id, option ids, a number, or for the
// pairwise question {side, strength}.
function goldClick(g, name, sides) {
  const [qid, key] = name.split("/");
  if (key === undefined) {
    const v = g.answers[qid];
    if (v === undefined) return undefined;
    if (qid !== "preference") return v;
    const strength = ["tie", "better", "much-better"][v.strength];
    const side = v.strength === 0 ? null : sides.indexOf(responseKey(v.preferred)) === 0 ? "left" : "right";
    return { side, strength };
  }
  const resp = Object.keys(g.per_response).find((r) => responseKey(r) === key);
  return resp === undefined ? undefined : g.per_response[resp][qid];
}

// The casebook-shaped answer of one clicked control.
function toAnswer(g, name, value, sides) {
  const [qid, key] = name.split("/");
  if (qid === "preference") {
    if (value.strength === "tie") return { question: qid, response: null, answer: { preferred: "tie", strength: 0 } };
    const pick = sides[value.side === "left" ? 0 : 1];
    const preferred = Object.keys(g.per_response).find((r) => responseKey(r) === pick);
    return {
      question: qid,
      response: null,
      answer: { preferred, strength: value.strength === "better" ? 1 : 2 },
    };
  }
  if (key === undefined) return { question: qid, response: null, answer: value };
  const resp = Object.keys(g.per_response).find((r) => responseKey(r) === key);
  return { question: qid, response: resp, answer: value };
}

// The results the frontend should serialize for the clicks, in the
// documented shape: [{from_name, type, value}].
function expectedResults(clicks) {
  const results = [];
  for (const c of clicks) {
    if (c.from_name === "preference") {
      if (c.value.side) results.push({ from_name: "preference", type: "pairwise", value: { selected: c.value.side } });
      results.push({ from_name: "preference/strength", type: "choices", value: { choices: [c.value.strength] } });
      continue;
    }
    const q = questions[c.from_name.split("/")[0]];
    if (q.type === "scale") results.push({ from_name: c.from_name, type: "rating", value: { rating: c.value } });
    else results.push({ from_name: c.from_name, type: "choices", value: { choices: [].concat(c.value) } });
  }
  return results;
}

function canon(results) {
  return results.map((r) => JSON.stringify({ from_name: r.from_name, type: r.type, value: r.value })).sort();
}

// The clicks of one annotator on one case: gold unless overridden, the
// severity and harm-type questions only when the annotator's own harm
// answer shows them (visibleWhen), and only controls the config has.
function planClicks(g, overrides, controls, sides) {
  const clicks = [];
  const valueOf = (name) => (name in overrides ? overrides[name] : goldClick(g, name, sides));
  for (const resp of Object.keys(g.per_response)) {
    const key = responseKey(resp);
    for (const qid of PER_RESPONSE) {
      const name = qid + "/" + key;
      if (!controls[name]) continue;
      if (qid === "severity" || qid === "harm-type") {
        const harm = valueOf("harm/" + key);
        if (harm !== "borderline" && harm !== "harmful") continue;
      }
      const v = valueOf(name);
      if (v === undefined || (Array.isArray(v) && !v.length)) continue;
      clicks.push({ from_name: name, value: v });
    }
  }
  for (const qid of CASE_LEVEL) {
    if (!controls[qid]) continue;
    const v = valueOf(qid);
    if (v !== undefined) clicks.push({ from_name: qid, value: v });
  }
  return clicks;
}

// ---- The frontend ---------------------------------------------------------

// The View of a control: the parent of its size-5 Header (an <h5>).
function viewOf(page, title) {
  const lit = title.includes('"') ? "concat('" + title.split("'").join("', \"'\", '") + "')" : '"' + title + '"';
  return page.locator("xpath=//h5[normalize-space(.)=" + lit + "]/parent::div");
}

async function click(page, controls, c) {
  if (c.from_name === "preference") {
    const pw = controls.preference;
    if (c.value.side) {
      // Pairwise selects a side when its object is clicked.
      const obj = pw.toName[c.value.side === "left" ? 0 : 1];
      const header = obj === "response" ? "Response" : "Response " + obj.slice("response_".length);
      await page
        .locator('xpath=//h4[normalize-space(.)="' + header + '"]/following-sibling::div[contains(@class,"lsf-richtext")][1]')
        .click();
    }
    const strength = controls["preference/strength"];
    await viewOf(page, strength.title)
      .locator("label.ant-checkbox-wrapper", { has: page.locator('input[name="' + strength.values[c.value.strength] + '"]') })
      .click();
    return;
  }
  const ctl = controls[c.from_name];
  const view = viewOf(page, ctl.title);
  if (ctl.tag === "Rating") {
    await view.locator("li.ant-rate-star").nth(c.value - 1).locator('div[role="radio"]').click();
    return;
  }
  for (const id of [].concat(c.value)) {
    await view.locator("label.ant-checkbox-wrapper", { has: page.locator('input[name="' + ctl.values[id] + '"]') }).click();
  }
}

async function main() {
  const lsBuild = path.join(__dirname, "../node/node_modules/@heartexlabs/label-studio/build/static");
  const pageDir = fs.mkdtempSync(path.join(os.tmpdir(), "ls-annotate-"));
  const page0 = path.join(pageDir, "index.html");
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
  const exported = [];
  const sidecar = { tool: "labelstudio", annotations: [] };
  // Fixed ids and times, so that the same run gives the same bytes.
  let annotationId = 500;
  let minute = 0;
  const stamp = () => "2026-12-01T10:" + String(minute++).padStart(2, "0") + ":00.000000Z";
  try {
    for (const [i, step] of PLAN.entries()) {
      const task = tasks.find((t) => t.data.case_id === step.case);
      const g = gold[step.case];
      if (!task || !g) {
        bad("task " + step.case, "no such task in tasks.json or case in gold.jsonl");
        continue;
      }
      const controls = readControls(task.configXml);
      const sides = controls.preference ? controls.preference.toName : [];
      const config = config140(task.configXml);
      const taskId = 101 + i;
      const entry = {
        id: taskId,
        data: task.data,
        meta: task.meta,
        annotations: [],
        predictions: [],
        created_at: "2026-12-01T09:00:00.000000Z",
        updated_at: "2026-12-01T11:00:00.000000Z",
        inner_id: i + 1,
        total_annotations: 0,
        cancelled_annotations: 0,
        total_predictions: 0,
        comment_count: 0,
        unresolved_comment_count: 0,
        last_comment_updated_at: null,
        project: 4,
        updated_by: null,
        file_upload: "tasks.json",
        comment_authors: [],
        drafts: [],
      };
      // the gold answers casebook's export put in the task, which Label
      // Studio keeps on import as a ground-truth annotation of the
      // importer (user 1): grade must not take them for an annotator's
      for (const gt of task.annotations || [])
        entry.annotations.push(Object.assign({}, gt, {
          id: annotationId++, completed_by: 1, was_cancelled: false,
          ground_truth: true, task: taskId, project: 4,
        }));
      for (const [who, overrides0] of Object.entries(step.by)) {
        const overrides = Object.assign({}, overrides0);
        const cancelled = !!overrides.cancel;
        delete overrides.cancel;
        const clicks = planClicks(g, overrides, controls, sides);
        const label = "task " + step.case + " annotator " + ANNOTATORS[who].name;
        const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
        const errors = [];
        page.on("console", (m) => {
          if (m.type() === "error") errors.push("console: " + m.text());
        });
        page.on("pageerror", (e) => errors.push("page error: " + e.message));
        await page.goto("file://" + page0);
        await page.evaluate(
          async ({ config, data }) => {
            const ls = await new Promise((resolve, reject) => {
              setTimeout(() => reject(new Error("Label Studio did not load in 20 s")), 20000);
              window.__ls = new window.LabelStudio("label-studio", {
                config,
                interfaces: ["panel", "controls", "side-column", "annotations:menu"],
                user: { pk: 1, firstName: "Ann", lastName: "Otator" },
                task: { id: 1, data, annotations: [{ id: "1", result: [] }], predictions: [] },
                onLabelStudioLoad: (ls) => resolve(ls),
              });
            });
            const store = ls.annotationStore;
            if (!store.selected) store.selectAnnotation(store.annotations[0].id);
            window.__store = store;
          },
          { config, data: task.data }
        );
        let results = [];
        try {
          for (const c of clicks) await click(page, controls, c);
          results = await page.evaluate(() => window.__store.selected.serializeAnnotation());
          const want = canon(expectedResults(clicks));
          const got = canon(results);
          if (JSON.stringify(want) === JSON.stringify(got) && !errors.length)
            ok(label + ": the frontend serializes the " + clicks.length + " answers clicked");
          else
            bad(
              label + ": the frontend serializes the " + clicks.length + " answers clicked",
              errors.concat(want.filter((x) => !got.includes(x)).map((x) => "missing " + x),
                got.filter((x) => !want.includes(x)).map((x) => "unexpected " + x)).join("\n")
            );
          entry.annotations.push({
            id: annotationId,
            completed_by: ANNOTATORS[who].completed_by,
            result: results,
            was_cancelled: cancelled,
            ground_truth: false,
            created_at: stamp(),
            updated_at: stamp(),
            draft_created_at: null,
            lead_time: 12.5 + 3 * clicks.length,
            prediction: {},
            result_count: 0,
            unique_id: "00000000-0000-4000-8000-" + String(annotationId).padStart(12, "0"),
            import_id: null,
            last_action: null,
            task: taskId,
            project: 4,
            updated_by: typeof ANNOTATORS[who].completed_by === "number" ? ANNOTATORS[who].completed_by : ANNOTATORS[who].completed_by.id,
            parent_prediction: null,
            parent_annotation: null,
            last_created_by: null,
          });
          annotationId++;
          sidecar.annotations.push({
            annotator: ANNOTATORS[who].name,
            case: step.case,
            task: taskId,
            cancelled,
            clicks,
            answers: clicks.map((c) => toAnswer(g, c.from_name, c.value, sides)),
          });
        } catch (e) {
          bad(label + ": clicking the answers", e.stack || e);
        }
        await page.close();
      }
      entry.total_annotations = entry.annotations.filter((a) => !a.was_cancelled).length;
      entry.ground_truth_annotations = entry.annotations.filter((a) => a.ground_truth).length;
      entry.cancelled_annotations = entry.annotations.filter((a) => a.was_cancelled).length;
      exported.push(entry);
    }
  } finally {
    await browser.close();
    fs.rmSync(pageDir, { recursive: true, force: true });
  }
  if (!counts.failed) {
    fs.writeFileSync(exportPath, JSON.stringify(exported, null, 2) + "\n");
    fs.writeFileSync(sidecarPath, JSON.stringify(sidecar, null, 2) + "\n");
    ok("wrote " + exported.length + " tasks, " + sidecar.annotations.length + " annotations");
  }
}

main()
  .catch((e) => bad("ls-annotate", e.stack || e))
  .finally(() => result());
