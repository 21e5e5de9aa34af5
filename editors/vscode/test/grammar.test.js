// Tokenizes drove sources with the TextMate grammar (through vscode-textmate, as VS Code
// does) and checks the scopes of the tokens that carry meaning.
'use strict';

const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const oniguruma = require('vscode-oniguruma');
const vsctm = require('vscode-textmate');

const root = path.resolve(__dirname, '..', '..', '..');
const grammarPath = path.join(__dirname, '..', 'syntaxes', 'drove.tmLanguage.json');

let grammar;

before(async () => {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === 'source.drove'
        ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath)
        : null,
  });
  grammar = await registry.loadGrammar('source.drove');
  assert.ok(grammar, 'the grammar loads');
});

/** Every token of `text`: its line, its text and its scopes (outermost first). */
function tokenize(text) {
  const out = [];
  let state = vsctm.INITIAL;
  text.split('\n').forEach((line, lineNo) => {
    const r = grammar.tokenizeLine(line, state);
    for (const t of r.tokens) {
      out.push({ line: lineNo, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    }
    state = r.ruleStack;
  });
  return out;
}

/**
 * Asserts that the `nth` token (0-based) whose text is `text` has `scope` as its
 * innermost scope (or, with `{ any: true }`, anywhere in its scope stack).
 */
function expectScope(tokens, text, scope, nth = 0, opts = {}) {
  const hits = tokens.filter((t) => t.text === text);
  assert.ok(hits.length > nth, `no token ${JSON.stringify(text)} #${nth} in ${JSON.stringify(tokens.map((t) => t.text))}`);
  const scopes = hits[nth].scopes;
  if (opts.any) {
    assert.ok(scopes.includes(scope), `${JSON.stringify(text)}: ${scopes.join(' ')} lacks ${scope}`);
  } else {
    assert.equal(scopes[scopes.length - 1], scope, `${JSON.stringify(text)} has scopes ${scopes.join(' ')}`);
  }
}

test('declarations: keywords and declared names', () => {
  const t = tokenize(
    [
      'stack reservation {',
      '  region = "ap-northeast-1"',
      '}',
      'let office = 203.0.113.0/24',
      'network main {',
      '  cidr = 10.0.0.0/16',
      '  subnet public-a { cidr = 10.0.1.0/24  zone = a  public = true }',
      '}',
      'firewall web in main {',
      '  allow tcp 80, 443 from 0.0.0.0/0, ::/0',
      '  allow icmp from office',
      '  allow all to 0.0.0.0/0',
      '}',
      'hosts app { role = app  count = 4  subnets = [main.public-a] }',
      'host db { role = mysql  subnet = main.private-a  protect = true }',
      'healthcheck web { host = www.acme.example.  interval = 30s }',
      'secret "db.yml" = "YWdl"',
    ].join('\n'),
  );
  for (const kw of ['stack', 'let', 'network', 'subnet', 'firewall', 'hosts', 'host', 'healthcheck', 'secret']) {
    expectScope(t, kw, 'keyword.other.declaration.drove');
  }
  expectScope(t, 'reservation', 'entity.name.type.drove');
  expectScope(t, 'main', 'entity.name.type.drove');
  expectScope(t, 'public-a', 'entity.name.type.drove');
  expectScope(t, 'web', 'entity.name.type.drove');
  expectScope(t, 'office', 'variable.other.constant.drove');
  expectScope(t, 'allow', 'keyword.other.rule.drove');
  expectScope(t, 'tcp', 'support.constant.protocol.drove');
  expectScope(t, 'icmp', 'support.constant.protocol.drove');
  expectScope(t, 'all', 'support.constant.protocol.drove');
  expectScope(t, 'in', 'keyword.operator.word.drove');
  expectScope(t, 'from', 'keyword.operator.word.drove');
  expectScope(t, 'to', 'keyword.operator.word.drove');
  // `zone` and `host` are attributes inside a subnet and a healthcheck, not declarations.
  expectScope(t, 'zone', 'variable.other.property.drove');
  expectScope(t, 'host', 'variable.other.property.drove', 1);
  expectScope(t, 'region', 'variable.other.property.drove');
  expectScope(t, '=', 'keyword.operator.assignment.drove');
  expectScope(t, 'true', 'constant.language.boolean.drove');
});

test('literals: numbers, addresses, CIDRs, durations, sizes, shares, ranges', () => {
  const t = tokenize(
    [
      'x = [4, 54.64.225.166, 2001:db8::1, 10.0.0.0/16, ::/0, 2001:db8::/32, 30s, 5m, 30GiB, 25%, 8000-8080, 0600]',
      'y = [main.public-a, hosts.app.public_ip, acme.example., t3.medium]',
    ].join('\n'),
  );
  expectScope(t, '4', 'constant.numeric.integer.drove');
  expectScope(t, '0600', 'constant.numeric.integer.drove');
  expectScope(t, '54.64.225.166', 'constant.numeric.ipv4.drove');
  expectScope(t, '2001:db8::1', 'constant.numeric.ipv6.drove');
  expectScope(t, '10.0.0.0/16', 'constant.numeric.cidr.drove');
  expectScope(t, '::/0', 'constant.numeric.cidr.drove');
  expectScope(t, '2001:db8::/32', 'constant.numeric.cidr.drove');
  expectScope(t, '30s', 'constant.numeric.duration.drove');
  expectScope(t, '5m', 'constant.numeric.duration.drove');
  expectScope(t, '30GiB', 'constant.numeric.size.drove');
  expectScope(t, '25%', 'constant.numeric.percentage.drove');
  expectScope(t, '8000-8080', 'constant.numeric.range.drove');
  expectScope(t, 'main.public-a', 'variable.other.reference.drove');
  expectScope(t, 'hosts.app.public_ip', 'variable.other.reference.drove');
  expectScope(t, 'acme.example.', 'constant.other.dns-name.drove');
  expectScope(t, '[', 'punctuation.section.brackets.drove');
  expectScope(t, ',', 'punctuation.separator.comma.drove');
});

test('zones: record types, apex, wildcard, alias', () => {
  const t = tokenize(
    [
      'zone "acme.example." {',
      '  ttl = 300',
      '  @     300   A      54.64.225.166',
      '  www         CNAME  acme.example.',
      '  *.cdn       AAAA   2001:db8::1',
      '  @     3600  MX     10 mx1.acme.example., 20 mx2.acme.example.',
      '  @           TXT    "v=spf1 include:_spf.google.com ~all"',
      '  cdn  A  alias d111111abcdef8.cloudfront.net. { evaluate_health = false }',
      '}',
    ].join('\n'),
  );
  expectScope(t, 'zone', 'keyword.other.declaration.drove');
  expectScope(t, 'acme.example.', 'string.quoted.double.drove');
  expectScope(t, 'ttl', 'variable.other.property.drove');
  for (const rt of ['A', 'CNAME', 'AAAA', 'MX', 'TXT']) expectScope(t, rt, 'storage.type.record.drove');
  expectScope(t, '@', 'constant.language.apex.drove');
  expectScope(t, '*', 'constant.language.wildcard.drove');
  expectScope(t, 'alias', 'keyword.operator.word.drove');
  expectScope(t, 'mx1.acme.example.', 'constant.other.dns-name.drove');
  expectScope(t, 'evaluate_health', 'variable.other.property.drove');
});

test('zones: unmanaged policy and ignore rules', () => {
  const t = tokenize(
    [
      'zone "acme.example." {',
      '  unmanaged = delete',
      '  ignore "_acme-challenge" TXT',
      '  ignore "_*.**" CNAME, TXT',
      '  ignore  300  A  192.0.2.1',
      '}',
    ].join('\n'),
  );
  expectScope(t, 'unmanaged', 'variable.other.property.drove');
  expectScope(t, 'ignore', 'keyword.other.rule.drove');
  expectScope(t, 'ignore', 'keyword.other.rule.drove', 1);
  expectScope(t, '_acme-challenge', 'string.quoted.double.drove');
  for (const rt of ['TXT', 'CNAME']) expectScope(t, rt, 'storage.type.record.drove');
  // A record named `ignore` is a record, not a rule.
  const third = t.filter((x) => x.text.includes('ignore'))[2];
  assert.ok(!third.scopes.includes('keyword.other.rule.drove'), third.scopes.join(' '));
});

test('strings: escapes, long strings, comments', () => {
  const t = tokenize(
    [
      '# a comment with "quotes"',
      's = "tab\\t \\"q\\" \\u{1F600} bad\\q # not a comment"  # a comment',
      'file "/etc/motd" = """',
      '  Managed by drove. "quoted" # not a comment',
      '  """',
      'after = 1',
    ].join('\n'),
  );
  expectScope(t, '#', 'punctuation.definition.comment.drove');
  expectScope(t, ' a comment with "quotes"', 'comment.line.number-sign.drove');
  expectScope(t, '\\t', 'constant.character.escape.drove');
  expectScope(t, '\\"', 'constant.character.escape.drove');
  expectScope(t, '\\u{1F600}', 'constant.character.escape.drove');
  expectScope(t, '\\q', 'invalid.illegal.unknown-escape.drove');
  expectScope(t, ' # not a comment', 'string.quoted.double.drove');
  expectScope(t, ' a comment', 'comment.line.number-sign.drove');
  expectScope(t, '  Managed by drove. "quoted" # not a comment', 'string.quoted.triple.drove');
  expectScope(t, '"""', 'punctuation.definition.string.end.drove', 1);
  expectScope(t, 'after', 'variable.other.property.drove');
});

test('roles: calls and provisioning steps', () => {
  const t = tokenize(
    [
      'role app {',
      '  image = image("base-ruby-*")',
      '  provision {',
      '    package "nginx", "ruby"',
      '    user "app" groups "www-data" shell "/bin/bash"',
      '    file "/etc/app/db.yml" owner "app" mode 0600 = secret("db.yml")',
      '    run "bundle install"',
      '  }',
      '}',
    ].join('\n'),
  );
  expectScope(t, 'role', 'keyword.other.declaration.drove');
  expectScope(t, 'provision', 'keyword.other.declaration.drove');
  expectScope(t, 'image', 'variable.other.property.drove');
  expectScope(t, 'image', 'support.function.drove', 1);
  expectScope(t, 'secret', 'support.function.drove');
  for (const step of ['package', 'user', 'file', 'run']) expectScope(t, step, 'support.function.step.drove');
  expectScope(t, 'groups', 'keyword.operator.word.drove');
  expectScope(t, 'owner', 'keyword.operator.word.drove');
  expectScope(t, 'mode', 'keyword.operator.word.drove');
});

test('roles: access lines', () => {
  const t = tokenize(
    ['role app {', '  access {', '    s3 "logs/app/*" read, write', '    logs "/app" write', '  }', '}'].join('\n'),
  );
  expectScope(t, 'access', 'keyword.other.declaration.drove');
  for (const service of ['s3', 'logs']) expectScope(t, service, 'support.function.step.drove');
  expectScope(t, 'read', 'keyword.operator.word.drove');
  expectScope(t, 'write', 'keyword.operator.word.drove');
});

test('balancers: declaration, listeners and targets', () => {
  const t = tokenize(
    ['balancer web in main {', '  listen 443 https forward app', '  target app { hosts = [app]  port = 3000 }', '}'].join('\n'),
  );
  expectScope(t, 'balancer', 'keyword.other.declaration.drove');
  expectScope(t, 'listen', 'keyword.other.declaration.drove');
  expectScope(t, 'forward', 'keyword.operator.word.drove');
  expectScope(t, 'target', 'keyword.other.declaration.drove');
});

test('certificates: the declaration, and a reference as a balancer attribute', () => {
  const t = tokenize(
    ['certificate site {', '  domain = "shop.example"', '}', 'balancer web in main {', '  certificate = certificate.site', '}'].join('\n'),
  );
  expectScope(t, 'certificate', 'keyword.other.declaration.drove');
  const attribute = t.filter((x) => x.text === 'certificate' && x.line === 4);
  assert.ok(attribute.length > 0 && !attribute[0].scopes.includes('keyword.other.declaration.drove'), 'an attribute key is not a declaration');
});

test('moves: the keyword, and `from` and `to` as attributes', () => {
  const t = tokenize(['moved {', '  from = firewall.web', '  to   = firewall.office', '}'].join('\n'));
  expectScope(t, 'moved', 'keyword.other.declaration.drove');
  const from = t.filter((x) => x.text === 'from');
  assert.ok(from.length > 0 && from[0].scopes.includes('variable.other.property.drove'), 'an attribute key');
});

test('uses: the keyword, and a used stack\'s names as plain words', () => {
  const t = tokenize(['use net = "../network"', 'hosts web { role = web  count = 2  subnets = [net.main.public-a] }'].join('\n'));
  expectScope(t, 'use', 'keyword.other.declaration.drove');
  const path = t.filter((x) => x.text.includes('../network'));
  assert.ok(path.length > 0 && path[0].scopes.some((s) => s.startsWith('string')), 'the path is a string');
});

/** Every `*.drove` file below `dir`. */
function droveFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return droveFiles(p);
    return e.name.endsWith('.drove') ? [p] : [];
  });
}

const DECLARATIONS = new Set(['stack', 'let', 'network', 'subnet', 'firewall', 'role', 'hosts', 'host', 'zone', 'healthcheck', 'secret', 'provision', 'access', 'environment', 'balancer', 'listen', 'target', 'certificate', 'moved']);

test('examples and valid fixtures: no invalid tokens, declarations highlighted', () => {
  const files = [...droveFiles(path.join(root, 'examples')), ...droveFiles(path.join(root, 'tests', 'fixtures', 'ok'))];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const tokens = tokenize(text);
    const rel = path.relative(root, file);
    for (const tok of tokens) {
      assert.ok(!tok.scopes.some((s) => s.startsWith('invalid')), `${rel}:${tok.line + 1}: invalid token ${JSON.stringify(tok.text)}`);
    }
    // A line that starts a declaration (first word, not an attribute key and not inside a
    // long string) must show the keyword scope.
    for (const tok of tokens) {
      if (!DECLARATIONS.has(tok.text)) continue;
      const lineText = text.split('\n')[tok.line];
      const first = lineText.trimStart();
      const isHead = first.startsWith(tok.text) && lineText.indexOf(tok.text) === lineText.length - first.length;
      const isKey = /^\s*=/.test(lineText.slice(lineText.indexOf(tok.text) + tok.text.length));
      const inString = tok.scopes.some((s) => s.startsWith('string') || s.startsWith('comment'));
      if (isHead && !isKey && !inString) {
        assert.equal(tok.scopes[tok.scopes.length - 1], 'keyword.other.declaration.drove', `${rel}:${tok.line + 1}: ${tok.text}`);
      }
    }
  }
});
