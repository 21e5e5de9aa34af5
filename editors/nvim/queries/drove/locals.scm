; drove locals. Every file of a stack sees every top-level declaration, so the file is
; the scope; subnets are named inside their network's block.
(source_file) @local.scope

(block) @local.scope

(statement
  head: (word) @_decl
  .
  (word) @local.definition
  (#any-of? @_decl
    "let" "network" "subnet" "firewall" "role" "hosts" "host" "healthcheck"))

; References: words in value position and the network after `in`.
(attribute
  value: (word) @local.reference)

(list
  (word) @local.reference)

(statement
  head: (word) @_fw
  (word) @_in
  .
  (word) @local.reference
  (#eq? @_fw "firewall")
  (#eq? @_in "in"))
