-- The plan lens and drift in Neovim: code lenses kept fresh, the whole plan in a scratch
-- buffer (`:DrovePlan`, or running any lens), and `:DroveRefresh` for drift.
local M = {}

local function drove_client(buf)
  local get = vim.lsp.get_clients or vim.lsp.get_active_clients
  for _, c in ipairs(get({ bufnr = buf })) do
    if c.name == 'drove' then
      return c
    end
  end
  return nil
end

--- Shows `text` in a scratch buffer named after the plan, reused on the next call.
local function show(text)
  local name = 'drove://plan'
  local buf = vim.fn.bufnr(name)
  if buf == -1 then
    buf = vim.api.nvim_create_buf(true, true)
    vim.api.nvim_buf_set_name(buf, name)
    vim.bo[buf].bufhidden = 'hide'
  end
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.split(text, '\n', { plain = true }))
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = 'droveplan'
  if vim.fn.bufwinnr(buf) == -1 then
    vim.cmd('botright split')
    vim.api.nvim_win_set_buf(0, buf)
  end
  return buf
end

--- Asks the server for `command` on the stack of `buf`; `done(result)` on success.
local function run(buf, command, extra, done)
  local client = drove_client(buf)
  if not client then
    vim.notify('drove: no language server attached to this buffer', vim.log.levels.WARN)
    return
  end
  local args = { vim.uri_from_bufnr(buf) }
  for _, a in ipairs(extra or {}) do
    table.insert(args, a)
  end
  -- 0.11 made the client's methods take `self` (`client:request`); 0.7 has only `client.request`.
  local request = vim.fn.has('nvim-0.11') == 1 and function(...) return client:request(...) end or client.request
  request('workspace/executeCommand', { command = command, arguments = args }, function(err, result)
    if err then
      vim.notify('drove: ' .. (err.message or tostring(err)), vim.log.levels.ERROR)
      return
    end
    if done then
      done(result)
    end
  end, buf)
end

function M.show_plan(buf)
  buf = (buf == nil or buf == 0) and vim.api.nvim_get_current_buf() or buf
  run(buf, 'drove.server.plan', nil, function(text)
    show(text or '')
  end)
end

function M.refresh(buf)
  buf = (buf == nil or buf == 0) and vim.api.nvim_get_current_buf() or buf
  run(buf, 'drove.server.refresh', nil, function(summary)
    if summary then
      vim.notify(summary)
    end
  end)
end

--- Re-reads the lenses of every drove buffer shown.
local function refresh_lenses()
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.bo[buf].filetype == 'drove' and drove_client(buf) then
      if vim.lsp.codelens.refresh then
        pcall(vim.lsp.codelens.refresh, { bufnr = buf })
      end
    end
  end
end

--- Registers the client-side commands and the lens upkeep; idempotent.
function M.setup()
  -- A lens runs `drove.showPlan` with the document's URI.
  vim.lsp.commands['drove.showPlan'] = function(command)
    local uri = command.arguments and command.arguments[1]
    M.show_plan(uri and vim.uri_to_bufnr(uri) or 0)
  end
  -- Neovim 0.10 re-reads lenses on the server's request by itself; older ones need this.
  if vim.fn.has('nvim-0.10') == 0 then
    vim.lsp.handlers['workspace/codeLens/refresh'] = function()
      vim.schedule(refresh_lenses)
      return vim.NIL
    end
  end
  vim.api.nvim_create_user_command('DrovePlan', function()
    M.show_plan(0)
  end, { desc = 'drove: show the whole plan of this stack' })
  vim.api.nvim_create_user_command('DroveRefresh', function()
    M.refresh(0)
  end, { desc = 'drove: read the stack live and show what changed outside drove' })
  vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'BufWritePost' }, {
    group = vim.api.nvim_create_augroup('drove_codelens', { clear = true }),
    pattern = '*.drove',
    callback = function()
      vim.schedule(refresh_lenses)
    end,
  })
end

M.refresh_lenses = refresh_lenses

return M
