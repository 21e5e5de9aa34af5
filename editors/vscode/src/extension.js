// The drove extension: the grammar, language configuration and snippets are declared in
// package.json; this file starts `drove lsp` and connects it to VS Code.
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');
const { serverCommand } = require('./server-command');

let client;
let output;

/** Starts the client; resolves once the server has answered `initialize`. */
async function startClient() {
  const config = vscode.workspace.getConfiguration('drove');
  const folders = (vscode.workspace.workspaceFolders || []).map((f) => f.uri.fsPath);
  const { command, args } = serverCommand(
    config.get('server.path'),
    config.get('server.extraArgs'),
    folders[0],
    process.env.HOME,
  );
  output.appendLine(`starting ${command} ${args.join(' ')}`);

  // No `transport`: with TransportKind.stdio the client would append `--stdio` to the
  // arguments, which `drove lsp` does not take; stdio is the default all the same.
  const executable = { command, args };
  client = new LanguageClient(
    'drove',
    'drove language server',
    { run: executable, debug: executable },
    {
      documentSelector: [
        { scheme: 'file', language: 'drove' },
        { scheme: 'untitled', language: 'drove' },
      ],
      // The server reads the other files of a stack from disk, so it must hear when they
      // change outside the editor (git checkout, another tool).
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.drove') },
      outputChannel: output,
      traceOutputChannel: output,
      // The environment the plan lens plans for; the stack's first one when empty.
      initializationOptions: config.get('environment') ? { environment: config.get('environment') } : {},
    },
  );
  try {
    await client.start();
  } catch (err) {
    const choice = await vscode.window.showErrorMessage(
      `drove: could not start the language server "${command}": ${err.message || err}. ` +
        'Set "drove.server.path" to the drove binary.',
      'Open settings',
    );
    if (choice === 'Open settings') {
      vscode.commands.executeCommand('workbench.action.openSettings', 'drove.server');
    }
  }
}

async function stopClient() {
  const old = client;
  client = undefined;
  if (old) {
    try {
      await old.stop();
    } catch (err) {
      output.appendLine(`stopping the server: ${err.message || err}`);
    }
  }
}

/** The URI of `arg` (a lens passes the document's URI as a string) or of the active editor. */
function documentUri(arg) {
  if (typeof arg === 'string') return arg;
  if (arg && arg.toString) return arg.toString();
  const editor = vscode.window.activeTextEditor;
  return editor ? editor.document.uri.toString() : undefined;
}

/** "drove: Show Plan" (and every plan lens): the stack's whole plan beside the source. */
async function showPlan(arg) {
  const uri = documentUri(arg);
  if (!client || !uri) return;
  const text = await client.sendRequest('workspace/executeCommand', { command: 'drove.server.plan', arguments: [uri] });
  const doc = await vscode.workspace.openTextDocument({ content: text || '', language: 'plaintext' });
  await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside, preserveFocus: true });
}

/** "drove: Refresh": a read-only refresh; the server shows the drift as diagnostics. */
async function refresh(arg) {
  const uri = documentUri(arg);
  if (!client || !uri) return;
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'drove: reading the stack live…' },
    () => client.sendRequest('workspace/executeCommand', { command: 'drove.server.refresh', arguments: [uri] }),
  );
}

async function restart() {
  await stopClient();
  await startClient();
}

async function activate(context) {
  output = vscode.window.createOutputChannel('drove');
  context.subscriptions.push(output);
  context.subscriptions.push(vscode.commands.registerCommand('drove.restartServer', restart));
  context.subscriptions.push(vscode.commands.registerCommand('drove.showPlan', showPlan));
  context.subscriptions.push(vscode.commands.registerCommand('drove.refresh', refresh));
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('drove.server') || e.affectsConfiguration('drove.environment')) restart();
    }),
  );
  await startClient();
}

function deactivate() {
  return stopClient();
}

module.exports = { activate, deactivate };
