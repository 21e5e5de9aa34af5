// Turns the `drove.server.*` settings into the command line of the language server.
// Kept apart from extension.js so it can be tested without VS Code.
'use strict';

const path = require('node:path');

/**
 * @param {string|undefined} setting  `drove.server.path`
 * @param {string[]|undefined} extra  `drove.server.extraArgs`
 * @param {string|undefined} folder   the first workspace folder, if any
 * @param {string|undefined} home     the user's home directory
 */
function serverCommand(setting, extra, folder, home) {
  let command = typeof setting === 'string' && setting.trim() !== '' ? setting.trim() : 'drove';
  if (folder) command = command.split('${workspaceFolder}').join(folder);
  if (home && (command === '~' || command.startsWith('~/'))) command = home + command.slice(1);
  // A bare name is left to PATH; anything with a separator is a path, relative ones
  // are taken from the workspace as users expect of a setting stored in the workspace.
  if (command.includes('/') && !path.isAbsolute(command) && folder) {
    command = path.resolve(folder, command);
  }
  const args = ['lsp'];
  if (Array.isArray(extra)) {
    for (const a of extra) if (typeof a === 'string') args.push(a);
  }
  return { command, args };
}

module.exports = { serverCommand };
