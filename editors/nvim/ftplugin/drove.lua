-- Buffer settings for drove sources, and tree-sitter highlighting when the `drove`
-- parser is installed (set vim.g.drove_treesitter = false to keep Vim's syntax instead).
if vim.b.did_ftplugin_drove then
  return
end
vim.b.did_ftplugin_drove = true

vim.bo.commentstring = '# %s'
vim.bo.comments = ':#'
vim.bo.expandtab = true
vim.bo.shiftwidth = 2
vim.bo.softtabstop = 2

if vim.g.drove_treesitter ~= false then
  require('drove').start_treesitter(vim.api.nvim_get_current_buf())
end
