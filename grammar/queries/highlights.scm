; drove highlights.
;
; The grammar has no keywords: like the compiler, these queries decide what a statement
; is by its first word. Patterns are written not to overlap, because the tree-sitter CLI
; lets the first matching pattern win and Neovim the last. Regexes use only what both
; Rust's regex crate and Vim's magic regexes read alike (no `+`, `?`, `|`, groups).

(comment) @comment

(string) @string
(long_string) @string
(escape_sequence) @string.escape

; Declarations, provisioning and firewall rules: the first word of a statement.
(statement
  head: (word) @keyword
  (#any-of? @keyword
    "stack" "let" "network" "subnet" "firewall" "role" "hosts" "host" "zone"
    "healthcheck" "secret" "provision" "allow"))

; What a declaration names.
(statement
  head: (word) @_decl
  .
  (word) @type.definition
  (#any-of? @_decl
    "stack" "network" "subnet" "firewall" "role" "hosts" "host" "healthcheck"))

(statement
  head: (word) @_let
  .
  (word) @constant
  (#eq? @_let "let"))

; Provisioning steps and their options.
(statement
  head: (word) @_provision
  (block
    (statement
      head: (word) @function.builtin
      (#any-of? @function.builtin "package" "user" "file" "run" "service")))
  (#eq? @_provision "provision"))

(statement
  head: (word) @_step
  (word) @keyword.modifier
  (#any-of? @_step "user" "file")
  (#any-of? @keyword.modifier "groups" "shell" "owner" "mode"))

; Firewall rules: the protocol after `allow`.
(statement
  head: (word) @_allow
  .
  (word) @constant.builtin
  (#eq? @_allow "allow")
  (#any-of? @constant.builtin "tcp" "udp" "icmp" "icmpv6" "all"))

; Connectives inside a statement (never its first word).
(statement
  head: (word)
  (word) @keyword.operator
  (#any-of? @keyword.operator "from" "to" "in" "alias"))

; Record types in a record line.
(statement
  head: (word)
  (word) @type
  (#any-of? @type
    "A" "AAAA" "CAA" "CNAME" "DS" "HTTPS" "MX" "NAPTR" "NS" "PTR" "SPF" "SRV" "SSHFP"
    "SVCB" "TLSA" "TXT"))

; The zone apex and wildcard labels.
((word) @constant.builtin
  (#eq? @constant.builtin "@"))

((word) @constant.builtin
  (#match? @constant.builtin "^[*]"))

(attribute
  key: (word) @property)

(pair
  key: (word) @property)

(call
  function: (word) @function.call)

((word) @boolean
  (#any-of? @boolean "true" "false"))

; Integers, ports, file modes, durations, shares, sizes and port ranges.
((word) @number
  (#match? @number "^[0-9][0-9]*$"))

((word) @number
  (#match? @number "^[0-9][0-9]*[smhdw%]$"))

((word) @number
  (#match? @number "^[0-9][0-9]*GiB$"))

((word) @number
  (#match? @number "^[0-9][0-9]*-[0-9][0-9]*$"))

; IPv4 and IPv6 addresses and CIDRs.
((word) @constant
  (#match? @constant "^[0-9][0-9]*[.][0-9][0-9]*[.][0-9][0-9]*[.][0-9][0-9/]*$"))

((word) @constant
  (#match? @constant "^[0-9a-fA-F]*:[0-9a-fA-F:./]*$"))

"=" @operator

[
  ","
  ";"
] @punctuation.delimiter

[
  "{"
  "}"
  "["
  "]"
  "("
  ")"
] @punctuation.bracket
