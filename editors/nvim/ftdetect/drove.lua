-- *.drove files are drove sources.
-- vim.filetype.add is the detection of Neovim 0.8 and later; the autocommand covers 0.7,
-- where filetype.vim (not filetype.lua) is still the default.
if vim.filetype and vim.filetype.add then
  vim.filetype.add({ extension = { drove = 'drove' } })
end
vim.cmd([[
  augroup drove_ftdetect
    autocmd!
    autocmd BufRead,BufNewFile *.drove setfiletype drove
  augroup END
]])
