-- The drove language server for Neovim 0.11+: with this plugin on the runtimepath,
-- `vim.lsp.enable('drove')` is enough (nvim-lspconfig's `lsp/` form, too).
-- Change the binary with `vim.lsp.config('drove', { cmd = { '/path/to/drove', 'lsp' } })`.
return {
  cmd = { 'drove', 'lsp' },
  filetypes = { 'drove' },
  root_markers = { '.git' },
}
