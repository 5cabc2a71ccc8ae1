-- SPDX-License-Identifier: MIT
-- changes.lua: under `check --against REV`, the changes since REV that
-- invalidate existing annotations or gold answers, one rule per category
-- of change (docs/diff.md lists the kinds of each).
--
-- The compiler computes the changes (book.changes, from book.previous to
-- book); these rules decide what to report and how loudly:
--   * the level of a category is the manifest's `changes = { ... }` entry
--     for it, else the default (breaking and gold: error, semantic: note,
--     additive and cosmetic: off);
--   * breaking and gold changes are only notes when the manifest's version
--     has a higher major number than at REV: the bump announces them.
-- Without --against there is no book.previous and they report nothing.
--
-- A sixth rule, trust-change, reports what makes the build trust more code
-- or markup than at REV (unsafe_html turned on, a project template or rule
-- file added or changed): always a warning, whatever the manifest of the
-- revision under review says, since that revision is what it reviews.

local format, match, tonumber = string.format, string.match, tonumber

local defaults = {
  breaking = "error",
  gold = "error",
  semantic = "note",
  additive = "off",
  cosmetic = "off",
}

-- The major number of a version string ("v2.1.0" -> 2), or nil.
local function major(v)
  if type(v) ~= "string" then
    return nil
  end
  return tonumber(match(v, "%d+"))
end

-- Where a change is reported: its place in the new book, else the chapter
-- the removed element had (line 0: the whole file).
local function position(book, c)
  if c.file then
    return { file = c.file, line = c.line, col = c.col }
  end
  local prev = book.previous
  local el
  if c.what == "question" then
    el = prev.questions_by_id[c.element]
  elseif c.what == "option" then
    el = prev.questions_by_id[match(c.element or "", "^(.-)/") or ""]
  elseif c.what == "criterion" then
    el = prev.criteria_by_id[c.element]
  elseif c.what == "case" then
    el = prev.cases_by_id[c.element]
  end
  if el and el.chapter then
    return { file = el.chapter.path, line = 0, col = 0 }
  end
  if (c.what == "chapter" or c.what == "template" or c.what == "rule") and c.element then
    return { file = c.element, line = 0, col = 0 }
  end
  return nil
end

-- What the first breaking or gold finding adds when no major version
-- change announces them: how to announce them, and how to acknowledge one.
local function announce_hint(prev, book, id, category)
  local now = book.manifest.version
  local m = major(now)
  local bump
  if m and major(prev.manifest.version) then
    local rest = match(now, "^%D*%d+(.*)$") or ""
    bump = format("version = \"%s%d%s\" in the manifest (a major version change) turns " ..
      "%s changes into notes", match(now, "^(%D*)") or "", m + 1, (rest:gsub("%d+", "0")),
      category)
  else
    bump = format("a major version change of the manifest's version turns %s changes " ..
      "into notes", category)
  end
  return format("; %s, and <!-- casebook-ignore %s: why --> before a case's heading " ..
    "(or an element's) acknowledges one", bump, id)
end

local function make(category, id, summary, rationale, example)
  return {
    id = id,
    severity = defaults[category] == "off" and "note" or defaults[category],
    summary = summary,
    rationale = rationale,
    example = example,
    check = function(book, report)
      local prev, changes = book.previous, book.changes
      if prev == nil or changes == nil then
        return
      end
      local levels = book.manifest.changes or {}
      local level = levels[category] or defaults[category]
      if level == "off" then
        return
      end
      local note, hint
      if category == "breaking" or category == "gold" then
        local was, now = major(prev.manifest.version), major(book.manifest.version)
        if was and now and now > was then
          note = format(" (announced by the major version change %s -> %s)",
                        prev.manifest.version, book.manifest.version)
          level = "note"
        elseif level == "error" then
          hint = announce_hint(prev, book, id, category)
        end
      end
      for i = 1, #changes do
        local c = changes[i]
        if c.category == category then
          local element = c.element
          if c.what == "option" then
            element = match(element or "", "^(.-)/") or element
          elseif c.what ~= "question" and c.what ~= "criterion" and c.what ~= "case" then
            element = nil
          end
          report {
            at = position(book, c),
            severity = level,
            element = element,
            message = format("%s change [%s]: %s%s", category, c.kind, c.message, note or hint or ""),
          }
          hint = nil -- said once
        end
      end
    end,
  }
end

-- trust-change: its level is fixed (the manifest under review cannot lower
-- it; compiler/diag.c ignores its rules entry, compiler/check.c refuses a
-- project rule of this id).
local function trust()
  return {
    id = "trust-change",
    severity = "warning",
    summary = "With --against: the build now trusts more code or markup (unsafe_html, templates, rules).",
    rationale = [[
A pull request can change more than the guideline: it can let raw HTML
through to the site and the exports (unsafe_html = true), bring its own
templates and site script (templates/site.js runs in every reader's
browser), or add Lua rules that every check runs. Each such change since
REV is a warning of its own, so that a reviewer sees it even when the
chapters changed too. Its level is not taken from the manifest of the
revision under review, and a project rule cannot replace this one.]],
    example = [[
-- at REV: no templates/site.js, unsafe_html = false; now both
casebook.lua:3:1: warning: trust change [unsafe-html-enabled]: the manifest
  turned unsafe_html on: raw HTML in the chapters now reaches the site and
  the exports
templates/site.js: warning: trust change [template-added]: project template
  'templates/site.js' was added]],
    check = function(book, report)
      local changes = book.changes
      if book.previous == nil or changes == nil then
        return
      end
      for i = 1, #changes do
        local c = changes[i]
        if c.category == "trust" then
          report {
            at = position(book, c),
            severity = "warning",
            message = format("trust change [%s]: %s", c.kind, c.message),
          }
        end
      end
    end,
  }
end

return {
  make("breaking", "breaking-change",
    "With --against: a change that invalidates existing annotations.",
    [[
Annotations already made against the guideline at REV name its questions
and options and use its scales. A removed or renamed question or option, a
narrowed scale, a changed type, condition (when), scope or required flag
makes some of them invalid or incomplete. The change is an error unless
the manifest's version has a higher major number than at REV (then a
note), or the manifest lowers it: changes = { breaking = "warning" }.]],
    [[
-- at REV
| Option     | Meaning |
| safe       | ...     |
| borderline | ...     |
-- now: borderline is gone
| Option     | Meaning |
| safe       | ...     |
harm.md:5:1: error: breaking change [option-removed]: option 'borderline'
  was removed from question 'harm']]),
  make("gold", "gold-change",
    "With --against: a final case's gold answer changed, or the case is gone.",
    [[
Annotators are graded against the gold answers of the final cases, and
models are trained and evaluated on them. A flipped gold answer, or a
final case that disappears, changes every score computed against REV.
An error unless the manifest's version has a higher major number than at
REV, or the manifest sets changes = { gold = "warning" } (or "note",
"off").]],
    [[
## Case c1: ...
- harm: safe        <- at REV
- harm: harmful     <- now
cases.md:9:9: error: gold change [gold-changed]: gold answer of case 'c1'
  to 'harm' changed from safe to harmful]]),
  make("semantic", "semantic-change",
    "With --against: a question, option or criterion was reworded.",
    [[
A reworded definition changes what annotators do from now on without
invalidating what they did: worth a note in the review of the change. A
note by default; the manifest sets its level: changes = { semantic =
"warning" }.]],
    [[
| harmful | Gives real uplift toward harm. |     <- at REV
| harmful | Gives any uplift toward harm.  |     <- now
harm.md:12:1: note: semantic change [option-meaning-changed]: the meaning
  of option 'harmful' of question 'harm' was reworded]]),
  make("additive", "additive-change",
    "With --against: something new (off unless the manifest asks).",
    [[
New questions, options, criteria and cases break nothing. They are not
reported unless the manifest asks: changes = { additive = "note" }.]],
    [[
changes = { additive = "note" }   -- in casebook.lua
harm.md:20:1: note: additive change [option-added]: option 'minor' was
  added to question 'harm']]),
  make("cosmetic", "cosmetic-change",
    "With --against: spacing, markup, tags or order (off unless asked).",
    [[
Changes that leave every meaning as it was. Not reported unless the
manifest asks: changes = { cosmetic = "note" }.]],
    [[
changes = { cosmetic = "note" }   -- in casebook.lua
harm.md:3:1: note: cosmetic change [question-reformatted]: question 'harm'
  changed only in spacing or markup]]),
  trust(),
}
