// Drives VS Code (code-server, already serving a workspace) in Debian's Chromium through
// playwright-core: opens a file with a deliberate error and checks that the drove
// extension's language server reports it, in the editor (squiggle and hover) and in the
// Problems panel, then types the fix and checks both go away; then that the plan lens
// shows and that hovering a hosts group shows its reachability. Run by
// tests/editors/vscode-e2e.sh, which sets:
//   E2E_URL        the code-server URL with ?folder=…   E2E_FILE   the file to open (base name)
//   E2E_CODE       the code expected                      E2E_WORD   the offending word
//   E2E_FIX        what replaces the offending word to fix the error
//   E2E_PROFILE    a fresh Chromium profile directory     E2E_SHOT   where the screenshot goes
//   E2E_CHROMIUM   the browser (default /usr/bin/chromium)
//   E2E_FAILSHOT   where the screenshot of a failure goes
//   E2E_LENS_SHOT, E2E_REACH_SHOT  the screenshots of the plan lens and the reachability hover
//   E2E_HOSTS      the hosts group of the file whose name is hovered, on line E2E_HOSTS_LINE
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

// Puts the cursor at LINE:COLUMN of the active editor through Go to Line.
async function goTo(page, position) {
  await page.locator('.monaco-editor textarea').first().focus();
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input:visible');
  await input.first().waitFor({ timeout: 30000 });
  await page.keyboard.type(position);
  await page.keyboard.press('Enter');
  await input.first().waitFor({ state: 'hidden', timeout: 30000 });
}

// Moves the mouse onto `target` until `shown` appears, measuring `target` again on each
// of three tries: a plan lens arriving in between moves the text.
async function hoverUntil(page, target, shown) {
  for (let attempt = 0; ; attempt += 1) {
    const box = await target.boundingBox();
    if (!box) throw new Error('nothing to hover: the target has no box');
    await page.mouse.move(0, 0);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    try {
      await shown.first().waitFor({ timeout: 10000 });
      return;
    } catch (err) {
      if (attempt === 2) throw err;
    }
  }
}

// Shows the hover at the cursor (Show or Focus Hover, Ctrl+K Ctrl+I), a few times if
// the editor was still settling; true once it is on screen.
async function showHoverAtCursor(page, hover) {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
    try {
      await hover.first().waitFor({ timeout: 10000 });
      return true;
    } catch (_) {
      await page.keyboard.press('Escape');
    }
  }
  return false;
}

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
    const diagnosticHover = page.locator('.monaco-hover:visible', { hasText: code });
    await hoverUntil(page, squiggle.first(), diagnosticHover);
    const hoverText = await diagnosticHover.first().innerText();
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

    // Go to the diagnostic's line and column with the keyboard: a plan lens arriving
    // between measuring the squiggle and using the mouse moves the text, and the pointer
    // lands on another word (CI's machines are slow enough for that to happen).
    const at = rowText.match(/\[Ln (\d+), Col (\d+)\]/);
    if (!at) throw new Error(`the problem row has no position: ${rowText}`);
    await goTo(page, `${at[1]}:${at[2]}`);

    // The hover again, for the picture: the panel took the focus and closed it. It was
    // checked above; here it is only wanted on screen, so a missing one is logged.
    if (await showHoverAtCursor(page, diagnosticHover)) {
      await page.waitForTimeout(500);
    } else {
      console.log('note: the hover did not come back for the picture');
    }
    await page.screenshot({ path: shot });
    console.log(`screenshot: ${shot}`);

    step(`typing the fix over "${word}"`);
    await page.keyboard.press('Escape');
    await goTo(page, `${at[1]}:${at[2]}`);
    for (let i = 0; i < word.length; i += 1) await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.type(fix);
    await squiggle.first().waitFor({ state: 'detached', timeout: 60000 });
    await row.first().waitFor({ state: 'detached', timeout: 30000 });
    console.log('the fix cleared the squiggle and the problem');

    // The plan lens: the example has no state, so every declaration shows what the first
    // apply creates, and the summary tops the file.
    step('waiting for the plan lens');
    const lenses = page.locator('.monaco-editor .codelens-decoration');
    await lenses.filter({ hasText: 'plan:' }).first().waitFor({ timeout: 90000 });
    await lenses.filter({ hasText: 'create' }).nth(1).waitFor({ timeout: 30000 });
    // The panel away and the hosts group in view, for the picture.
    await page.keyboard.press('Control+J');
    await goTo(page, env('E2E_HOSTS_LINE'));
    await lenses.filter({ hasText: 'instances' }).first().waitFor({ timeout: 30000 });
    const lensTexts = await lenses.allInnerTexts();
    console.log(`lenses: ${lensTexts.filter((t) => t.trim()).join(' | ')}`);
    await page.mouse.move(0, 0);
    await page.waitForTimeout(500);
    await page.screenshot({ path: env('E2E_LENS_SHOT') });
    console.log(`screenshot: ${env('E2E_LENS_SHOT')}`);

    // Reachability on hover: the name of the `hosts` group.
    step('hovering a hosts group for its reachability');
    const line = page.locator('.monaco-editor .view-line', { hasText: `hosts ${env('E2E_HOSTS')} {` });
    const name = line.locator('span > span', { hasText: new RegExp(`^${env('E2E_HOSTS')}$`) }).first();
    await name.waitFor({ timeout: 30000 });
    const reach = page.locator('.monaco-hover:visible', { hasText: 'internet' });
    await hoverUntil(page, name, reach);
    console.log(`reach hover: ${(await reach.first().innerText()).replace(/\s+/g, ' ').slice(0, 300)}`);
    await page.waitForTimeout(500);
    await page.screenshot({ path: env('E2E_REACH_SHOT') });
    console.log(`screenshot: ${env('E2E_REACH_SHOT')}`);
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
  () => console.log('vscode-e2e: 3 passed, 0 failed'),
  (err) => {
    console.error(err && err.stack ? err.stack : err);
    console.log('vscode-e2e: 0 passed, 1 failed');
    process.exit(1);
  },
);
