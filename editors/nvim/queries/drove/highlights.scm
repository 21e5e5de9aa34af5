; drove highlights.
;
; The grammar has no keywords: like the compiler, these queries decide what a statement
; is by its first word. When several patterns capture one word, the last pattern wins,
; in Neovim and in the tree-sitter CLI alike; the CLI also drops the other captures of the
; losing match. So general patterns come first, and a pattern that captures a word and
; its neighbour (a keyword and the name it declares) comes after the general one. No
; `@_` helper captures: the CLI highlights them. Regexes use only what Rust's regex crate
; and Vim's very-magic regexes (Neovim's `#match?`) read alike.

(comment) @comment

(string) @string
(long_string) @string
(escape_sequence) @string.escape

; Declarations, `provision`, `access` and firewall rules: the first word of a statement.
(statement
  head: (word) @keyword
  (#any-of? @keyword
    "stack" "let" "network" "subnet" "firewall" "role" "hosts" "host" "zone"
    "healthcheck" "secret" "provision" "access" "allow" "environment" "balancer" "listen" "target" "certificate"
    "moved" "use"))

; What a declaration names.
(statement
  head: (word) @keyword
  .
  (word) @type.definition
  (#any-of? @keyword
    "stack" "network" "subnet" "firewall" "role" "hosts" "host" "healthcheck" "environment" "balancer" "target" "certificate"))

(statement
  head: (word) @keyword
  .
  (word) @constant
  (#any-of? @keyword "let" "use"))

; Firewall rules: the protocol after `allow`.
(statement
  head: (word) @keyword
  .
  (word) @constant.builtin
  (#eq? @keyword "allow")
  (#any-of? @constant.builtin "tcp" "udp" "icmp" "icmpv6" "all"))

; Provisioning steps (these heads occur only in a `provision` block) and their options.
(block
  (statement
    head: (word) @function.builtin
    (#any-of? @function.builtin "package" "user" "file" "run" "service")))

; Access lines (these heads occur only in an `access` block) and their modes.
(block
  (statement
    head: (word) @function.builtin
    (#any-of? @function.builtin "s3" "parameter" "logs")))

(statement
  head: (word)
  (word) @keyword.modifier
  (#any-of? @keyword.modifier "read" "write"))

; Access lines (these heads occur only in an `access` block) and their modes.
(block
  (statement
    head: (word) @function.builtin
    (#any-of? @function.builtin "s3" "parameter" "logs")))

(statement
  head: (word)
  (word) @keyword.modifier
  (#any-of? @keyword.modifier "read" "write"))

(statement
  head: (word)
  (word) @keyword.modifier
  (#any-of? @keyword.modifier "groups" "shell" "owner" "mode"))

; Connectives inside a statement (never its first word).
(statement
  head: (word)
  (word) @keyword.operator
  (#any-of? @keyword.operator "from" "to" "in" "alias" "forward" "redirect"))

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
  (#match? @number "^[0-9][0-9]*[-][0-9][0-9]*$"))

; IPv4 and IPv6 addresses and CIDRs.
((word) @constant
  (#match? @constant "^[0-9][0-9]*[.][0-9][0-9]*[.][0-9][0-9]*[.][0-9][0-9/]*$"))

((word) @constant
  (#match? @constant "^[0-9a-fA-F]*[:][0-9a-fA-F:./]*$"))

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
