// Shared by the look-inside and diff pages (loaded first, with the page's nonce): the request
// channel to the extension, a DOM builder that only ever sets text (no HTML from data), how a
// SQLite value is shown, and an accessible data grid (ARIA grid pattern: one tab stop, arrow,
// Home/End and Page keys, sortable column headers).
// @ts-check
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  let nextId = 1;
  const pending = new Map();
  const listeners = new Map();

  window.addEventListener('message', (e) => {
    const m = e.data;
    if (!m || typeof m !== 'object') return;
    if (typeof m.id === 'number' && pending.has(m.id)) {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error !== undefined) p.reject(Object.assign(new Error(m.error), { cancelled: !!m.cancelled }));
      else p.resolve(m.result);
    } else if (typeof m.event === 'string') {
      for (const fn of listeners.get(m.event) || []) fn(m.data);
    }
  });

  /** Asks the extension; resolves with its answer, rejects with its one-line error. */
  function rpc(method, params) {
    return new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      vscode.postMessage({ id, method, params: params || {} });
    });
  }

  function on(event, fn) {
    if (!listeners.has(event)) listeners.set(event, []);
    listeners.get(event).push(fn);
  }

  /**
   * el('button', { class: 'x', 'aria-label': '…', onclick: fn }, 'text', child…): attributes are
   * set as attributes (never innerHTML), functions as listeners, strings as text nodes.
   */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (typeof v === 'function') e.addEventListener(k.replace(/^on/, ''), v);
      else if (k === 'text') e.textContent = String(v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      e.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return e;
  }

  const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

  /** How a value (see SqlValue in src/core/inside/values.ts) is shown: text, a class, a tooltip. */
  function cell(v) {
    if (v === null || v === undefined) return { text: 'NULL', cls: 'null', title: 'NULL' };
    if (v.type === 'integer' || v.type === 'real') return { text: v.value, cls: 'num', title: `${v.type} ${v.value}` };
    if (v.type === 'blob') {
      const shown = v.hex.length > 64 ? `${v.hex.slice(0, 64)}…` : v.hex;
      return { text: `x'${shown}'${v.truncated || v.hex.length > 64 ? '…' : ''}`, cls: 'blob', title: `BLOB, ${v.size} bytes` };
    }
    const oneLine = v.value.replace(/\r\n|\r|\n/g, '↵').replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
    const cut = oneLine.length > 200;
    return {
      text: `${cut ? oneLine.slice(0, 200) : oneLine}${cut || v.truncated ? '…' : ''}`,
      cls: 'text',
      title: v.truncated || cut ? `text, ${v.size} bytes (shown in part)` : `text, ${v.size} bytes`,
    };
  }

  /**
   * A data grid. `render({ columns, rows, firstRowIndex })`: columns are { name, sort?:
   * 'ascending'|'descending'|'none', sortable? }, rows are arrays of cells { text, cls?, title?,
   * label? }. Options: label, onSort(columnIndex), onPage(+1|-1).
   */
  class Grid {
    constructor(host, opts) {
      this.host = host;
      this.opts = opts;
      this.r = 1;
      this.c = 0;
      this.table = el('table', { role: 'grid', 'aria-label': opts.label, class: 'grid' });
      this.table.addEventListener('keydown', (e) => this.key(e));
      this.table.addEventListener('click', (e) => {
        const t = /** @type {HTMLElement} */ (e.target).closest('[data-r]');
        if (t) this.focus(Number(t.getAttribute('data-r')), Number(t.getAttribute('data-c')), false);
      });
      host.append(this.table);
    }

    setLabel(label) {
      this.table.setAttribute('aria-label', label);
    }

    render({ columns, rows, firstRowIndex = 1, totalRows }) {
      const hadFocus = this.table.contains(document.activeElement);
      this.columns = columns;
      this.rows = rows;
      this.table.replaceChildren();
      this.table.setAttribute('aria-colcount', String(columns.length));
      if (typeof totalRows === 'number') this.table.setAttribute('aria-rowcount', String(totalRows + 1));
      else this.table.setAttribute('aria-rowcount', '-1');
      const head = el('tr', { role: 'row', 'aria-rowindex': 1 }, columns.map((col, c) => {
        const sortable = !!col.sortable && this.opts.onSort;
        const arrow = col.sort === 'ascending' ? ' ▲' : col.sort === 'descending' ? ' ▼' : '';
        const th = el('th', {
          role: 'columnheader', scope: 'col', tabindex: -1, 'data-r': 0, 'data-c': c, 'aria-colindex': c + 1,
          'aria-sort': sortable ? col.sort || 'none' : undefined, title: sortable ? `Sort by ${col.name}` : col.title,
          class: sortable ? 'sortable' : undefined,
        }, col.name, arrow ? el('span', { 'aria-hidden': 'true', class: 'arrow' }, arrow) : null);
        if (sortable) th.addEventListener('click', () => this.opts.onSort(c));
        return th;
      }));
      const body = rows.map((row, i) => el('tr', { role: 'row', 'aria-rowindex': firstRowIndex + i + 1, class: row.cls }, row.cells.map((v, c) => el('td', {
        role: 'gridcell', tabindex: -1, 'data-r': i + 1, 'data-c': c, 'aria-colindex': c + 1, class: v.cls, title: v.title,
        'aria-label': v.label,
      }, v.text))));
      this.table.append(el('thead', {}, head), el('tbody', {}, body));
      if (!rows.length) this.table.append(el('tbody', {}, el('tr', { role: 'row' }, el('td', { role: 'gridcell', colspan: Math.max(1, columns.length), class: 'muted' }, this.opts.empty || 'No rows'))));
      this.r = Math.min(this.r, rows.length);
      if (!rows.length) this.r = 0;
      this.c = Math.min(this.c, Math.max(0, columns.length - 1));
      this.focus(this.r, this.c, hadFocus);
    }

    cellAt(r, c) {
      return this.table.querySelector(`[data-r="${r}"][data-c="${c}"]`);
    }

    focus(r, c, move = true) {
      const prev = this.table.querySelector('[tabindex="0"]');
      if (prev) prev.setAttribute('tabindex', '-1');
      const target = this.cellAt(r, c) || this.cellAt(0, 0);
      if (!target) return;
      this.r = Number(target.getAttribute('data-r'));
      this.c = Number(target.getAttribute('data-c'));
      target.setAttribute('tabindex', '0');
      if (move) /** @type {HTMLElement} */ (target).focus();
    }

    /** After a new page the first data row, same column, takes the focus. */
    focusFirstRow() {
      this.r = this.rows && this.rows.length ? 1 : 0;
    }

    key(e) {
      const last = this.rows ? this.rows.length : 0;
      const lastCol = this.columns ? this.columns.length - 1 : 0;
      let { r, c } = this;
      switch (e.key) {
        case 'ArrowRight': c = Math.min(lastCol, c + 1); break;
        case 'ArrowLeft': c = Math.max(0, c - 1); break;
        case 'ArrowDown': r = Math.min(last, r + 1); break;
        case 'ArrowUp': r = Math.max(0, r - 1); break;
        case 'Home': if (e.ctrlKey) r = last ? 1 : 0; c = 0; break;
        case 'End': if (e.ctrlKey) r = last; c = lastCol; break;
        case 'PageDown': if (this.opts.onPage) { e.preventDefault(); this.opts.onPage(1); } return;
        case 'PageUp': if (this.opts.onPage) { e.preventDefault(); this.opts.onPage(-1); } return;
        case 'Enter':
        case ' ':
          if (r === 0 && this.opts.onSort && this.columns[c] && this.columns[c].sortable) { e.preventDefault(); this.opts.onSort(c); }
          return;
        default: return;
      }
      e.preventDefault();
      this.focus(r, c, true);
    }
  }

  /** "3503" → "3,503" (the page's locale). */
  const num = (n) => (typeof n === 'number' ? n.toLocaleString() : '—');

  /** Shows an error in a region (role=alert) of the page. */
  function showError(region, err) {
    region.replaceChildren(el('p', { class: 'error', role: 'alert' }, err && err.message ? err.message : String(err)));
  }

  window.LB = { rpc, on, el, cell, Grid, num, showError, state: vscode };
})();
