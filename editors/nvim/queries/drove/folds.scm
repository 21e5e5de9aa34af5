; drove folds: blocks, multi-line values and long strings.
[
  (block)
  (map)
  (list)
  (call)
  (long_string)
] @fold
