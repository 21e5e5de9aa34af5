; drove indents (nvim-treesitter capture names).
[
  (block)
  (map)
  (list)
  (call)
] @indent.begin

; A statement continued after a trailing comma indents its next lines.
(statement) @indent.begin

[
  "}"
  "]"
  ")"
] @indent.branch @indent.end

; Long strings are verbatim: leave their lines alone.
(long_string) @indent.ignore

(comment) @indent.auto

(ERROR) @indent.auto
