-- SPDX-License-Identifier: MIT
-- export-judge: the registry entry of the notes the LLM-judge export of
-- `build` reports (export_judge.c). The export finds these while it
-- writes judge/, so the check here reports nothing; the entry gives
-- `casebook rules export-judge` its explanation and lets a manifest set
-- its severity (or turn it off).

return {
  id = "export-judge",
  severity = "note",
  summary = "Something in the casebook cannot go into the LLM-judge rubrics.",
  rationale = [[
`build` writes judge/rubric-items.json (HealthBench-style items, one per
criterion with integer points) and judge/prometheus.json (Prometheus-style
1-5 rubrics, one per labelled scale question). A criterion whose points
are not an integer, and a scale that does not have exactly five values
(a 0-4 scale maps to scores 1-5; a 1-10 scale cannot) or does not label
all five, are left out of those files with this note. The grader
prompts in judge/prompts/ cover every question regardless.
docs/outputs.md describes the files.]],
  example = [[
## Question stars: How many stars?   <- note: question 'stars': its scale
                                        1-10 has 10 values and a
- type: scale 1-10                      Prometheus rubric has five ...]],
  check = function() end,
}
