// Drives VS Code (code-server, already serving a workspace) in Debian's Chromium through
// playwright-core: opens a file with a deliberate error and checks that the drove
// extension's language server reports it, in the editor (squiggle and hover) and in the
// Problems panel, then types the fix and checks both go away. Run by tests/editors/vscode-e2e.sh, which sets:
//   E2E_URL        the code-server URL with ?folder=…   E2E_FILE   the file to open (base name)
//   E2E_CODE       the code expected                      E2E_WORD   the offending word
//   E2E_FIX        what replaces the offending word to fix the error
//   E2E_PROFILE    a fresh Chromium profile directory     E2E_SHOT   where the screenshot goes
//   E2E_CHROMIUM   the browser (default /usr/bin/chromium)
//   E2E_FAILSHOT   where the screenshot of a failure goes
'use strict';

const { chromium } = require('playwright-core');

const env = (name, fallback) => {
  const v = process.env[name] || fallback;
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const url = env('E2E_URL');
const file = env('E2E_FILE');
const code = env('E2E_CODE');
const word = env('E2E_WORD');
const shot = env('E2E_SHOT');
const fix = env('E2E_FIX');

const step = (msg) => console.log(`--- ${msg}`);

async function main() {
  const context = await chromium.launchPersistentContext(env('E2E_PROFILE'), {
    executablePath: env('E2E_CHROMIUM', '/usr/bin/chromium'),
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] || (await context.newPage());
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  try {
    step(`opening ${url}`);
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60000 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
    await page.locator('.explorer-folders-view, .monaco-list').first().waitFor({ timeout: 60000 });

    step(`opening ${file} from the explorer`);
    // The explorer lists the workspace once the file service is up; opening through it
    // is what a user does.
    const entry = page.locator(`.explorer-folders-view .monaco-list-row[aria-label^="${file}"]`);
    await entry.first().waitFor({ timeout: 60000 });
    await entry.first().click();
    const tab = page.locator(`.tabs-container .tab[aria-label^="${file}"]`);
    await tab.first().waitFor({ timeout: 30000 });
    await page.locator('.monaco-editor .view-lines').first().waitFor({ timeout: 30000 });

    step('waiting for the error squiggle');
    const squiggle = page.locator('.monaco-editor .squiggly-error');
    await squiggle.first().waitFor({ state: 'attached', timeout: 90000 });

    step('hovering the squiggle');
    const box = await squiggle.first().boundingBox();
    if (!box) throw new Error('the squiggle has no box');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const hover = page.locator('.monaco-hover:visible');
    await hover.first().waitFor({ timeout: 30000 });
    const hoverText = await hover.first().innerText();
    console.log(`hover: ${hoverText.replace(/\s+/g, ' ').slice(0, 300)}`);
    if (!hoverText.includes(code)) throw new Error(`the hover does not name ${code}: ${hoverText}`);
    if (!hoverText.includes(word)) throw new Error(`the hover does not name "${word}": ${hoverText}`);

    step('opening the Problems panel');
    await page.keyboard.press('Control+Shift+M');
    const problems = page.locator('.markers-panel .monaco-list-row');
    await problems.first().waitFor({ timeout: 30000 });
    const row = problems.filter({ hasText: code });
    await row.first().waitFor({ timeout: 30000 });
    const rowText = await row.first().innerText();
    console.log(`problem: ${rowText.replace(/\s+/g, ' ')}`);

    // Hover again for the picture: the panel took the focus and closed it.
    await page.mouse.move(0, 0);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await hover.first().waitFor({ timeout: 30000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: shot });
    console.log(`screenshot: ${shot}`);

    step(`typing the fix over "${word}"`);
    await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
    await page.keyboard.type(fix);
    await squiggle.first().waitFor({ state: 'detached', timeout: 60000 });
    await row.first().waitFor({ state: 'detached', timeout: 30000 });
    console.log('the fix cleared the squiggle and the problem');
  } catch (err) {
    const failShot = process.env.E2E_FAILSHOT || shot.replace(/\.png$/, '') + '-failure.png';
    await page.screenshot({ path: failShot }).catch(() => {});
    console.log(`failure screenshot: ${failShot}`);
    throw err;
  } finally {
    await context.close();
  }
}

main().then(
  () => console.log('vscode-e2e: 1 passed, 0 failed'),
  (err) => {
    console.error(err && err.stack ? err.stack : err);
    console.log('vscode-e2e: 0 passed, 1 failed');
    process.exit(1);
  },
);
