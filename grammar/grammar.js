/**
 * @file Tree-sitter grammar for drove, the git-ops language for AWS networks, hosts and DNS.
 * @license Apache-2.0
 *
 * The shape mirrors compiler/src/syntax/parser.rs and docs/language.md ("Grammar"):
 * attributes, statements of terms with an optional `= value` and block, and values.
 * The grammar knows no keywords; queries give meaning to a statement's first word,
 * exactly as the compiler decides what a statement is by its first word.
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

// Same character classes as the compiler's lexer (compiler/src/syntax/lexer.rs).
const WORD = /[A-Za-z0-9_@*:.][A-Za-z0-9_\-.*@/:%+]*/;

const commaSep1 = (rule) => seq(rule, repeat(seq(',', rule)));

module.exports = grammar({
  name: 'drove',

  // A line break ends a statement. It is an extra as well, so wherever the grammar has
  // no use for it (inside lists, maps and calls, after `=`) it is skipped like a blank.
  extras: ($) => [/[ \t\f\r]/, $.comment, $._newline],

  rules: {
    source_file: ($) => repeat($._item),

    // As in the compiler's parser, an item needs no separator before the next one: a
    // statement's terms are taken greedily, so only a line break, `;`, `}`, `=` or `{`
    // ends them, and after its value or block the next item may follow on the same line.
    _item: ($) => choice($.attribute, $.statement, $._newline, ';'),

    attribute: ($) => seq(field('key', $.word), '=', field('value', $._value)),

    statement: ($) =>
      prec.right(
        choice(
          seq(
            field('head', $.word),
            repeat1($._term),
            optional(seq('=', field('value', $._value))),
            optional(field('block', $.block)),
          ),
          seq(
            field('head', $.word),
            optional(seq('=', field('value', $._value))),
            field('block', $.block),
          ),
          field('head', $.word),
        ),
      ),

    _term: ($) => choice($.word, $._string, $._comma),

    // Line breaks after a `,` belong to it: the statement continues on the next line.
    _comma: ($) => prec.right(seq(',', repeat($._newline))),

    block: ($) => seq('{', repeat($._item), '}'),

    _value: ($) => choice($.word, $._string, $.list, $.map, $.call),

    list: ($) => seq('[', optional(seq(commaSep1($._value), optional(','))), ']'),

    // Entries are separated by line breaks, `,` or `;` (or nothing).
    map: ($) => seq('{', repeat(choice($.pair, ',', ';')), '}'),

    pair: ($) => seq(field('key', choice($.word, $._string)), '=', field('value', $._value)),

    call: ($) =>
      seq(
        field('function', $.word),
        '(',
        optional(seq(commaSep1($._value), optional(','))),
        ')',
      ),

    _string: ($) => choice($.string, $.long_string),

    string: ($) =>
      seq(
        '"',
        repeat(choice($.string_content, $.escape_sequence)),
        token.immediate('"'),
      ),

    // Higher precedence than a comment: a `#` inside a string is text.
    string_content: (_) => token.immediate(prec(1, /[^"\\\n]+/)),

    escape_sequence: (_) => token.immediate(prec(1, /\\(u\{[0-9A-Fa-f]*\}|[^\n])/)),

    // Verbatim and may span lines; no escapes.
    long_string: (_) => token(seq('"""', /([^"]|"[^"]|""[^"])*/, '"""')),

    word: (_) => WORD,

    comment: (_) => token(seq('#', /[^\n]*/)),

    _newline: (_) => /\n/,
  },
});
