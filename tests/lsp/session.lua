-- SPDX-License-Identifier: MIT
-- tests/lsp/session.lua: a scripted session of Neovim's own LSP client
-- (0.7's vim.lsp) with `casebook lsp`, run by tests/layers/lsp.sh in
-- headless mode. It reads CASEBOOK (the binary), PROJECT (a copy of the
-- example) and OUT (where the results go, one "name=value" line each:
-- the shell checks them) from the environment, and always quits.

local casebook = os.getenv('CASEBOOK')
local project = os.getenv('PROJECT')
local out = assert(io.open(os.getenv('OUT'), 'w'))

local function put(name, value)
  out:write(name, '=', tostring(value):gsub('\n', '\\n'), '\n')
  out:flush()
end

-- the 0-based line of the first line of buf that equals text
local function find_line(buf, text)
  for i, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    if l == text then return i - 1 end
  end
  return -1
end

local function file_line(path, pattern)
  local i = 0
  for l in io.lines(path) do
    if l:find(pattern) then return i end
    i = i + 1
  end
  return -1
end

local function diags_with(buf, code)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.code == code then table.insert(found, d) end
  end
  return found
end

local function request(buf, method, params)
  local res = vim.lsp.buf_request_sync(buf, method, params, 10000)
  if not res then return nil end
  for _, r in pairs(res) do
    if r.error then put(method .. '.error', r.error.message) end
    return r.result
  end
end

local exit_code
local function session()
  -- the server's log (and any sanitizer report) goes to SERVER_ERR
  local client_id = vim.lsp.start_client({
    name = 'casebook',
    cmd = { 'sh', '-c', 'exec "$0" lsp 2>>"$1"', casebook, os.getenv('SERVER_ERR') },
    root_dir = project,
    on_exit = function(code) exit_code = code end,
  })
  put('started', client_id ~= nil)
  local path = project .. '/cases-harm.md'
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  local buf = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(buf, client_id)
  local client = vim.lsp.get_client_by_id(client_id)
  put('initialized', vim.wait(10000, function() return client.initialized end, 20))
  local uri = vim.uri_from_bufnr(buf)

  -- an injected error: a misspelt option, typed into the buffer (unsaved)
  local line = find_line(buf, '- harm: safe')
  put('line', line)
  vim.api.nvim_buf_set_lines(buf, line, line + 1, false, { '- harm: saef' })
  local ok = vim.wait(10000, function() return #diags_with(buf, 'unknown-option') > 0 end, 10)
  put('diagnostic', ok)
  if ok then
    local d = diags_with(buf, 'unknown-option')[1]
    put('diagnostic.range', string.format('%d:%d-%d:%d', d.lnum, d.col, d.end_lnum, d.end_col))
    put('diagnostic.message', d.message)
  end

  -- a character outside the BMP before an error on the same line: the
  -- range counts UTF-16 code units (two for it)
  local emoji_line = find_line(buf, '- refusal: complied')
  vim.api.nvim_buf_set_lines(buf, emoji_line, emoji_line + 1, false,
    { '- refusal: \u{1F600}x' })
  ok = vim.wait(10000, function()
    for _, d in ipairs(diags_with(buf, 'unknown-option')) do
      if d.lnum == emoji_line then return true end
    end
    return false
  end, 10)
  put('emoji.diagnostic', ok)
  for _, d in ipairs(diags_with(buf, 'unknown-option')) do
    if d.lnum == emoji_line then
      -- Neovim gives the columns in bytes after converting from UTF-16
      put('emoji.range', string.format('%d-%d', d.col, d.end_col))
    end
  end
  vim.api.nvim_buf_set_lines(buf, emoji_line, emoji_line + 1, false, { '- refusal: complied' })

  local pos = { textDocument = { uri = uri }, position = { line = line, character = 3 } }
  -- go to definition from an answer's key: the question's heading
  local def = request(buf, 'textDocument/definition', pos)
  if def and def.uri then
    put('definition.uri', vim.uri_to_fname(def.uri):match('[^/]*$'))
    put('definition.line', def.range.start.line)
  end
  put('definition.expected', file_line(project .. '/harm.md', '^## Question harm:'))
  -- from an answer's value: the option's row
  local vpos = { textDocument = { uri = uri }, position = { line = line + 1, character = 12 } }
  def = request(buf, 'textDocument/definition', vpos)
  if def and def.uri then
    put('definition.option.line', def.range.start.line)
  end
  put('definition.option.expected', file_line(project .. '/helpfulness.md', '^| complied'))

  -- hover on the same place: the question's text, type and options
  local hov = request(buf, 'textDocument/hover', pos)
  if hov then put('hover', hov.contents.value) end
  hov = request(buf, 'textDocument/hover', vpos)
  if hov then put('hover.option', hov.contents.value) end

  -- completion_at(LINE, TEXT, NAME): TEXT typed as a new line after
  -- line LINE (or in its place when replace), completed at its end; the
  -- labels offered go to NAME, and the line is put back
  local function completion_at(at, text, name, replace)
    local old = vim.api.nvim_buf_get_lines(buf, at, at + 1, false)
    local l = replace and at or at + 1
    vim.api.nvim_buf_set_lines(buf, l, replace and l + 1 or l, false, { text })
    local comp = request(buf, 'textDocument/completion',
      { textDocument = { uri = uri }, position = { line = l, character = #text } })
    local labels = {}
    for _, it in ipairs((comp and comp.items) or comp or {}) do table.insert(labels, it.label) end
    put(name, table.concat(labels, ','))
    vim.api.nvim_buf_set_lines(buf, l, l + 1, false, replace and old or {})
  end
  -- completion of the option ids after a question's key
  local cline = find_line(buf, '- refusal: complied')
  completion_at(cline, '- refusal: ', 'completion', true)
  -- and of the ids in a link
  completion_at(cline, 'see [x](case:', 'completion.link')
  -- and of question ids as the keys of a case's property list
  completion_at(cline, '- har', 'completion.key')

  -- links, in another chapter: definition and hover
  vim.cmd('edit ' .. vim.fn.fnameescape(project .. '/harm.md'))
  local hbuf = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(hbuf, client_id)
  local huri = vim.uri_from_bufnr(hbuf)
  local function link_pos(target)
    for i, l in ipairs(vim.api.nvim_buf_get_lines(hbuf, 0, -1, false)) do
      local at = l:find(target, 1, true)
      if at then return { textDocument = { uri = huri }, position = { line = i - 1, character = at } } end
    end
  end
  def = request(hbuf, 'textDocument/definition', link_pos('(case:stalkerware-keylogger)'))
  if def and def.uri then
    put('link.case', vim.uri_to_fname(def.uri):match('[^/]*$') .. ':' .. def.range.start.line)
  end
  put('link.case.expected', 'cases-harm.md:' .. file_line(project .. '/cases-harm.md', '^## Case stalkerware%-keylogger'))
  local opos = link_pos('(option:harm/borderline)')
  def = request(hbuf, 'textDocument/definition', opos)
  if def and def.uri then put('link.option', def.range.start.line) end
  put('link.option.expected', file_line(project .. '/harm.md', '^| borderline'))
  hov = request(hbuf, 'textDocument/hover', opos)
  if hov then put('link.hover', hov.contents.value) end
  -- a criterion's applies-to: the question's heading
  put('applies.expected', 'helpfulness.md:' .. file_line(project .. '/helpfulness.md', '^## Question refusal:'))
  local apos = link_pos('- applies-to: harm, refusal')
  if apos then
    apos.position.character = apos.position.character + 19 -- on "refusal"
    def = request(hbuf, 'textDocument/definition', apos)
    if def and def.uri then
      put('applies', vim.uri_to_fname(def.uri):match('[^/]*$') .. ':' .. def.range.start.line)
    end
  end
  vim.cmd('buffer ' .. buf)

  -- the document's symbols
  local syms = request(buf, 'textDocument/documentSymbol', { textDocument = { uri = uri } })
  local names = {}
  local function walk(list)
    for _, s in ipairs(list or {}) do
      table.insert(names, s.name)
      walk(s.children)
    end
  end
  walk(syms)
  put('symbols', table.concat(names, ','))
  local ws = request(buf, 'workspace/symbol', { query = 'harm' })
  names = {}
  for _, s in ipairs(ws or {}) do table.insert(names, s.name) end
  put('workspace.symbols', table.concat(names, ','))

  -- a code action fixes the misspelt option
  local d = diags_with(buf, 'unknown-option')[1]
  local actions = request(buf, 'textDocument/codeAction', {
    textDocument = { uri = uri },
    range = { start = { line = line, character = 0 }, ['end'] = { line = line, character = 0 } },
    context = { diagnostics = d and { d.user_data and d.user_data.lsp or {} } or {} },
  })
  for _, a in ipairs(actions or {}) do
    if a.kind == 'quickfix' and a.edit then
      put('action', a.title)
      vim.lsp.util.apply_workspace_edit(a.edit, 'utf-16')
      break
    end
  end
  put('fixed', vim.api.nvim_buf_get_lines(buf, line, line + 1, false)[1])
  put('cleared', vim.wait(10000, function() return #diags_with(buf, 'unknown-option') == 0 end, 10))

  -- shutdown and exit
  client.stop()
  put('stopped', vim.wait(10000, function() return client.is_stopped() end, 20))
  vim.wait(10000, function() return exit_code ~= nil end, 20)
  put('server.exit', exit_code)
end

local ok, err = pcall(session)
put('ok', ok)
if not ok then put('error', err) end
out:close()
vim.cmd('qa!')
