// Helpers to drive the real VS Code workbench (code-server in headless chromium, via playwright-core).
// They implement the recipes of /work/shared/notes/e2e.md ("UI driving that proved reliable").
// Every helper waits for what it needs (default 15 s, `{ timeout }` to change) and throws a descriptive
// error otherwise; none relies on fixed sleeps except the documented 250 ms context-menu settle time.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { REPO } from '../workspace.mjs';

/** Where screenshots go: run.mjs sets LIFEBOAT_E2E_SHOTS to test-output/e2e/<legacy|current>. */
export const outputDir = () => process.env.LIFEBOAT_E2E_SHOTS || join(REPO, 'test-output', 'e2e');
const DEFAULT_TIMEOUT = 15_000;
const MENU_SETTLE_MS = 250; // VS Code menus ignore a mouse-up within ~100 ms of being drawn.

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A string matches exactly (trimmed); a RegExp matches as is. */
export const matcher = (t) => (t instanceof RegExp ? t : new RegExp(`^\\s*${escapeRe(t)}\\s*$`));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function poll(fn, { timeout = DEFAULT_TIMEOUT, interval = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(interval);
  }
}

// ---------------------------------------------------------------------------------------- workbench

/** Waits for the workbench and the explorer rows of the opened folder. */
export async function waitForWorkbench(page, { timeout = 60_000 } = {}) {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout });
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout });
}

/** Closes quick input, menus, dialogs' escape-able parts and notifications: a neutral state between tests. */
export async function resetUi(page) {
  for (let i = 0; i < 3; i++) {
    const open = await page.locator('.quick-input-widget:visible, .monaco-menu:visible').count();
    if (!open) break;
    await page.keyboard.press('Escape');
    await sleep(100);
  }
  await runCommand(page, 'View: Close All Editors').catch(() => {});
  await runCommand(page, 'Notifications: Clear All Notifications').catch(() => {});
}

/**
 * Saves a PNG of the page in test-output/e2e/<harness>/<name>.png; `clip` ({ x, y, width, height }) limits
 * it to a region, `also` is another path to write the same image to (e.g. docs/images/x.png, relative to
 * the repo), written only with E2E_UPDATE_DOCS=1 and on the current VS Code (one source for the docs'
 * images), so that test runs leave the tracked docs alone.
 */
export async function screenshot(page, name, { clip, also } = {}) {
  const dir = outputDir();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${String(name).replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path: file, ...(clip ? { clip } : {}) });
  if (also && process.env.E2E_UPDATE_DOCS === '1' && process.env.LIFEBOAT_E2E_VSCODE === 'current') {
    const target = isAbsolute(also) ? also : join(REPO, also);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file, target);
  }
  return file;
}

// -------------------------------------------------------------------------------- command palette

const QUICK_INPUT = '.quick-input-widget';
const QUICK_INPUT_BOX = '.quick-input-widget .quick-input-box input';
const QUICK_ROWS = '.quick-input-widget .quick-input-list .monaco-list-row';

async function rowLabel(row) {
  return (await row.locator('.label-name').first().textContent({ timeout: 1000 }))?.trim() ?? '';
}

/** Waits for a row of the open quick pick whose label matches; accepts it (Enter if focused, else click). */
export async function pickQuickItem(page, text, { timeout = DEFAULT_TIMEOUT } = {}) {
  const re = matcher(text);
  const row = await poll(async () => {
    const rows = page.locator(QUICK_ROWS);
    const n = await rows.count();
    for (let i = 0; i < n; i++) {
      const r = rows.nth(i);
      if (re.test(await rowLabel(r))) return r;
    }
    return null;
  }, { timeout, what: `quick pick item ${re}` });
  // Give the list's own filtering a moment to settle, then prefer the keyboard as the note recommends.
  const focused = page.locator(`${QUICK_ROWS}.focused`);
  if ((await focused.count()) && re.test(await rowLabel(focused.first()))) await page.keyboard.press('Enter');
  else await row.click();
}

/** Runs a command through the F1 palette: `runCommand(page, 'Lifeboat: Back Up Database…')`. */
export async function runCommand(page, title, { timeout = DEFAULT_TIMEOUT } = {}) {
  if (await page.locator(`${QUICK_INPUT}:visible`).count()) {
    await page.keyboard.press('Escape');
    await page.locator(`${QUICK_INPUT}:visible`).waitFor({ state: 'hidden', timeout: 2000 }).catch(() => {});
  }
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press('F1');
      const input = page.locator(QUICK_INPUT_BOX);
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill(`>${title}`);
      const re = matcher(title);
      // Wait until the focused row is the wanted command (filtering is asynchronous). When the
      // list has settled with it below the first row (1.139 may rank "Preferences: Browse Color
      // Themes in Marketplace" above "Preferences: Color Theme"), walk down to it.
      const filled = Date.now();
      await poll(async () => {
        const focused = page.locator(`${QUICK_ROWS}.focused`);
        if ((await focused.count()) > 0 && re.test(await rowLabel(focused.first()))) return true;
        if (Date.now() - filled > 1500) {
          const rows = page.locator(QUICK_ROWS);
          for (let i = 0, n = await rows.count(); i < n; i++) {
            if (re.test(await rowLabel(rows.nth(i)).catch(() => ''))) { await page.keyboard.press('ArrowDown'); break; }
          }
        }
        return false;
      }, { timeout: attempt === 1 ? timeout : Math.min(timeout, 5000), interval: 200, what: `command palette to focus "${title}"` });
      await page.keyboard.press('Enter');
      return;
    } catch (err) {
      if (attempt >= 2) {
        const labels = await page.locator(`${QUICK_ROWS} .label-name`).allTextContents().catch(() => []);
        throw new Error(`${err.message}\n  palette rows: ${JSON.stringify(labels.slice(0, 10))}`, { cause: err });
      }
      await page.keyboard.press('Escape');
      await sleep(300);
    }
  }
}

/** Types into an open input box (vscode.window.showInputBox or a quick pick filter) and presses Enter. */
export async function fillQuickInput(page, value, { timeout = DEFAULT_TIMEOUT, submit = true } = {}) {
  const input = page.locator(QUICK_INPUT_BOX);
  await input.waitFor({ state: 'visible', timeout });
  await input.fill(value);
  if (submit) await page.keyboard.press('Enter');
}

/** Title/prompt text of the visible quick input (useful to assert which question is asked). */
export async function quickInputText(page, { timeout = DEFAULT_TIMEOUT } = {}) {
  const w = page.locator(`${QUICK_INPUT}:visible`);
  await w.waitFor({ state: 'visible', timeout });
  return (await w.innerText()).trim();
}

/** Placeholder of the visible quick input (the question a QuickPick asks, e.g. "Select a database"). */
export async function quickInputPlaceholder(page, { timeout = DEFAULT_TIMEOUT } = {}) {
  const input = page.locator(`${QUICK_INPUT}:visible .quick-input-box input`);
  await input.waitFor({ state: 'visible', timeout });
  return (await input.getAttribute('placeholder')) ?? '';
}

// ---------------------------------------------------------------------------------- notifications

const TOAST = '.notifications-toasts .notification-toast';
const CENTER = '.notifications-center';
// How long to look at the toasts before looking in the notification center, in turns (below).
const TOAST_TURN_MS = 10_000;

/**
 * Waits for a notification whose message matches; returns the message text. It looks at the toasts,
 * then in the notification center, in turns: a toast hides itself after 15-20 s while the window has
 * focus (a fresh-clone CI run once found no toast 60 s after Back Up All, whose backups were all there),
 * and VS Code 1.139 drops the fourth of four toasts that come at once (only the center has it).
 */
export async function waitForNotification(page, text, { timeout = DEFAULT_TIMEOUT } = {}) {
  const re = text instanceof RegExp ? text : new RegExp(escapeRe(text));
  const msg = page.locator(`${TOAST} .notification-list-item-message`).filter({ hasText: re }).first();
  const end = Date.now() + timeout;
  for (;;) {
    try {
      await msg.waitFor({ state: 'visible', timeout: Math.max(1, Math.min(end - Date.now(), TOAST_TURN_MS)) });
      return (await msg.textContent()).trim();
    } catch (err) {
      const seen = await page.locator(`${TOAST} .notification-list-item-message`).allTextContents().catch(() => []);
      const center = await notificationCenterMessages(page).catch((e) => [`(could not read the notification center: ${e.message})`]);
      const hit = center.find((m) => re.test(m));
      if (hit) return hit;
      if (Date.now() >= end) {
        throw new Error(`no notification matching ${re} within ${timeout} ms; visible: ${JSON.stringify(seen)}; in the notification center: ${JSON.stringify(center)}`, { cause: err });
      }
    }
  }
}

/** Opens the notification center (if it is not open) and waits for it. */
async function openNotificationCenter(page) {
  const center = page.locator(CENTER);
  if (!(await center.isVisible())) await runCommand(page, 'Notifications: Show Notifications');
  await center.waitFor({ state: 'visible', timeout: 5000 });
  return center;
}

/**
 * Closes the notification center with its own "Hide Notifications" action, clicked in the DOM: a
 * button clicked in the center may have brought up a modal dialog, which an Escape would cancel.
 */
async function closeNotificationCenter(page) {
  const center = page.locator(CENTER);
  if (!(await center.isVisible())) return;
  await center.locator('.notifications-center-header .codicon-notifications-hide').first().evaluate((e) => e.click()).catch(() => {});
  await center.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => {});
}

/** The messages in the notification center, newest first; opens the center and closes it again. */
export async function notificationCenterMessages(page) {
  const center = await openNotificationCenter(page);
  const texts = await center.locator('.notification-list-item-message').allTextContents();
  await closeNotificationCenter(page);
  return texts.map((t) => t.trim());
}

/** Clicks a button of the notification whose message matches in the notification center; false if none matches. */
async function clickCenterButton(page, re, button) {
  const center = await openNotificationCenter(page);
  try {
    const item = center.locator('.notification-list-item').filter({ has: page.locator('.notification-list-item-message', { hasText: re }) }).first();
    if (!(await item.count())) return false;
    await item.hover();
    // A collapsed entry shows no buttons: expand it (its chevron) if the button is not there.
    const b = item.locator('.monaco-button', { hasText: matcher(button) }).first();
    if (!(await b.isVisible())) await item.locator('.codicon-notifications-expand').first().click({ timeout: 2000 }).catch(() => {});
    await b.click({ timeout: 5000 });
    return true;
  } finally {
    await closeNotificationCenter(page);
  }
}

/**
 * Clicks a button (e.g. "Open Folder", "Undo") of the notification whose message matches: on its toast,
 * or, in turns as waitForNotification looks, in the notification center. `where: 'center'` goes to the
 * center at once (what a user does once the toast is gone).
 */
export async function clickNotificationButton(page, text, button, { timeout = DEFAULT_TIMEOUT, where = 'any' } = {}) {
  const re = text instanceof RegExp ? text : new RegExp(escapeRe(text));
  const toast = page.locator(TOAST).filter({ has: page.locator('.notification-list-item-message', { hasText: re }) }).first();
  const end = Date.now() + timeout;
  let lastErr;
  for (;;) {
    if (where !== 'center') {
      try {
        await toast.waitFor({ state: 'visible', timeout: Math.max(1, Math.min(end - Date.now(), TOAST_TURN_MS)) });
        await toast.hover();
        await toast.locator('.monaco-button', { hasText: matcher(button) }).first().click({ timeout: 5000 });
        return;
      } catch (err) {
        lastErr = err;
      }
    }
    try {
      if (await clickCenterButton(page, re, button)) return;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() >= end) throw new Error(`no notification matching ${re} with a button "${button}" within ${timeout} ms${lastErr ? `: ${lastErr.message}` : ''}`, { cause: lastErr });
    if (where === 'center') await sleep(500);
  }
}

/**
 * Starts recording every toast message that appears (however briefly) from now on; returns a
 * function that gives the messages seen so far. A progress toast that comes and goes between two
 * polls is caught too (a MutationObserver in the page).
 */
export async function watchToasts(page) {
  await page.evaluate((sel) => {
    const seen = [];
    window.__lifeboatToasts = seen;
    const grab = () => {
      for (const e of document.querySelectorAll(sel)) {
        const t = e.textContent.trim();
        if (t && !seen.includes(t)) seen.push(t);
      }
    };
    window.__lifeboatToastObserver?.disconnect();
    window.__lifeboatToastObserver = new MutationObserver(grab);
    window.__lifeboatToastObserver.observe(document.body, { childList: true, subtree: true, characterData: true });
    grab();
  }, `${TOAST} .notification-list-item-message`);
  return () => page.evaluate(() => [...(window.__lifeboatToasts ?? [])]);
}

/** Texts of all visible toasts. *//** Texts of all visible toasts. */
export async function notifications(page) {
  return (await page.locator(`${TOAST} .notification-list-item-message`).allTextContents()).map((s) => s.trim());
}

// ------------------------------------------------------------------------------------------ views

/** Shows a view container from the activity bar (does not toggle it closed if already shown). */
export async function openView(page, title, { timeout = DEFAULT_TIMEOUT } = {}) {
  const item = page.locator(`.activitybar .action-item:has([aria-label^="${title}"])`).first();
  await item.waitFor({ state: 'visible', timeout });
  const checked = async () => /\bchecked\b/.test((await item.getAttribute('class')) ?? '');
  // The item itself, not its label: a badge (a count) sits over the label's centre.
  if (!(await checked())) await item.click();
  await poll(checked, { timeout, what: `activity bar item "${title}" to become active` });
}

/** Labels of the rows of a view container contributed by an extension (`contributes.viewsContainers` id). */
export async function treeLabels(page, containerId, { timeout = DEFAULT_TIMEOUT, min = 1 } = {}) {
  const rows = page.locator(`[id="workbench.view.extension.${containerId}"] .monaco-list-row .label-name`);
  if (min > 0) {
    await poll(async () => (await rows.count()) >= min, { timeout, what: `${min}+ rows in view container ${containerId}` });
  }
  return (await rows.allTextContents()).map((s) => s.trim());
}

/** Waits until a row label in the view container matches; returns all labels. */
export async function waitForTreeLabel(page, containerId, text, { timeout = DEFAULT_TIMEOUT } = {}) {
  const re = matcher(text);
  let labels = [];
  try {
    await poll(async () => {
      labels = await treeLabels(page, containerId, { min: 0 });
      return labels.some((l) => re.test(l));
    }, { timeout, what: `tree label ${re}` });
  } catch (err) {
    throw new Error(`${err.message}; labels: ${JSON.stringify(labels)}`, { cause: err });
  }
  return labels;
}

// ---------------------------------------------------------------------------- rows of tree views
// A contributed view container holds one pane (section) per view; `pane` is the view's name as its
// header shows it ("Databases"), and may be left out when the container has one view or labels are unique.

function viewScope(page, containerId, pane) {
  const container = page.locator(`[id="workbench.view.extension.${containerId}"]`);
  if (!pane) return container;
  return container.locator('.pane').filter({ has: page.locator(`.pane-header[aria-label^="${pane}"]`) }).first();
}

/** Locator of the first row of a view container (or pane) whose label matches. */
export function treeRow(page, containerId, label, { pane } = {}) {
  return viewScope(page, containerId, pane).locator('.monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: matcher(label) }) }).first();
}

/**
 * The rendered rows, in display order: `{ label, description, level, expanded, checked }`
 * (`expanded`/`checked`: true, false, or null when the row has no twistie/checkbox).
 */
export async function treeRows(page, containerId, { pane } = {}) {
  return (await indexedRows(page, containerId, pane)).map(({ index: _index, ...r }) => r);
}

/** treeRows with each row's `index` (its data-index in its list). */
async function indexedRows(page, containerId, pane) {
  const lists = viewScope(page, containerId, pane).locator('.monaco-list');
  const out = [];
  for (let i = 0, n = await lists.count(); i < n; i++) {
    const rows = await lists.nth(i).locator('.monaco-list-row').evaluateAll((els) => els.map((e) => {
      const cb = e.querySelector('.custom-view-tree-node-item-checkbox');
      const exp = e.getAttribute('aria-expanded');
      return {
        index: Number(e.dataset.index),
        label: (e.querySelector('.label-name')?.textContent ?? '').trim(),
        description: (e.querySelector('.label-description')?.textContent ?? '').trim(),
        level: Number(e.getAttribute('aria-level')),
        expanded: exp === null ? null : exp === 'true',
        checked: cb ? cb.getAttribute('aria-checked') === 'true' : null,
      };
    }));
    rows.sort((a, b) => a.index - b.index);
    out.push(...rows);
  }
  return out;
}

/**
 * Locator of the row whose label matches; with `under` (a label), only among the children of that
 * row (which must be expanded): backup rows of two databases may read the same ("✓ just now · 984.0 KB").
 */
export async function findTreeRow(page, containerId, label, { pane, under, timeout = DEFAULT_TIMEOUT } = {}) {
  if (under === undefined) return treeRow(page, containerId, label, { pane });
  const re = matcher(label);
  const parent = matcher(under);
  let rows = [];
  const hit = await poll(async () => {
    rows = await indexedRows(page, containerId, pane);
    const at = rows.findIndex((r) => parent.test(r.label));
    if (at < 0) return null;
    for (const r of rows.slice(at + 1)) {
      if (r.level <= rows[at].level) break;
      if (r.level === rows[at].level + 1 && re.test(r.label)) return r;
    }
    return null;
  }, { timeout, what: `tree row ${re} under ${parent}` }).catch((err) => {
    throw new Error(`${err.message}; rows: ${JSON.stringify(rows.map((r) => `${r.label} (level ${r.level})`))}`, { cause: err });
  });
  return viewScope(page, containerId, pane).locator(`.monaco-list-row[data-index="${hit.index}"]`).first();
}

/** Waits for a row whose label matches (and whose description matches `description`, if given); returns it. */
export async function waitForTreeRow(page, containerId, label, { pane, description, timeout = DEFAULT_TIMEOUT } = {}) {
  const re = matcher(label);
  const dre = description === undefined ? null : description instanceof RegExp ? description : new RegExp(escapeRe(description));
  let rows = [];
  try {
    return await poll(async () => {
      rows = await treeRows(page, containerId, { pane });
      return rows.find((r) => re.test(r.label) && (!dre || dre.test(r.description)));
    }, { timeout, what: `tree row ${re}${dre ? ` with description ${dre}` : ''}` });
  } catch (err) {
    throw new Error(`${err.message}; rows: ${JSON.stringify(rows.map((r) => `${r.label} — ${r.description}`))}`, { cause: err });
  }
}

/** The rows directly under the row `label` (which must be expanded), in display order. */
export async function treeChildren(page, containerId, label, { pane } = {}) {
  const re = matcher(label);
  const rows = await treeRows(page, containerId, { pane });
  const at = rows.findIndex((r) => re.test(r.label));
  if (at < 0) throw new Error(`no tree row ${re}`);
  const children = [];
  for (const r of rows.slice(at + 1)) {
    if (r.level <= rows[at].level) break;
    if (r.level === rows[at].level + 1) children.push(r);
  }
  return children;
}

/** Expands a collapsible row (clicking its twistie, not the row: the row may run a command). */
export async function expandTreeRow(page, containerId, label, { pane, timeout = DEFAULT_TIMEOUT } = {}) {
  const row = treeRow(page, containerId, label, { pane });
  await row.waitFor({ state: 'visible', timeout });
  await poll(async () => (await row.getAttribute('aria-expanded')) !== null, { timeout, what: `tree row ${matcher(label)} to become collapsible` });
  if ((await row.getAttribute('aria-expanded')) === 'true') return;
  await row.locator('.monaco-tl-twistie').click();
  await poll(async () => (await row.getAttribute('aria-expanded')) === 'true', { timeout, what: `tree row ${matcher(label)} to expand` });
}

/** Right-clicks a tree row (`under`: a child of that row) and chooses a context-menu item (or path), with the settle wait and retries. */
export async function treeContextMenu(page, containerId, label, item, { pane, under, timeout = DEFAULT_TIMEOUT, attempts = 3 } = {}) {
  const row = await findTreeRow(page, containerId, label, { pane, under, timeout });
  await row.waitFor({ state: 'visible', timeout });
  await contextMenuOn(page, row, item, { timeout, attempts, what: `tree row ${matcher(label)}` });
}

/** Clicks an inline action (the icons shown on hover, by their title) of a tree row. */
export async function clickTreeInlineAction(page, containerId, label, action, { pane, under, timeout = DEFAULT_TIMEOUT } = {}) {
  // The icons show only while the row is hovered: when the rows move under the mouse (a database
  // that appears or goes re-renders the tree), hover again.
  const end = Date.now() + timeout;
  for (;;) {
    const row = await findTreeRow(page, containerId, label, { pane, under, timeout });
    await row.waitFor({ state: 'visible', timeout });
    try {
      await row.hover({ timeout: 3000 });
      await row.locator(`.actions .action-label[aria-label="${action}"]`).first().click({ timeout: 3000 });
      return;
    } catch (err) {
      if (Date.now() > end) throw new Error(`inline action "${action}" of tree row ${matcher(label)}: ${err.message}`, { cause: err });
    }
  }
}

/** Clicks the checkbox of a tree row and waits until the tree shows the new state; returns it. */
export async function toggleTreeCheckbox(page, containerId, label, { pane, timeout = DEFAULT_TIMEOUT } = {}) {
  const row = treeRow(page, containerId, label, { pane });
  const box = row.locator('.custom-view-tree-node-item-checkbox');
  await box.waitFor({ state: 'visible', timeout });
  const before = (await box.getAttribute('aria-checked')) === 'true';
  await box.click();
  await poll(async () => ((await box.getAttribute('aria-checked')) === 'true') !== before, { timeout, what: `checkbox of ${matcher(label)} to toggle` });
  return !before;
}

/**
 * Drags the sash at the side bar's right edge so that the side bar is `width` px wide. The sash is
 * grabbed where it is: VS Code 1.100 draws it across the side bar's edge, 1.139 in the 4 px gap beside it.
 */
export async function setSidebarWidth(page, width, { timeout = DEFAULT_TIMEOUT } = {}) {
  const bar = page.locator('.part.sidebar');
  await bar.waitFor({ state: 'visible', timeout });
  const box = await bar.boundingBox();
  const edge = box.x + box.width;
  const sashes = await page.locator('.monaco-sash.vertical:not(.disabled)').evaluateAll((els) => els.map((e) => {
    const r = e.getBoundingClientRect();
    return { x: r.x + r.width / 2, top: r.top, bottom: r.bottom };
  }));
  const near = sashes.filter((s) => Math.abs(s.x - edge) <= 8 && s.top <= box.y + box.height / 2 && s.bottom >= box.y + box.height / 2)
    .sort((a, b) => Math.abs(a.x - edge) - Math.abs(b.x - edge));
  if (!near.length) throw new Error(`no sash at the side bar's edge (x ${edge}); vertical sashes: ${JSON.stringify(sashes)}`);
  const x = near[0].x;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + (width - box.width) / 2, y, { steps: 4 });
  await page.mouse.move(x + (width - box.width), y, { steps: 4 });
  await page.mouse.up();
  await poll(async () => Math.abs((await bar.boundingBox()).width - width) <= 8, { timeout: 5000, what: `side bar width ${width}` });
  await page.mouse.move(box.x + width + 200, y); // no hover (tooltips, inline actions) left behind
  // The sash's highlight fades out (a CSS transition): wait for it, so that screenshots do not show it.
  await poll(async () => (await page.locator('.monaco-sash.vertical:not(.disabled)').evaluateAll((els) => els.every((e) => {
    const c = getComputedStyle(e, '::before').backgroundColor;
    return c === 'transparent' || /^rgba\(.*,\s*0\)$/.test(c);
  }))), { timeout: 3000, what: 'the sash highlight to fade' }).catch(() => {});
}

// --------------------------------------------------------------------------------------- explorer

/** The explorer row of a file shown at the top level (or expanded) by its name. */
export function explorerRow(page, fileName) {
  return page.locator('.explorer-folders-view .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: matcher(fileName) }) }).first();
}

/** Makes the Explorer view visible (another view container may have replaced it in the side bar). */
export async function showExplorer(page, { timeout = DEFAULT_TIMEOUT } = {}) {
  if (await page.locator('.explorer-folders-view:visible').count()) return;
  await openView(page, 'Explorer', { timeout });
  await page.locator('.explorer-folders-view').waitFor({ state: 'visible', timeout });
}

export async function explorerLabels(page) {
  await showExplorer(page);
  return (await page.locator('.explorer-folders-view .monaco-list-row .label-name').allTextContents()).map((s) => s.trim());
}

/** Waits until a file appears in the explorer (the file watcher may take a moment). */
export async function waitForExplorerRow(page, fileName, { timeout = DEFAULT_TIMEOUT } = {}) {
  await showExplorer(page, { timeout });
  await explorerRow(page, fileName).waitFor({ state: 'visible', timeout });
}

/** Clicks an entry of an open context menu; `item` may be a path ['Submenu', 'Entry']. Returns true if the menu closed. */
async function clickMenuPath(page, path, timeout) {
  const menu = page.locator('.monaco-menu').first();
  await menu.waitFor({ state: 'visible', timeout });
  for (let i = 0; i < path.length; i++) {
    await sleep(MENU_SETTLE_MS);
    const label = page.locator('.monaco-menu .action-item .action-label').filter({ hasText: matcher(path[i]) }).last();
    await label.waitFor({ state: 'visible', timeout: 5000 });
    if (i < path.length - 1) {
      await label.hover();
      await page.locator('.monaco-menu').nth(i + 1).waitFor({ state: 'visible', timeout: 5000 });
    } else {
      await label.click();
    }
  }
  try {
    await page.locator('.monaco-menu').first().waitFor({ state: 'hidden', timeout: 2000 });
    return true;
  } catch {
    return false;
  }
}

/** Right-clicks a file in the explorer and chooses a context-menu item, with the settle wait and retries. */
export async function explorerContextMenu(page, fileName, item, { timeout = DEFAULT_TIMEOUT, attempts = 3 } = {}) {
  await showExplorer(page, { timeout });
  const row = explorerRow(page, fileName);
  await row.waitFor({ state: 'visible', timeout });
  await contextMenuOn(page, row, item, { timeout, attempts, what: fileName });
}

/** Right-clicks `target` (a locator) and chooses a context-menu item (or path), with the settle wait and retries. */
export async function contextMenuOn(page, target, item, { timeout = DEFAULT_TIMEOUT, attempts = 3, what = 'the element' } = {}) {
  const path = Array.isArray(item) ? item : [item];
  let lastErr;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await target.click({ button: 'right' });
      if (await clickMenuPath(page, path, timeout)) return;
      lastErr = new Error('the context menu stayed open after the click');
    } catch (err) {
      lastErr = err;
    }
    const items = (await page.locator('.monaco-menu .action-item .action-label').allTextContents().catch(() => []))
      .map((s) => s.trim()).filter(Boolean);
    lastErr = new Error(`${lastErr.message}; menu items: ${JSON.stringify(items)}`, { cause: lastErr });
    await page.keyboard.press('Escape');
    await page.locator('.monaco-menu').first().waitFor({ state: 'hidden', timeout: 2000 }).catch(() => {});
    // A drawn menu without the entry will not grow it on a retry (for a top-level entry at least).
    if (items.length && path.length === 1 && !items.some((i) => matcher(path[0]).test(i))) break;
  }
  throw new Error(`context menu "${path.join(' > ')}" on ${what} failed: ${lastErr?.message}`, { cause: lastErr });
}

// ---------------------------------------------------------------------------------------- dialogs

const DIALOG = '.monaco-dialog-box';

/** Message and detail of the visible modal dialog. */
export async function dialogText(page, { timeout = DEFAULT_TIMEOUT } = {}) {
  const d = page.locator(DIALOG);
  await d.waitFor({ state: 'visible', timeout });
  return (await d.locator('.dialog-message-container').innerText()).trim();
}

/**
 * The buttons of the visible modal dialog in display order; `primary`, its default button (the one
 * it focuses when it opens, which Enter presses; the others are drawn as secondary); `focused`, the
 * one that has the focus now (null when something else took it, e.g. a webview that just loaded).
 */
export async function dialogButtons(page, { timeout = DEFAULT_TIMEOUT } = {}) {
  const d = page.locator(DIALOG);
  await d.waitFor({ state: 'visible', timeout });
  return d.locator('.dialog-buttons .monaco-button').evaluateAll((bs) => ({
    buttons: bs.map((b) => b.textContent.trim()),
    primary: bs.filter((b) => !b.classList.contains('secondary')).map((b) => b.textContent.trim()).join(', ') || null,
    focused: bs.find((b) => b === document.activeElement || b.contains(document.activeElement))?.textContent.trim() ?? null,
  }));
}

/** Presses Enter on the modal dialog's default button (focused first, as the dialog does when it opens). */
export async function pressEnterOnDialog(page, { timeout = DEFAULT_TIMEOUT } = {}) {
  const primary = page.locator(`${DIALOG} .dialog-buttons .monaco-button:not(.secondary)`).first();
  await primary.waitFor({ state: 'visible', timeout });
  await primary.focus();
  await page.keyboard.press('Enter');
}

/**
 * Clicks a button of the modal dialog (exact text or RegExp) and waits for the dialog to close
 * (`{ closes: false }` when the click is expected to bring up another dialog at once).
 */
export async function clickDialogButton(page, text, { timeout = DEFAULT_TIMEOUT, closes = true } = {}) {
  const d = page.locator(DIALOG);
  await d.waitFor({ state: 'visible', timeout });
  const button = d.locator('.dialog-buttons .monaco-button').filter({ hasText: matcher(text) }).first();
  try {
    await button.waitFor({ state: 'visible', timeout: 5000 });
  } catch (err) {
    const buttons = await d.locator('.dialog-buttons .monaco-button').allTextContents().catch(() => []);
    throw new Error(`no dialog button ${matcher(text)}; buttons: ${JSON.stringify(buttons)}`, { cause: err });
  }
  await button.click();
  if (closes) await d.waitFor({ state: 'hidden', timeout });
}

// ------------------------------------------------------------------------------------- status bar

/** Waits for a status bar item whose text matches; returns its text. */
export async function statusBarText(page, text, { timeout = DEFAULT_TIMEOUT } = {}) {
  const re = text instanceof RegExp ? text : new RegExp(escapeRe(text));
  const item = page.locator('.part.statusbar .statusbar-item').filter({ hasText: re }).first();
  try {
    await item.waitFor({ state: 'visible', timeout });
  } catch (err) {
    const all = await page.locator('.part.statusbar .statusbar-item').allInnerTexts().catch(() => []);
    throw new Error(`no status bar item matching ${re} within ${timeout} ms; items: ${JSON.stringify(all.map((s) => s.trim()).filter(Boolean))}`, { cause: err });
  }
  return (await item.innerText()).trim();
}

// ---------------------------------------------------------------------------------------- editors

/**
 * Title of the active editor tab. VS Code 1.139 splits a file's name into a name and an extension
 * (`.label-name` "notes", `.label-suffix` ".md"); 1.100 has the whole name in `.label-name`.
 */
export async function activeEditorTitle(page, { timeout = DEFAULT_TIMEOUT } = {}) {
  const tab = page.locator('.tabs-container .tab.active').first();
  await tab.locator('.label-name').first().waitFor({ state: 'visible', timeout });
  const [name, suffix] = await Promise.all([
    tab.locator('.label-name').first().textContent(),
    tab.locator('.label-suffix').allTextContents(),
  ]);
  return `${name.trim()}${suffix.join('').trim()}`;
}

/** Titles of every editor tab, in every editor group: [[group 1's tabs], [group 2's tabs], …]. */
export async function editorTabs(page) {
  return page.locator('.editor-group-container').evaluateAll((groups) => groups.map((g) => [...g.querySelectorAll('.tabs-container .tab')].map((t) => {
    const name = t.querySelector('.label-name')?.textContent ?? '';
    const suffix = [...t.querySelectorAll('.label-suffix')].map((s) => s.textContent).join('');
    return `${name.trim()}${suffix.trim()}`;
  })));
}

/** Waits until the active editor tab's title matches. */
export async function waitForActiveEditor(page, text, { timeout = DEFAULT_TIMEOUT } = {}) {
  const re = matcher(text);
  return poll(async () => {
    const t = await activeEditorTitle(page, { timeout: 1000 });
    return re.test(t) ? t : null;
  }, { timeout, what: `active editor ${re}` });
}

/** Text of the visible lines of the active editor (monaco renders only what is on screen). */
export async function activeEditorText(page, { timeout = DEFAULT_TIMEOUT } = {}) {
  const lines = page.locator('.editor-group-container.active .editor-instance .view-lines').first();
  await lines.waitFor({ state: 'visible', timeout });
  const rows = await lines.locator('.view-line').evaluateAll((els) => els
    .map((e) => ({ top: parseFloat(e.style.top) || 0, text: e.textContent.replace(/\u00a0/g, ' ') }))
    .sort((a, b) => a.top - b.top).map((l) => l.text));
  return rows.join('\n');
}

export { sleep, poll };
