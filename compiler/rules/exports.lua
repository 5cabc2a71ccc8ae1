-- SPDX-License-Identifier: MIT
-- exports.lua: the registry entries of the diagnostics the tool exports
-- of `build` report (export_labelstudio.c, export_argilla.c). The exports
-- find these problems while they write their files, so the checks here
-- report nothing; the entries give `casebook rules ID` its explanation and
-- let a manifest set their severity (or turn them off).

local function quiet() end

return {
  {
    id = "export-labelstudio",
    severity = "error",
    summary = "Something in the casebook cannot be expressed in the Label Studio export.",
    rationale = [[
`build` writes label-studio/config.xml, tasks.json and instructions.html
from the same questions the guideline defines. When a question cannot
be shown by a Label Studio tag (a choice question with no options, a
pairwise question whose two responses are not known, a scale with more
than 100 values), it is left out of the config with an error naming it,
and the other questions and exports are still written. A `when` that
visibleWhen cannot express (anything but one earlier choice question
having one of some options) is a warning: the question is always shown.
docs/label-studio.md lists the mapping and its fallbacks.]],
    example = [[
## Question preference: Which is better?   <- error: Label Studio: pairwise
                                              question 'preference' compares
- type: pairwise                              3 named response fields ...
   (the cases have responses A, B and C, and no `responses: A, B`)]],
    check = quiet,
  },
  {
    id = "export-argilla",
    severity = "error",
    summary = "Something in the casebook cannot be expressed in the Argilla export.",
    rationale = [[
`build` writes argilla/settings.json, records.json and dataset.json.
Argilla names match ^[a-z0-9_-]+$, so ids are lowered and other
characters become '_': two elements that end up with the same name are
an error naming both, and the second is left out. A question Argilla
cannot hold (no options, a scale outside 0-10, a pairwise question whose
two responses are not known) is left out with an error. The other
questions and exports are still written. docs/argilla.md lists the
mapping and its fallbacks.]],
    example = [[
## Question Tone: Is the tone right?
## Question tone: Is the tone kind?     <- error: Argilla: question 'Tone'
                                           and question 'tone' both become
                                           the name 'tone' ...]],
    check = quiet,
  },
}
