-- Headless test of the Neovim plugin (editors/nvim), run by tests/editors/nvim-test.sh:
--   nvim --headless -u NONE -i NONE -c 'luafile tests/editors/nvim_test.lua'
-- Environment:
--   DROVE_REPO    the repository root          DROVE_BIN   the drove binary
--   DROVE_PARSER  directory holding parser/drove.so
--   DROVE_FILE    a stack file with one error   DROVE_CODE  the code that error has
--   DROVE_LINE    its 1-based line              DROVE_FIX   "old=new": an edit that removes it
--   DROVE_MODE    setup | attach | native (native: lsp/drove.lua + vim.lsp.enable, 0.11+)
--                 | lspconfig (DROVE_LSPCONFIG: an nvim-lspconfig checkout)
--   DROVE_NVIM_SKIP_EDIT_CHECK=1  skips the check that an edit clears the diagnostic
--   DROVE_LSP_LOG  when set, the client logs every message (lsp.log in Neovim's state directory)
-- After the diagnostic, two completions are accepted on new lines at the end of the buffer.
-- Prints one line per check and ends Neovim with status 0 only when all passed.

local env = vim.env
if env.DROVE_LSP_LOG then vim.lsp.set_log_level("debug") end
local passed, failed = 0, 0

local function check(name, ok, detail)
  if ok then
    passed = passed + 1
    io.stdout:write('ok   ' .. name .. '\n')
  else
    failed = failed + 1
    io.stdout:write('FAIL ' .. name .. (detail and (': ' .. tostring(detail)) or '') .. '\n')
  end
end

local function finish()
  io.stdout:write(string.format('nvim %s (%s): %d passed, %d failed\n',
    tostring(vim.version and vim.version().minor and
      (vim.version().major .. '.' .. vim.version().minor .. '.' .. vim.version().patch) or '?'),
    env.DROVE_MODE, passed, failed))
  vim.cmd(failed == 0 and passed > 0 and 'qall!' or 'cquit! 1')
end

local ok_all, err = xpcall(function()
  local mode = env.DROVE_MODE or 'setup'
  vim.opt.runtimepath:prepend(env.DROVE_REPO .. '/editors/nvim')
  vim.opt.runtimepath:append(env.DROVE_PARSER)
  vim.cmd('filetype plugin on')

  local drove = require('drove')
  if mode == 'lspconfig' then
    -- nvim-lspconfig's framework (DROVE_LSPCONFIG: a checkout of it) with the plugin's config.
    vim.opt.runtimepath:append(env.DROVE_LSPCONFIG)
    drove.setup({ lsp = false })
    require('lspconfig').drove.setup({ cmd = { env.DROVE_BIN, 'lsp' } })
  elseif mode == 'native' then
    -- What a 0.11 user without the setup function does: lsp/drove.lua from the plugin,
    -- with only the binary changed.
    vim.lsp.config('drove', { cmd = { env.DROVE_BIN, 'lsp' } })
    vim.lsp.enable('drove')
  else
    drove.setup({ cmd = { env.DROVE_BIN, 'lsp' }, lsp = mode == 'setup', max_diagnostics_per_file = 5000 })
  end

  vim.cmd('edit ' .. vim.fn.fnameescape(env.DROVE_FILE))
  local buf = vim.api.nvim_get_current_buf()
  if mode == 'attach' then
    drove.attach(buf)
  end
  check('filetype is drove', vim.bo[buf].filetype == 'drove', vim.bo[buf].filetype)

  -- Tree-sitter: the parser loads, parses without errors and the highlight query
  -- captures the words that carry meaning.
  check('tree-sitter parser loads', drove.has_parser())
  local parser = vim.treesitter.get_parser(buf, 'drove')
  local tree = parser:parse()[1]
  local root = tree:root()
  check('parse has no error node', not root:has_error(), root:sexpr():sub(1, 200))
  local get_query = vim.treesitter.query.get or vim.treesitter.query.get_query
  local query = get_query('drove', 'highlights')
  check('highlights query found', query ~= nil)
  local by_text = {}
  for id, node in query:iter_captures(root, buf, 0, -1) do
    local text = vim.treesitter.get_node_text and vim.treesitter.get_node_text(node, buf)
      or vim.treesitter.query.get_node_text(node, buf)
    by_text[text] = by_text[text] or {}
    by_text[text][query.captures[id]] = true
  end
  check('`stack` is a keyword', by_text['stack'] and by_text['stack']['keyword'])
  check('comment captured', by_text['# expect: E0100, W0005'] and by_text['# expect: E0100, W0005']['comment'])
  check('string captured', by_text['"ap-northeast-1"'] and by_text['"ap-northeast-1"']['string'])
  local active = vim.treesitter.highlighter.active and vim.treesitter.highlighter.active[buf]
  check('tree-sitter highlighting started', active ~= nil)

  -- The language server: its diagnostic arrives with the compiler's code on the word.
  local want_code, want_line = env.DROVE_CODE, tonumber(env.DROVE_LINE)
  local function find()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.code == want_code then
        return d
      end
    end
  end
  local got = vim.wait(30000, function() return find() ~= nil end, 50)
  local d = find()
  check('diagnostic ' .. want_code .. ' published', got and d ~= nil,
    vim.inspect(vim.diagnostic.get(buf)))
  if d then
    check('diagnostic on line ' .. want_line, d.lnum == want_line - 1, d.lnum + 1)
    check('diagnostic is an error', d.severity == vim.diagnostic.severity.ERROR, d.severity)
    local line = vim.api.nvim_buf_get_lines(buf, d.lnum, d.lnum + 1, false)[1] or ''
    local old = env.DROVE_FIX:match('^(.-)=')
    check('diagnostic spans the offending word', line:sub(d.col + 1, d.end_col) == old,
      line:sub(d.col + 1, d.end_col))
  end
  local clients = (vim.lsp.get_clients or vim.lsp.get_active_clients)({ bufnr = buf })
  check('one drove client attached', #clients == 1 and clients[1].name == 'drove',
    #clients)
  if mode == 'setup' and clients[1] then
    local o = clients[1].config.init_options or {}
    check('setup passes max_diagnostics_per_file to the server', o.maxDiagnosticsPerFile == 5000, vim.inspect(o))
  end

  -- An edit (didChange) that fixes the mistake clears the diagnostic.
  local old, new = env.DROVE_FIX:match('^(.-)=(.*)$')
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  for i, l in ipairs(lines) do
    local s, e = l:find(old, 1, true)
    if s then
      vim.api.nvim_buf_set_text(buf, i - 1, s - 1, i - 1, e, { new })
      break
    end
  end
  if env.DROVE_NVIM_SKIP_EDIT_CHECK == '1' then
    io.stdout:write('SKIP fixing the text clears ' .. want_code .. ' (DROVE_NVIM_SKIP_EDIT_CHECK=1)\n')
  else
    local cleared = d ~= nil and vim.wait(10000, function() return find() == nil end, 50)
    check('fixing the text clears ' .. want_code, cleared)
  end

  -- The plan lens: the stack has no state, so its declarations show what the first apply
  -- creates. `refresh` asks the server (0.7 takes no argument and uses this buffer).
  local function lenses()
    local titles = {}
    for _, l in ipairs(vim.lsp.codelens.get(buf) or {}) do
      if l.command then
        table.insert(titles, l.command.title)
      end
    end
    return titles
  end
  local shown = vim.wait(30000, function()
    pcall(vim.lsp.codelens.refresh, { bufnr = buf })
    return table.concat(lenses(), ' | '):match('%+ create') ~= nil
  end, 500)
  check('the plan lens shows what the first apply creates', shown, vim.inspect(lenses()))
  if mode == 'setup' then
    local plan_buf = nil
    vim.cmd('DrovePlan')
    vim.wait(10000, function()
      plan_buf = vim.fn.bufnr('drove://plan')
      return plan_buf ~= -1 and table.concat(vim.api.nvim_buf_get_lines(plan_buf, 0, -1, false), '\n'):match('drove plan for stack') ~= nil
    end, 50)
    check(':DrovePlan shows the whole plan', plan_buf ~= -1
      and table.concat(vim.api.nvim_buf_get_lines(plan_buf, 0, -1, false), '\n'):match('drove plan for stack') ~= nil)
    vim.cmd('wincmd p')
  end

  -- Completion as a user accepts it: omnifunc (what 0.7 has), <C-x><C-o>, <C-y>. The
  -- server's text edit covers the dotted word typed, so nothing is doubled.
  vim.bo[buf].omnifunc = 'v:lua.vim.lsp.omnifunc'
  local function accept(typed)
    vim.api.nvim_buf_set_lines(buf, -1, -1, false, { typed })
    local row = vim.api.nvim_buf_line_count(buf)
    vim.api.nvim_win_set_cursor(0, { row, 0 })
    local function key(k) vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(k, true, false, true), 'n', false) end
    -- A single match is inserted at once; several open the menu, whose first item <C-y>
    -- accepts. Insert mode is left when either happened, or after 10 s.
    local waited = 0
    local function poll()
      local line = vim.api.nvim_get_current_line()
      if vim.fn.pumvisible() == 1 then
        key('<C-y><Esc>')
      elseif line ~= typed or waited > 10000 then
        key('<Esc>')
      elseif vim.fn.mode() == 'i' then
        waited = waited + 50
        vim.defer_fn(poll, 50)
      end
    end
    vim.defer_fn(poll, 50)
    -- `!`: stay in insert mode while the timer and the server's answer run.
    vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes('A<C-x><C-o>', true, false, true), 'nx!', false)
    local line = vim.api.nvim_buf_get_lines(buf, row - 1, row, false)[1]
    vim.api.nvim_buf_set_lines(buf, row - 1, row, false, {})
    return line
  end
  local line = accept('hosts h { role = app  count = 1  subnets = [main.')
  check('accepting a subnet after `[main.` gives `[main.a`',
    line == 'hosts h { role = app  count = 1  subnets = [main.a', line)
  line = accept('role r { image = image("b-*")  type = t3.m')
  check('accepting a type after `t3.m` gives a t3.m… type', line:match('type = t3%.m%w+$') ~= nil, line)

  for _, c in ipairs(clients) do
    vim.lsp.stop_client(c.id)
  end
  vim.wait(5000, function()
    return #(vim.lsp.get_clients or vim.lsp.get_active_clients)() == 0
  end, 50)
end, debug.traceback)

check('test ran without a Lua error', ok_all, err)
finish()
