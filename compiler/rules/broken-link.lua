-- SPDX-License-Identifier: MIT
-- broken-link: a link that points nowhere.

local format = string.format
local suggest, ids = casebook.suggest, casebook.ids

-- The project path a relative link reaches from chapter path `from`.
local function join(from, target)
  local parts = {}
  if target:sub(1, 1) ~= "/" then
    for seg in from:gmatch("[^/]+") do
      parts[#parts + 1] = seg
    end
    parts[#parts] = nil -- the file name
  end
  for seg in target:gmatch("[^/]+") do
    if seg == ".." then
      if #parts == 0 then
        return nil
      end
      parts[#parts] = nil
    elseif seg ~= "." then
      parts[#parts + 1] = seg
    end
  end
  return table.concat(parts, "/")
end

local function decode(s)
  return (s:gsub("%%(%x%x)", function(h)
    return string.char(tonumber(h, 16))
  end))
end

return {
  id = "broken-link",
  severity = "error",
  summary = "A link points to a chapter, heading, file or element that does not exist.",
  rationale = [[
Relative links to chapters and headings (other.md#some-heading), to
other files of the project (images, attachments: the site carries a
copy of each) and element links (case:refusal-01, question:harm, criterion:benign-intent,
option:harm/safe) are resolved at compile time. A link that resolves to
nothing is a dead end for annotators, on GitHub and in the compiled
site alike. Links to javascript:, vbscript: or data: URLs are removed
from the site (a warning).]],
  example = [[
See [the harm question](question:hram).   <- error: broken link: no question
                                             'hram'; help: did you mean 'harm'?]],

  check = function(book, report)
    local by_path = book.chapters and casebook.index(book.chapters, "path") or {}
    local lists = {}
    local function ids_of(kind)
      local l = lists[kind]
      if not l then
        if kind == "case" then
          l = ids(book.cases)
        elseif kind == "question" then
          l = ids(book.questions)
        elseif kind == "criterion" then
          l = ids(book.criteria)
        else
          l = {}
          for i, ch in ipairs(book.chapters) do
            l[i] = ch.path
          end
        end
        lists[kind] = l
      end
      return l
    end
    for _, l in ipairs(book.links) do
      if l.href == nil then
        local k, target = l.kind, l.target or ""
        if k == "case" or k == "question" or k == "criterion" then
          local s = suggest(target, ids_of(k))
          report { at = l, suggestion = s, message = format(
            "broken link: no %s '%s'", k, target) }
        elseif k == "option" then
          local qid, oid = target:match("^([^/]*)/(.*)$")
          local q = qid and book.questions_by_id[qid]
          if not qid then
            report { at = l, message = format(
              "broken link: an option link is written option:QUESTION/OPTION, not '%s'", l.url) }
          elseif not q then
            local s = suggest(qid, ids_of("question"))
            report { at = l, suggestion = s, message = format(
              "broken link: no question '%s'", qid) }
          else
            local s = suggest(oid, ids(q.options))
            report { at = l, suggestion = s, message = format(
              "broken link: question '%s' has no option '%s'", qid, oid) }
          end
        elseif k == "unsafe" then
          report { at = l, severity = "warning", message = format(
            "link to '%s' is not allowed and is removed from the site", l.url) }
        elseif k == "relative" then
          local from = l.chapter
          local ch, path = from, from and from.path
          if target ~= "" then
            path = from and join(from.path, decode(target))
            ch = path and by_path[path]
          end
          if not ch and not target:lower():match("%.md$") then
            report { at = l, message = format(
              "broken link: no file '%s' in the project%s", target,
              path and path ~= target and format(" (looked for %s)", path) or "") }
          elseif not ch then
            local s = path and suggest(path, ids_of("chapter"))
            report { at = l, suggestion = s, message = format(
              "broken link: no chapter '%s'", target) }
          else
            local anchor = decode(l.anchor or "")
            local slugs = {}
            for i, h in ipairs(ch.headings) do
              slugs[i] = h.slug
            end
            local s = suggest(anchor, slugs)
            report { at = l, suggestion = s and (target ~= "" and target .. "#" .. s or "#" .. s),
              message = format("broken link: no heading '#%s' in %s", anchor, ch.path) }
          end
        end
      end
    end
  end,
}
