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
  // no use for it (inside lists, maps and calls, after `=`, after a statement's `,`)
  // it is skipped like a blank.
  extras: ($) => [/[ \t\f\r]/, $.comment, $._newline],

  rules: {
    source_file: ($) => seq(repeat($._item), optional($._open_statement)),

    _item: ($) =>
      choice(
        $.attribute,
        seq($._open_statement, $._terminator),
        alias($._block_statement, $.statement),
        $._terminator,
      ),

    _terminator: ($) => choice($._newline, ';'),

    // A statement that is still open at the end of its line: the next line break, `;`
    // or `}` (or the end of the file) ends it.
    _open_statement: ($) => alias($._statement_line, $.statement),

    _statement_line: ($) =>
      choice(
        seq(field('head', $.word), repeat($._term)),
        seq(field('head', $.word), repeat1($._term), '=', field('value', $._value)),
      ),

    // A statement with a block ends after its block.
    _block_statement: ($) =>
      seq(
        field('head', $.word),
        optional(seq(repeat1($._term), optional(seq('=', field('value', $._value))))),
        field('block', $.block),
      ),

    // After a `,` the statement needs another term, so the line break is not a
    // terminator there and the statement continues on the next line.
    _term: ($) => choice($.word, $._string, seq(',', choice($.word, $._string))),

    attribute: ($) => seq(field('key', $.word), '=', field('value', $._value)),

    block: ($) => seq('{', repeat($._item), optional($._open_statement), '}'),

    _value: ($) => choice($.word, $._string, $.list, $.map, $.call),

    list: ($) => seq('[', optional(seq(commaSep1($._value), optional(','))), ']'),

    map: ($) => seq('{', repeat(seq($.pair, optional(','))), '}'),

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

    _newline: (_) => '\n',
  },
});
