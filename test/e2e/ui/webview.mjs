// Helpers for the extension's webview pages in the workbench (not a test file: no .test.mjs).
// A webview is two nested iframes (VS Code's host frame, then the page); the page's frame is
// found by the aria-label of its <main id="app">, which the extension sets per panel.
import * as driver from './driver.mjs';

/** The frame of the webview page whose main#app aria-label matches; waits for it. */
export async function webviewFrame(page, label, { timeout = 20_000 } = {}) {
  const re = label instanceof RegExp ? label : new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
  let seen = [];
  try {
    return await driver.poll(async () => {
      seen = [];
      for (const f of page.frames()) {
        const l = await f.evaluate(() => document.querySelector('main#app')?.getAttribute('aria-label') ?? null).catch(() => null);
        if (l === null) continue;
        seen.push(l);
        if (re.test(l)) return f;
      }
      return null;
    }, { timeout, what: `a webview page labelled ${re}` });
  } catch (err) {
    throw new Error(`${err.message}; webview pages: ${JSON.stringify(seen)}`, { cause: err });
  }
}

/** The grid's rows as arrays of cell texts (header row first). */
export async function gridTexts(frame, scope = '') {
  return frame.locator(`${scope} table[role="grid"]`).first().evaluate((t) => [...t.querySelectorAll('tr')].map((r) => [...r.children].map((c) => c.textContent.trim())));
}

/** Waits until `fn(frame)` is truthy (texts in the page change asynchronously). */
export function until(fn, what, timeout = 15_000) {
  return driver.poll(fn, { timeout, what });
}

/**
 * The frame of a rendered markdown preview (VS Code's markdown extension: its page has a
 * `.markdown-body`) whose text matches; waits for it. Returns { frame, text }.
 */
export async function markdownPreview(page, text, { timeout = 20_000 } = {}) {
  const re = text instanceof RegExp ? text : new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  let seen = [];
  try {
    return await driver.poll(async () => {
      seen = [];
      for (const f of page.frames()) {
        const t = await f.evaluate(() => document.querySelector('.markdown-body')?.innerText ?? null).catch(() => null);
        if (t === null) continue;
        seen.push(t.slice(0, 120));
        if (re.test(t)) return { frame: f, text: t };
      }
      return null;
    }, { timeout, what: `a markdown preview with ${re}` });
  } catch (err) {
    throw new Error(`${err.message}; previews: ${JSON.stringify(seen)}`, { cause: err });
  }
}
