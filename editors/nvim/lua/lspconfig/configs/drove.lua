-- The drove language server for nvim-lspconfig's `require('lspconfig').drove.setup({})`
-- (the framework of nvim-lspconfig before its `lsp/` configs; Neovim 0.7 to 0.10).
local util = require('lspconfig.util')
local dirname = (vim.fs and vim.fs.dirname) or util.path.dirname

return {
  default_config = {
    cmd = { 'drove', 'lsp' },
    filetypes = { 'drove' },
    -- A stack is a directory of *.drove files; the root only decides which files share
    -- a server, so a repository root is preferred and a lone stack directory works too.
    root_dir = function(fname)
      return util.root_pattern('.git')(fname) or dirname(fname)
    end,
    single_file_support = true,
  },
  docs = {
    description = [[
drove's language server, `drove lsp`: diagnostics of `drove check` as you type, hover,
go to definition, references, rename, completion, symbols, formatting, quick fixes,
semantic tokens and inlay hints for `*.drove` stacks.

Build or install the `drove` binary and put it on PATH, or set `cmd`.
]],
  },
}
