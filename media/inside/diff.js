// The diff page: a backup against the live database, table by table. For each table that differs:
// its schema changes, then its counts (deleted / changed / added since the backup), then the
// differing rows in key order, more on request; and the partial restores that fit it.
// @ts-check
(function () {
  'use strict';
  const { rpc, on, el, cell, Grid, num, showError } = /** @type {any} */ (window).LB;
  const app = /** @type {HTMLElement} */ (document.getElementById('app'));
  const KIND_WORD = { deleted: 'deleted', added: 'added', changed: 'changed' };
  const KIND_HINT = { deleted: 'in the backup, gone from the live database', added: 'added to the live database since the backup', changed: 'changed since the backup' };
  let errors;

  async function act(action, table) {
    try {
      await rpc('action', { action, table });
    } catch (e) {
      showError(errors, e);
    }
  }

  /** The columns a table's rows are shown in: the live side's, or the backup's for a dropped table. */
  function shownColumns(t) {
    return t.columns.to.length ? t.columns.to : t.columns.from;
  }

  /** One differing row as grid cells: its kind, then each shown column (a changed value as old → new). */
  function rowCells(t, r) {
    const cols = shownColumns(t);
    const fromIndex = (name) => {
      if (!t.columns.to.length) return t.columns.from.indexOf(name);
      const pair = t.columns.compared.find((p) => p.to === name);
      return pair ? t.columns.from.indexOf(pair.from) : -1;
    };
    const changed = new Set(r.changed || []);
    const cells = cols.map((name, i) => {
      if (r.kind === 'added') return cell(r.to[i]);
      if (r.kind === 'deleted') {
        const fi = fromIndex(name);
        return fi < 0 ? { text: '', cls: 'muted', title: 'not in the backup' } : cell(r.from[fi]);
      }
      const to = cell(t.columns.to.length ? r.to[i] : r.from[i]);
      if (!changed.has(name)) return to;
      const fi = fromIndex(name);
      const was = fi < 0 ? { text: '' } : cell(r.from[fi]);
      return { text: `${was.text} → ${to.text}`, cls: 'changed', title: `was ${was.text} in the backup, now ${to.text}`, label: `${name}: was ${was.text}, now ${to.text}` };
    });
    return { cls: `row-${r.kind}`, cells: [{ text: KIND_WORD[r.kind], cls: `kind ${r.kind}`, title: KIND_HINT[r.kind] }, ...cells] };
  }

  function keyText(t) {
    if (!t.key) return '';
    if (t.key.kind === 'content') return 'compared by content (no key in common)';
    return `by ${t.key.kind === 'rowid' ? 'rowid' : 'primary key'}${t.key.columns.length ? ` ${t.key.columns.join(', ')}` : ''}`;
  }

  function tableSection(t, idx) {
    const c = t.counts;
    const id = `table-${idx}`;
    const keyed = t.key && t.key.kind !== 'content';
    const restorable = t.kind.from === 'rowid' || t.kind.from === 'without-rowid';
    const rows = t.rows.slice();
    let next = t.next;
    const total = c ? c.added + c.deleted + c.changed : 0;
    const grid = { host: el('div', { class: 'grid-wrap' }), more: null, text: el('p', { class: 'page-text', 'aria-live': 'polite' }) };
    const g = new Grid(grid.host, { label: `Rows of ${t.table} that differ`, onPage: (d) => { if (d > 0) void more(); }, empty: 'No differing rows.' });
    const render = () => {
      g.render({ columns: [{ name: 'Change' }, ...shownColumns(t).map((n) => ({ name: n }))], rows: rows.map((r) => rowCells(t, r)), totalRows: total });
      grid.text.textContent = total ? `${num(rows.length)} of ${num(total)} differing rows shown, in key order` : '';
      if (grid.more) grid.more.hidden = !next;
    };
    const more = async () => {
      if (!next) return;
      grid.more.disabled = true;
      try {
        const page = await rpc('more', { table: t.table, after: next });
        rows.push(...page.rows);
        next = page.next;
        render();
      } catch (e) {
        showError(errors, e);
      } finally {
        grid.more.disabled = false;
      }
    };
    grid.more = el('button', { class: 'secondary', onclick: more }, 'Show More Rows');
    const actions = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': `Restore ${t.table}` },
      keyed && c && c.deleted ? el('button', { 'data-action': 'recoverDeleted', onclick: () => act('recoverDeleted', t.table) }, `Recover ${num(c.deleted)} Deleted Row${c.deleted === 1 ? '' : 's'}…`) : null,
      keyed && c && c.changed ? el('button', { class: 'secondary', 'data-action': 'recoverChanged', onclick: () => act('recoverChanged', t.table) }, `Recover Deleted and Changed Rows…`) : null,
      restorable ? el('button', { class: 'secondary', 'data-action': 'restoreTable', onclick: () => act('restoreTable', t.table) }, 'Restore Table…') : null);
    const section = el('section', { class: 'diff-table', id, 'aria-labelledby': `${id}-h`, 'data-table': t.table },
      el('h2', { id: `${id}-h` }, t.table, el('span', { class: `badge status-${t.status}` }, t.status)),
      el('p', { class: 'line' }, t.line),
      c ? el('p', { class: 'counts' },
        el('span', { class: 'count deleted', 'data-count': 'deleted' }, `${num(c.deleted)} deleted`),
        el('span', { class: 'count changed', 'data-count': 'changed' }, `${num(c.changed)} changed`),
        el('span', { class: 'count added', 'data-count': 'added' }, `${num(c.added)} added`),
        el('span', { class: 'muted' }, `backup ${num(c.from)} rows · live ${num(c.to)} · ${keyText(t)}`)) : null,
      t.note ? el('p', { class: 'note' }, `Note: ${t.note}`) : null,
      t.schemaLines.length ? el('div', { class: 'schema-changes' }, el('h3', {}, 'Schema changes (backup → live)'), el('ul', {}, t.schemaLines.map((l) => el('li', {}, l)))) : null,
      actions,
      c && (t.status === 'different' || rows.length) ? [grid.text, grid.host, grid.more] : null);
    if (c) render();
    return section;
  }

  function renderResult(d) {
    const differing = d.tables.filter((t) => t.status !== 'identical');
    const same = d.tables.filter((t) => t.status === 'identical');
    errors = el('div', { class: 'errors' });
    const overview = differing.length
      ? el('table', { class: 'plain overview' }, el('caption', {}, 'Tables that differ'),
        el('thead', {}, el('tr', {}, ['Table', 'Deleted', 'Changed', 'Added', ''].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, differing.map((t, i) => el('tr', {},
          el('td', {}, el('a', { href: `#table-${i}`, onclick: (e) => { e.preventDefault(); const s = document.getElementById(`table-${i}`); s.scrollIntoView(); s.querySelector('h2').setAttribute('tabindex', '-1'); s.querySelector('h2').focus(); } }, t.table)),
          el('td', { class: 'num' }, t.counts ? num(t.counts.deleted) : ''),
          el('td', { class: 'num' }, t.counts ? num(t.counts.changed) : ''),
          el('td', { class: 'num' }, t.counts ? num(t.counts.added) : ''),
          el('td', { class: 'muted' }, t.line)))))
      : el('p', { class: 'identical', role: 'status' }, 'The live database has the same rows as the backup in every table.');
    app.replaceChildren(
      el('header', { class: 'top' },
        el('h1', {}, d.title),
        el('p', { class: 'muted' }, `Backup ${d.backupName} (${d.from}) against the live database ${d.to} (through a snapshot), compared at ${d.at} in ${num(d.durationMs)} ms. Deleted: in the backup, not in the live database; added: in the live database only.`),
        el('p', { class: 'summary', role: 'status' }, differing.length ? `${differing.length} table${differing.length === 1 ? ' differs' : 's differ'}, ${same.length} identical` : `identical: ${same.length} tables`),
        el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Actions' },
          el('button', { class: 'secondary', onclick: () => refresh() }, 'Compare Again'),
          el('button', { class: 'secondary', onclick: () => act('lookInside') }, 'Look Inside the Backup'),
          el('button', { class: 'secondary', 'data-action': 'restoreAsCopy', onclick: () => act('restoreAsCopy') }, 'Restore as Copy…'))),
      errors,
      overview,
      ...differing.map((t, i) => tableSection(t, i)),
      same.length ? el('details', { class: 'same' }, el('summary', {}, `${same.length} identical table${same.length === 1 ? '' : 's'}`), el('p', {}, same.map((t) => t.table).join(', '))) : null,
    );
    app.removeAttribute('aria-busy');
  }

  async function refresh() {
    app.setAttribute('aria-busy', 'true');
    try {
      await rpc('refresh');
    } catch (e) {
      app.removeAttribute('aria-busy');
      showError(errors, e);
    }
  }

  on('result', renderResult);
  void rpc('ready');
  rpc('init').then(renderResult, (e) => { app.removeAttribute('aria-busy'); showError(app, e); });
})();
