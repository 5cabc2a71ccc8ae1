-- SPDX-License-Identifier: MIT
-- _casebook.lua: the Lua half of the `casebook` library every rule sees
-- (the C half is suggest, suggester, hash, eval_when and compile_when, in
-- lua_lib.c).
-- Not a rule: files whose name starts with '_' are not loaded as rules.
--
-- Everything here only reads the book and returns fresh tables, so rules
-- cannot reach each other through it.

local casebook = ...

local ipairs, pairs, type, tostring = ipairs, pairs, type, tostring
local concat, sort = table.concat, table.sort
local format = string.format

--- "file:line:col" of an element or position.
function casebook.where(x)
  if x == nil or x.file == nil then
    return "?"
  end
  return format("%s:%d:%d", x.file, x.line or 0, x.col or 0)
end

--- A set of the values of a list: { a = true, b = true }.
function casebook.set(list)
  local s = {}
  for _, v in ipairs(list) do
    s[v] = true
  end
  return s
end

--- true when list has at most max items and none of them twice: a check
--- cheap enough for every answer of a book, where making a set is not.
function casebook.few_distinct(list, max)
  local n = #list
  if n > max then
    return false
  end
  for i = 2, n do
    local v = list[i]
    for j = 1, i - 1 do
      if list[j] == v then
        return false
      end
    end
  end
  return true
end

--- A map key -> first element of list having that key (default "id").
function casebook.index(list, field)
  field = field or "id"
  local m = {}
  for _, e in ipairs(list) do
    local k = e[field]
    if k ~= nil and m[k] == nil then
      m[k] = e
    end
  end
  return m
end

--- The ids of a list of elements, in order.
function casebook.ids(list)
  local r = {}
  for i, e in ipairs(list) do
    r[i] = e.id
  end
  return r
end

--- "a, b and c" with each name quoted.
function casebook.quote_list(names)
  local q = {}
  for i, n in ipairs(names) do
    q[i] = "'" .. tostring(n) .. "'"
  end
  if #q <= 1 then
    return q[1] or "none"
  end
  return concat(q, ", ", 1, #q - 1) .. " and " .. q[#q]
end

--- The names of the responses of case that question q compares: all
--- response inputs, or only those listed in q.responses.
function casebook.compared(q, case)
  local names = case.responses
  local wanted = q.responses
  if wanted == nil or #wanted == 0 then
    local r = {}
    for i, n in ipairs(names) do
      r[i] = n
    end
    return r
  end
  local keep = {}
  for _, n in ipairs(wanted) do
    keep[n] = true
  end
  local r = {}
  for _, n in ipairs(names) do
    if keep[n] then
      r[#r + 1] = n
    end
  end
  return r
end

local eval_when = casebook.eval_when

-- How many responses of case q compares: #casebook.compared(q, case),
-- without making the list when q compares them all.
local function n_compared(q, case)
  local wanted = q.responses
  if wanted == nil or #wanted == 0 then
    return #case.responses
  end
  return #casebook.compared(q, case)
end

-- The reasons applies gives, made once each: a rule asks for thousands
-- of cases, and strings are values no rule can change.
local why_pairwise, why_rank, why_when, why_when_response = {}, {}, {}, {}

-- format(fmt, arg), kept in made under arg.
local function reason(made, fmt, arg)
  local why = made[arg]
  if not why then
    why = format(fmt, arg)
    made[arg] = why
  end
  return why
end

--- Does question q apply to case (for response, a name or nil)?
--- FORMAT.md "Where a question applies": the inputs it needs, and its
--- `when`. Returns true; or false and why; or nil and the error of a
--- `when` that does not compile or fails.
function casebook.applies(q, case, response)
  local t = q.type
  if t == "pairwise" or t == "rank" then
    local n = n_compared(q, case)
    if t == "pairwise" and n ~= 2 then
      return false, reason(why_pairwise, "a pairwise question compares " ..
        "exactly two responses and this case has %d", n)
    end
    if t == "rank" and n < 2 then
      return false, reason(why_rank, "a rank question needs two or more " ..
        "responses and this case has %d", n)
    end
    local least = q.min_replies
    if least ~= nil and n < least then
      return false, format("it is asked only of cases with %d or more " ..
        "responses (min-replies) and this case has %d", least, n)
    end
  end
  if q.scope == "response" and #case.responses == 0 then
    return false, "it is answered per response and this case has no response"
  end
  if q.when ~= nil then
    local ok, err = eval_when(q, case, response)
    if ok == nil then
      return nil, err
    end
    if not ok then
      if response ~= nil and response ~= "" then
        return false, reason(why_when_response,
          "its when (%s) is false for this response", q.when)
      end
      return false, reason(why_when, "its when (%s) is false for this case",
        q.when)
    end
  end
  return true
end

--- A comparable string for a gold answer, or nil for answers that are
--- not compared (text, unparsed).
function casebook.answer_value(a)
  if a.error ~= nil then
    return nil
  end
  local k = a.kind
  if k == "option" then
    return a.items[1]
  elseif k == "options" then
    local items = {}
    for i, v in ipairs(a.items) do
      items[i] = v
    end
    sort(items)
    return #items == 0 and "none" or concat(items, ", ")
  elseif k == "number" then
    return tostring(a.number)
  elseif k == "rank" then
    local parts = {}
    for i, v in ipairs(a.items) do
      if i > 1 then
        parts[#parts + 1] = (a.tied and a.tied[i]) and " = " or " > "
      end
      parts[#parts + 1] = v
    end
    return concat(parts)
  elseif k == "pairwise" then
    local first, second = a.items[1], a.items[2]
    if first == "tie" then
      return "tie"
    end
    local sep = a.strength == 2 and ">>" or ">"
    return second and (first .. sep .. second) or (first .. sep)
  end
  return nil
end

--- The position of the value of an answer (or of one item in it).
function casebook.value_at(a, item, init)
  local col, after = a.value_col or a.col, init
  if item ~= nil and a.raw ~= nil then
    local s, e = a.raw:find(item, init or 1, true)
    if s then
      col, after = col + s - 1, e + 1
    end
  end
  return { file = a.file, line = a.value_line or a.line, col = col }, after
end

--- " for response 'A'" for an answer in a Response table (or given for a
--- named response), "" for an answer to the case: findings on the rows
--- of one table name their row, so no two read the same.
function casebook.for_response(a)
  local r = a.response
  if r == nil or r == "" then
    return ""
  end
  return format(" for response '%s'", r)
end

--- The fence the inputs of the file holding case c are written with
--- ("```" or "~~~"): the case's own first input, else the first input
--- of another case of that file, else "```". Help that shows a fenced
--- block is written the way the file writes them.
function casebook.fence_of(book, c)
  local inputs = c.inputs
  if #inputs > 0 then
    return inputs[1].fence
  end
  local file, cases = c.file, book.cases
  for i = 1, #cases do
    local o = cases[i]
    if o.file == file and #o.inputs > 0 then
      return o.inputs[1].fence
    end
  end
  return "```"
end

--- The question of an answer (a question table), or nil.
function casebook.question_of(book, a)
  local id = a.question
  return id and book.questions_by_id[id] or nil
end
