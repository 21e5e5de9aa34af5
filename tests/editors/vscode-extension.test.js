// Tests of the VS Code extension that need no VS Code: the manifest, the settings'
// translation into the server's command line, and the snippets, whose default
// expansions must make a stack that `drove check` accepts.
// Run: node --test tests/editors/  (DROVE_BIN: the drove binary, default target/debug/drove)
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..', '..');
const ext = path.join(root, 'editors', 'vscode');
const manifest = JSON.parse(fs.readFileSync(path.join(ext, 'package.json'), 'utf8'));
const snippets = JSON.parse(fs.readFileSync(path.join(ext, 'snippets', 'drove.json'), 'utf8'));
const { serverCommand } = require(path.join(ext, 'src', 'server-command.js'));
const drove = process.env.DROVE_BIN || path.join(root, 'target', 'debug', 'drove');

test('the manifest contributes the language, grammar, snippets and settings', () => {
  const c = manifest.contributes;
  assert.deepEqual(c.languages[0].extensions, ['.drove']);
  assert.equal(c.languages[0].id, 'drove');
  for (const rel of [c.languages[0].configuration, c.grammars[0].path, c.snippets[0].path, manifest.main]) {
    assert.ok(fs.existsSync(path.join(ext, rel)), `${rel} exists`);
  }
  assert.equal(c.grammars[0].scopeName, 'source.drove');
  const props = c.configuration.properties;
  assert.equal(props['drove.server.path'].default, 'drove');
  assert.deepEqual(props['drove.server.extraArgs'].default, []);
  assert.ok(manifest.dependencies['vscode-languageclient']);
});

test('settings become the server command line', () => {
  assert.deepEqual(serverCommand(undefined, undefined, undefined, undefined), { command: 'drove', args: ['lsp'] });
  assert.deepEqual(serverCommand('  ', [], '/ws', '/home/u'), { command: 'drove', args: ['lsp'] });
  assert.deepEqual(serverCommand('/opt/drove/bin/drove', ['--log', 'debug'], '/ws', '/home/u'), {
    command: '/opt/drove/bin/drove',
    args: ['lsp', '--log', 'debug'],
  });
  assert.equal(serverCommand('${workspaceFolder}/target/debug/drove', [], '/ws', '/h').command, '/ws/target/debug/drove');
  assert.equal(serverCommand('target/debug/drove', [], '/ws', '/h').command, '/ws/target/debug/drove');
  assert.equal(serverCommand('~/bin/drove', [], undefined, '/home/u').command, '/home/u/bin/drove');
  // Wrong types from a hand-edited settings file are ignored, not passed on.
  assert.deepEqual(serverCommand(42, ['ok', 7, null], undefined, undefined), { command: 'drove', args: ['lsp', 'ok'] });
});

// A snippet body with every placeholder at its default and every choice at its first
// option, as VS Code inserts it when the user just tabs through.
function expand(body) {
  const text = Array.isArray(body) ? body.join('\n') : body;
  const values = {};
  let out = text;
  // Placeholders resolve innermost first; a mirror ($1) takes its placeholder's value.
  for (let guard = 0; guard < 20; guard++) {
    const before = out;
    out = out.replace(/\$\{(\d+)\|([^|}]*)\|\}/g, (_, n, opts) => (values[n] = opts.split(',')[0]));
    out = out.replace(/\$\{(\d+):([^${}]*)\}/g, (_, n, def) => (values[n] = def));
    out = out.replace(/\$(\d+)(?!\d)/g, (m, n) => (n in values ? values[n] : m));
    if (out === before) break;
  }
  return out.replace(/\$0/g, '').replace(/\t/g, '  ');
}

test('snippet placeholders all expand', () => {
  for (const [name, s] of Object.entries(snippets)) {
    const text = expand(s.body);
    assert.ok(!/\$\{|\$\d/.test(text), `${name} left a placeholder: ${text}`);
    assert.ok(s.prefix && s.description, `${name} has a prefix and a description`);
  }
});

test('a stack made of the snippets passes drove check', () => {
  const s = (name) => expand(snippets[name].body);
  // The zone snippet leaves its cursor ($0) inside the block: record lines go there.
  // Record names are changed where the defaults would collide (two A records at the apex,
  // a failover pair beside the zone snippet's CNAME `www`).
  const records = [
    s('record A').replace(/^@/, 'app'),
    s('record AAAA'),
    s('record MX'),
    s('record TXT'),
    s('record SRV'),
    s('record CAA'),
    s('record weighted'),
    s('record failover').replace(/^www/gm, 'shop'),
  ].join('\n').split('\n');
  const zone = expand(snippets.zone.body.map((l) => (l === '\t$0' ? records.map((r) => `\t${r}`).join('\n') : l)));
  const stack = [
    s('stack'),
    s('network'),
    s('firewall'),
    s('role'),
    s('hosts'),
    'role mysql { image = image("base-mysql-*")  type = t3.micro  firewall = [web] }',
    s('host'),
    zone,
    s('healthcheck'),
  ].join('\n');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drove-snippets-'));
  try {
    fs.writeFileSync(path.join(dir, 'main.drove'), stack);
    const r = spawnSync(drove, ['check', dir, '--format', 'json'], { encoding: 'utf8' });
    const diags = r.stdout.trim() ? JSON.parse(r.stdout) : [];
    const errors = diags.filter((d) => d.severity === 'error');
    assert.deepEqual(errors, [], `stack:\n${stack}\n${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the .vsix holds the extension and its client library', () => {
  const vsix = process.env.DROVE_VSIX || path.join(root, 'target', 'editors', 'drove.vsix');
  const list = execFileSync('python3', ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', vsix], { encoding: 'utf8' });
  for (const f of [
    'extension/package.json',
    'extension/src/extension.js',
    'extension/syntaxes/drove.tmLanguage.json',
    'extension/language-configuration.json',
    'extension/snippets/drove.json',
    'extension/node_modules/vscode-languageclient/node.js',
  ]) {
    assert.ok(list.split('\n').includes(f), `${f} in the .vsix`);
  }
  assert.ok(!list.includes('extension/test/'), 'tests are not packaged');
});
