-- drove for Neovim: filetype, language server (`drove lsp`) and tree-sitter.
--
--   require('drove').setup({ cmd = { '/path/to/drove', 'lsp' } })
--
-- Works on Neovim 0.7 and later. The server is started with the newest API the running
-- Neovim has: `vim.lsp.config` + `vim.lsp.enable` (0.11), `vim.lsp.start` (0.8),
-- `vim.lsp.start_client` (0.7). nvim-lspconfig users can instead call
-- `require('lspconfig').drove.setup({})`: the plugin ships that configuration too.
local M = {}

local defaults = {
  -- The server's command line.
  cmd = { 'drove', 'lsp' },
  filetypes = { 'drove' },
  -- A stack is one directory; the workspace root only groups stacks under one server.
  root_markers = { '.git' },
  -- false: leave the language server to the user (for example to nvim-lspconfig).
  lsp = true,
  -- false: don't register the tree-sitter parser or start highlighting with it.
  treesitter = true,
  -- Where nvim-treesitter builds the parser from (a directory or git URL of the grammar);
  -- by default the `grammar/` folder of the drove checkout holding this plugin.
  grammar = nil,
  -- false: no plan lens, `:DrovePlan` or `:DroveRefresh`.
  plan = true,
  -- The environment the plan lens plans for; the stack's first one when unset.
  environment = nil,
  -- The most diagnostics the server sends for one file (0: all); the server's 1,000 when unset.
  max_diagnostics_per_file = nil,
  -- Passed through to the client.
  on_attach = nil,
  capabilities = nil,
  settings = nil,
}

M.options = vim.deepcopy(defaults)

local function has(version)
  return vim.fn.has('nvim-' .. version) == 1
end

local function dirname(path)
  return vim.fn.fnamemodify(path, ':h')
end

--- The directory holding the nearest root marker above `path`, else the file's directory.
function M.root_dir(path, markers)
  local dir = dirname(path)
  markers = markers or M.options.root_markers
  local found = nil
  if vim.fs and vim.fs.find then
    found = vim.fs.find(markers, { path = dir, upward = true })[1]
  else
    for _, marker in ipairs(markers) do
      local hit = vim.fn.finddir(marker, dir .. ';')
      if hit == '' then
        hit = vim.fn.findfile(marker, dir .. ';')
      end
      if hit ~= '' then
        found = vim.fn.fnamemodify(hit, ':p')
        break
      end
    end
  end
  if found then
    return dirname((found:gsub('/$', '')))
  end
  return dir
end

--- The server's initialization options from the plugin's (nil when none is set).
function M.init_options(opts)
  local o = {}
  if opts.environment then
    o.environment = opts.environment
  end
  if opts.max_diagnostics_per_file then
    o.maxDiagnosticsPerFile = opts.max_diagnostics_per_file
  end
  return next(o) and o or nil
end

--- The client configuration for `vim.lsp.start` / `vim.lsp.config` (without root_dir).
function M.lsp_config(opts)
  opts = opts or M.options
  return {
    name = 'drove',
    cmd = opts.cmd,
    filetypes = opts.filetypes,
    root_markers = opts.root_markers,
    on_attach = opts.on_attach,
    capabilities = opts.capabilities,
    settings = opts.settings,
    init_options = M.init_options(opts),
  }
end

local function register_filetype()
  if vim.filetype and vim.filetype.add then
    vim.filetype.add({ extension = { drove = 'drove' } })
  end
  -- Neovim 0.7 still detects with filetype.vim, where vim.filetype.add has no effect.
  vim.cmd([[
    augroup drove_filetype
      autocmd!
      autocmd BufRead,BufNewFile *.drove setfiletype drove
    augroup END
  ]])
end

--- Whether Neovim can load the `drove` tree-sitter parser (a `parser/drove.so` on the
--- runtimepath, installed by nvim-treesitter or by hand).
function M.has_parser()
  local lang = vim.treesitter and vim.treesitter.language
  if not lang then
    return false
  end
  if lang.add then
    -- 0.9 and 0.10 raise when the parser is missing; 0.11 returns nil and a message.
    local ok, loaded = pcall(lang.add, 'drove')
    return ok and (loaded ~= nil or not has('0.11'))
  end
  local ok, loaded = pcall(lang.require_language, 'drove', nil, true)
  return ok and loaded == true
end

--- Starts tree-sitter highlighting in `buf` when the parser is available.
function M.start_treesitter(buf)
  if vim.treesitter.highlighter.active[buf] or not M.has_parser() then
    return false
  end
  if vim.treesitter.start then
    return (pcall(vim.treesitter.start, buf, 'drove'))
  end
  -- Neovim 0.7: the highlighter is attached by hand.
  local ok, parser = pcall(vim.treesitter.get_parser, buf, 'drove')
  if not ok or not parser then
    return false
  end
  local hl_ok = pcall(vim.treesitter.highlighter.new, parser)
  return hl_ok
end

-- The grammar's directory when the plugin runs from a drove checkout (editors/nvim/lua/drove).
local function grammar_dir()
  local here = debug.getinfo(1, 'S').source:sub(2)
  local dir = vim.fn.fnamemodify(here, ':p:h:h:h:h:h') .. '/grammar'
  if vim.fn.filereadable(dir .. '/src/parser.c') == 1 then
    return dir
  end
  return nil
end

-- Lets `:TSInstall drove` build the parser from the grammar's sources.
local function register_nvim_treesitter()
  local ok, parsers = pcall(require, 'nvim-treesitter.parsers')
  if not ok or type(parsers) ~= 'table' then
    return
  end
  local url = M.options.grammar or grammar_dir()
  if not url then
    return
  end
  if type(parsers.get_parser_configs) == 'function' then
    -- nvim-treesitter's `master` branch.
    parsers.get_parser_configs().drove = {
      install_info = { url = url, files = { 'src/parser.c' } },
      filetype = 'drove',
    }
  else
    -- nvim-treesitter's `main` branch reads its parser table again on `User TSUpdate`.
    local function add()
      parsers.drove = { install_info = { path = url, queries = 'queries' } }
    end
    add()
    vim.api.nvim_create_autocmd('User', { pattern = 'TSUpdate', callback = add })
  end
end

-- Highlighting itself is started by ftplugin/drove.lua, for every drove buffer.
local function register_treesitter()
  if vim.treesitter and vim.treesitter.language and vim.treesitter.language.register then
    vim.treesitter.language.register('drove', 'drove')
  end
  register_nvim_treesitter()
end

-- Clients started by `start_client` (0.7), one per root directory.
local clients_by_root = {}

--- Attaches the drove server to `buf`, starting it if needed. Returns the client id.
function M.attach(buf)
  buf = (buf == nil or buf == 0) and vim.api.nvim_get_current_buf() or buf
  local name = vim.api.nvim_buf_get_name(buf)
  local root = M.root_dir(name ~= '' and name or (vim.fn.getcwd() .. '/x.drove'))
  local config = M.lsp_config()
  config.root_dir = root
  config.root_markers = nil
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = buf })
  end
  local id = clients_by_root[root]
  if not id or not vim.lsp.get_client_by_id(id) then
    id = vim.lsp.start_client(config)
    clients_by_root[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(buf, id)
  end
  return id
end

local function register_lsp()
  if vim.lsp.config and vim.lsp.enable then
    vim.lsp.config('drove', M.lsp_config())
    vim.lsp.enable('drove')
    return
  end
  vim.api.nvim_create_autocmd('FileType', {
    group = vim.api.nvim_create_augroup('drove_lsp', { clear = true }),
    pattern = M.options.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
  })
end

--- Sets drove up. Every option is optional; see `defaults` above.
function M.setup(opts)
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts or {})
  register_filetype()
  vim.g.drove_treesitter = M.options.treesitter
  if M.options.treesitter then
    register_treesitter()
  end
  if M.options.lsp then
    register_lsp()
  end
  if M.options.plan then
    require('drove.plan').setup()
  end
  -- Buffers opened before setup ran get what they missed.
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.api.nvim_buf_get_name(buf):match('%.drove$') then
      if vim.bo[buf].filetype == 'drove' then
        vim.api.nvim_exec_autocmds('FileType', { buffer = buf, modeline = false })
      else
        vim.bo[buf].filetype = 'drove'
      end
    end
  end
end

return M
