-- SPDX-License-Identifier: MIT
-- bad-property: a property value the compiler does not understand.

local format, lower = string.format, string.lower
local suggest = casebook.suggest

local types = { "choice", "multi", "scale", "rank", "pairwise", "text" }
local type_set = casebook.set(types)
local type_list = "choice, multi, scale A-B (e.g. scale 1-5), rank, pairwise and text"

-- Words other tools use for a type, and the type they mean here (a
-- scale needs its range, so it is named in the message only).
local synonyms = {
  preference = "pairwise", comparison = "pairwise", compare = "pairwise",
  ab = "pairwise", versus = "pairwise", vs = "pairwise",
  ranking = "rank", order = "rank", ordering = "rank", ranked = "rank",
  single = "choice", radio = "choice", select = "choice", label = "choice",
  labels = "choice", category = "choice", categorical = "choice",
  classification = "choice", dropdown = "choice", boolean = "choice",
  multiple = "multi", checkbox = "multi", checkboxes = "multi",
  multichoice = "multi", multiselect = "multi", tags = "multi",
  freetext = "text", free = "text", string = "text", textarea = "text",
  open = "text", comment = "text", note = "text",
}
local scale_words = casebook.set { "likert", "rating", "score", "number",
  "numeric", "integer", "range", "slider", "stars" }
-- the reserved keys (model.c, the one list)
local question_keys = casebook.property_keys.question
local criterion_keys = casebook.property_keys.criterion
local statuses = { "final", "draft", "disputed" }
local uses = { "training", "exam", "honeypot" }
local use_set = casebook.set(uses)

local function value_pos(p)
  return { file = p.file, line = p.value_line, col = p.value_col }
end

-- A key that is not known but close to one that is: a typo.
local function check_keys(e, what, known, known_set, report)
  for _, p in ipairs(e.props) do
    if not known_set[p.key] then
      local s = suggest(p.key, known)
      if s == "type" and what == "question" and e.type_raw == nil then
        -- the question's type is lost: an error, and the one finding
        report { at = p, suggestion = s, message = format(
          "unknown question property '%s', so question '%s' is a choice question",
          p.raw_key or p.key, e.id) }
      elseif s then
        report { at = p, severity = "warning", suggestion = s, message = format(
          "unknown %s property '%s'", what, p.raw_key or p.key) }
      end
    end
  end
end

return {
  id = "bad-property",
  severity = "error",
  summary = "A question or case property has a value the compiler does not understand.",
  rationale = [[
A question's type is choice, multi, scale A-B, rank, pairwise or text;
required is yes or no; scope is case or response; min-replies is a whole
number from 2 to 1000, on a rank or pairwise question. A case's status is
final, draft or disputed, its use training, exam or honeypot. Any other value would silently fall back to the
default and change what the question or case means. Property keys that
are close to a known key are reported too (a warning): they are probably
typos.]],
  example = [[
## Question harm: Is the response harmful?
- type: choise   <- error: question 'harm' has an unknown type 'choise'
                    = help: did you mean 'choice'?]],

  check = function(book, report)
    local qkeys, ckeys = casebook.set(question_keys), casebook.set(criterion_keys)
    for _, q in ipairs(book.questions) do
      for _, p in ipairs(q.props) do
        local v = lower(p.value)
        if p.key == "type" then
          local word = v:match("^%s*(%a+)") or v
          if word == "scale" then
            if q.type ~= "scale" then
              report { at = value_pos(p), message = format(
                "question '%s': write the scale as 'scale A-B' with whole numbers A <= B, e.g. 'scale 1-5' (not '%s')",
                q.id, p.value) }
            end
          elseif not type_set[v] then
            local s = suggest(word, types) or synonyms[word]
            report { at = value_pos(p), suggestion = s, message = format(
              "question '%s' has an unknown type '%s': the types are %s%s",
              q.id, p.value, type_list, scale_words[word]
                and " (a rating is 'scale A-B', e.g. 'scale 1-5')" or "") }
          end
        elseif p.key == "required" then
          if v ~= "yes" and v ~= "no" and v ~= "true" and v ~= "false" then
            local s = suggest(v, { "yes", "no" })
            report { at = value_pos(p), suggestion = s, message = format(
              "question '%s': required is yes or no, not '%s'", q.id, p.value) }
          end
        elseif p.key == "scope" then
          if v ~= "case" and v ~= "response" then
            local s = suggest(v, { "case", "response" })
            report { at = value_pos(p), suggestion = s, message = format(
              "question '%s': scope is case or response, not '%s'", q.id, p.value) }
          end
        elseif p.key == "min-replies" then
          local n = v:match("^%d%d?%d?%d?$") and tonumber(v)
          if not n or n < 2 or n > 1000 then
            report { at = value_pos(p), message = format(
              "question '%s': min-replies is a whole number of responses from 2 to 1000, not '%s'",
              q.id, p.value) }
          elseif q.type ~= "rank" and q.type ~= "pairwise" then
            report { at = value_pos(p), message = format(
              "question '%s': min-replies applies to rank and pairwise questions, not to a %s question",
              q.id, q.type) }
          end
        end
      end
      check_keys(q, "question", question_keys, qkeys, report)
    end
    for _, cr in ipairs(book.criteria) do
      check_keys(cr, "criterion", criterion_keys, ckeys, report)
    end
    for _, c in ipairs(book.cases) do
      for _, p in ipairs(c.props) do
        if p.key == "use" then
          if not use_set[lower(p.value)] then
            report { at = value_pos(p), element = c.id, suggestion = suggest(lower(p.value), uses),
              message = format("case '%s': use is training, exam or honeypot, not '%s'", c.id, p.value) }
          end
          break
        end
      end
      local raw = c.status_raw
      if raw ~= nil then
        local v = lower(raw)
        if v ~= "final" and v ~= "draft" and v ~= "disputed" then
          local at = c
          for _, p in ipairs(c.props) do
            if p.key == "status" then
              at = value_pos(p)
              break
            end
          end
          local s = suggest(v, statuses)
          report { at = at, element = c.id, suggestion = s, message = format(
            "case '%s': status is final, draft or disputed, not '%s'", c.id, raw) }
        end
      end
    end
  end,
}
