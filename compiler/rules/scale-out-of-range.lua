-- SPDX-License-Identifier: MIT
-- scale-out-of-range: a scale answer, or a scale label, outside the
-- question's range.

local format, tointeger = string.format, math.tointeger
local value_at, for_response = casebook.value_at, casebook.for_response

return {
  id = "scale-out-of-range",
  severity = "error",
  summary = "A scale answer or a scale label lies outside the scale's range.",
  rationale = [[
A scale question takes whole numbers from A to B ("type: scale 1-5"). A
gold answer outside that range can be entered in no annotation tool, and
a label for a value outside it labels nothing.]],
  example = [[
## Question helpfulness: How helpful is the response?
- type: scale 1-5

## Case c1: ...
- helpfulness: 7   <- error: 7 is outside the scale 1-5 of question 'helpfulness']],

  check = function(book, report)
    for _, q in ipairs(book.questions) do
      if q.type == "scale" then
        local lo, hi = q.scale_min, q.scale_max
        for _, o in ipairs(q.options) do
          local v = tointeger(tonumber(o.id))
          if v == nil then
            report { at = o, message = format(
              "scale label '%s' of question '%s' is not a whole number", o.id, q.id) }
          elseif v < lo or v > hi then
            report { at = o, message = format(
              "label %d is outside the scale %d-%d of question '%s'", v, lo, hi, q.id) }
          end
        end
      end
    end
    for _, q in ipairs(book.questions) do
      if q.type == "scale" then
        local lo, hi = q.scale_min, q.scale_max
        local answers = q.answers
        for i = 1, #answers do
          local a = answers[i]
          local n = a.number
          if n ~= nil and (n < lo or n > hi) then
            report {
              at = value_at(a),
              element = a.case.id,
              message = format("%d is outside the scale %d-%d of question '%s'%s", n, lo, hi, q.id,
                for_response(a)),
            }
          end
        end
      end
    end
  end,
}
