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

async function restart() {
  await stopClient();
  await startClient();
}

async function activate(context) {
  output = vscode.window.createOutputChannel('drove');
  context.subscriptions.push(output);
  context.subscriptions.push(vscode.commands.registerCommand('drove.restartServer', restart));
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('drove.server')) restart();
    }),
  );
  await startClient();
}

function deactivate() {
  return stopClient();
}

module.exports = { activate, deactivate };
