// The look-inside page: the tables of a backup (or of a live database's snapshot) with kinds and
// row counts, and for the chosen one its rows (keyset pages from the engine, sortable by any
// column) or its schema. Read-only: the only buttons that change anything ask the extension,
// which asks the user in a modal first.
// @ts-check
(function () {
  'use strict';
  const { rpc, on, el, cell, Grid, num, showError } = /** @type {any} */ (window).LB;
  const PAGE = 100;
  const app = /** @type {HTMLElement} */ (document.getElementById('app'));
  const KIND = { rowid: 'table', 'without-rowid': 'WITHOUT ROWID', view: 'view', virtual: 'virtual table', shadow: 'shadow table' };

  const s = {
    head: null,
    tables: [],
    table: null,
    tab: 'rows',
    sort: { col: null, desc: false },
    cursors: [null], // cursors[i]: the `after` that fetches page i
    page: 0,
    rows: null,
    seq: 0, // answers to older requests are ignored
  };

  const ui = {};

  function build() {
    const actions = s.head.actions;
    const button = (label, action, opts = {}) => el('button', { class: opts.secondary ? 'secondary' : undefined, 'data-action': action, onclick: () => act(action, opts.table ? s.table : undefined), title: opts.title }, label);
    ui.status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
    ui.list = el('ul', { role: 'listbox', 'aria-labelledby': 'tables-h', class: 'tables', tabindex: 0, onkeydown: listKey, 'aria-activedescendant': '' });
    ui.tableHead = el('div', { class: 'table-head' });
    ui.tabRows = el('button', { role: 'tab', id: 'tab-rows', 'aria-controls': 'panel-rows', onclick: () => showTab('rows'), onkeydown: tabKey });
    ui.tabSchema = el('button', { role: 'tab', id: 'tab-schema', 'aria-controls': 'panel-schema', onclick: () => showTab('schema'), onkeydown: tabKey });
    ui.tabRows.textContent = 'Rows';
    ui.tabSchema.textContent = 'Schema';
    ui.prev = el('button', { class: 'secondary', onclick: () => turn(-1), 'aria-label': 'Previous page' }, '‹ Previous');
    ui.next = el('button', { class: 'secondary', onclick: () => turn(1), 'aria-label': 'Next page' }, 'Next ›');
    ui.pageText = el('span', { class: 'page-text', 'aria-live': 'polite' });
    ui.gridHost = el('div', { class: 'grid-wrap' });
    ui.grid = new Grid(ui.gridHost, { label: 'Rows', onSort: sortBy, onPage: turn, empty: 'This table has no rows.' });
    ui.rowsPanel = el('div', { role: 'tabpanel', id: 'panel-rows', 'aria-labelledby': 'tab-rows' },
      el('div', { class: 'pager' }, ui.prev, ui.pageText, ui.next), ui.gridHost);
    ui.schemaPanel = el('div', { role: 'tabpanel', id: 'panel-schema', 'aria-labelledby': 'tab-schema', tabindex: 0, hidden: true });
    ui.errors = el('div', { class: 'errors' });
    app.replaceChildren(
      el('header', { class: 'top' },
        el('h1', {}, s.head.title, el('span', { class: 'badge' }, 'read-only')),
        el('p', { class: 'muted' }, s.head.subtitle),
        el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Actions' },
          actions.includes('compare') ? button('Compare with Live', 'compare') : null,
          actions.includes('restoreAsCopy') ? button('Restore as Copy…', 'restoreAsCopy', { secondary: true }) : null,
          actions.includes('refresh') ? button('Take a New Snapshot', 'refresh', { secondary: true }) : null)),
      ui.errors,
      el('div', { class: 'body' },
        el('nav', { class: 'side', 'aria-label': 'Tables' }, el('h2', { id: 'tables-h' }, 'Tables'), ui.list),
        el('section', { class: 'content', 'aria-label': 'Table' },
          ui.tableHead,
          el('div', { role: 'tablist', 'aria-label': 'Show' }, ui.tabRows, ui.tabSchema),
          ui.rowsPanel, ui.schemaPanel)),
      ui.status,
    );
    app.removeAttribute('aria-busy');
  }

  async function act(action, table) {
    try {
      await rpc('action', { action, table });
    } catch (e) {
      showError(ui.errors, e);
    }
  }

  function renderList() {
    ui.list.replaceChildren(...s.tables.map((t, i) => el('li', {
      role: 'option', id: `t-${i}`, 'aria-selected': t.name === s.table ? 'true' : 'false', 'data-name': t.name,
      onclick: () => select(t.name),
    }, el('span', { class: 'name' }, t.name), el('span', { class: 'kind' }, KIND[t.kind] || t.kind), el('span', { class: 'count num' }, t.rows === null ? '' : num(t.rows)))));
    const at = s.tables.findIndex((t) => t.name === s.table);
    ui.list.setAttribute('aria-activedescendant', at >= 0 ? `t-${at}` : '');
    document.getElementById('tables-h').textContent = `Tables (${s.tables.length})`;
  }

  function listKey(e) {
    const at = s.tables.findIndex((t) => t.name === s.table);
    let to = at;
    if (e.key === 'ArrowDown') to = Math.min(s.tables.length - 1, at + 1);
    else if (e.key === 'ArrowUp') to = Math.max(0, at - 1);
    else if (e.key === 'Home') to = 0;
    else if (e.key === 'End') to = s.tables.length - 1;
    else return;
    e.preventDefault();
    if (to !== at && s.tables[to]) select(s.tables[to].name);
  }

  function tabKey(e) {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    e.preventDefault();
    showTab(s.tab === 'rows' ? 'schema' : 'rows');
    (s.tab === 'rows' ? ui.tabRows : ui.tabSchema).focus();
  }

  function showTab(tab) {
    s.tab = tab;
    ui.tabRows.setAttribute('aria-selected', String(tab === 'rows'));
    ui.tabSchema.setAttribute('aria-selected', String(tab === 'schema'));
    ui.tabRows.setAttribute('tabindex', tab === 'rows' ? '0' : '-1');
    ui.tabSchema.setAttribute('tabindex', tab === 'schema' ? '0' : '-1');
    ui.rowsPanel.hidden = tab !== 'rows';
    ui.schemaPanel.hidden = tab !== 'schema';
    if (tab === 'schema') loadSchema();
  }

  function current() {
    return s.tables.find((t) => t.name === s.table);
  }

  function renderTableHead() {
    const t = current();
    const restorable = t && (t.kind === 'rowid' || t.kind === 'without-rowid');
    const acts = s.head.actions;
    ui.tableHead.replaceChildren(
      el('h2', {}, t ? t.name : ''),
      t ? el('span', { class: 'badge' }, KIND[t.kind] || t.kind) : null,
      t && t.rows !== null ? el('span', { class: 'muted' }, `${num(t.rows)} rows`) : null,
      el('span', { class: 'spacer' }),
      restorable && acts.includes('recoverRows') && t.key.kind !== 'none'
        ? el('button', { class: 'secondary', 'data-action': 'recoverRows', onclick: () => act('recoverRows', t.name) }, 'Recover Deleted Rows…') : null,
      restorable && acts.includes('restoreTable') ? el('button', { class: 'secondary', 'data-action': 'restoreTable', onclick: () => act('restoreTable', t.name) }, 'Restore Table…') : null,
    );
  }

  async function select(name) {
    if (s.table === name && s.rows) return;
    s.table = name;
    s.sort = { col: null, desc: false };
    s.cursors = [null];
    s.page = 0;
    s.rows = null;
    s.schema = null;
    ui.schemaPanel.replaceChildren();
    renderList();
    renderTableHead();
    ui.grid.setLabel(`Rows of ${name}`);
    ui.grid.focusFirstRow();
    await (s.tab === 'schema' ? loadSchema() : Promise.resolve());
    await loadRows();
  }

  async function loadRows() {
    const t = current();
    if (!t) return;
    if (t.kind === 'virtual' || t.kind === 'shadow') {
      ui.grid.render({ columns: [], rows: [] });
      ui.pageText.textContent = t.kind === 'virtual' ? 'A virtual table: its rows are not read here (its content lives in its shadow tables).' : '';
      ui.prev.disabled = ui.next.disabled = true;
      return;
    }
    const seq = ++s.seq;
    ui.pageText.textContent = 'Loading…';
    ui.gridHost.setAttribute('aria-busy', 'true');
    try {
      const query = { limit: PAGE, after: s.cursors[s.page] || undefined };
      if (s.sort.col !== null) { query.orderBy = s.sort.col; query.descending = s.sort.desc; }
      const page = await rpc('rows', { table: t.name, query });
      if (seq !== s.seq) return;
      s.rows = page;
      s.cursors[s.page + 1] = page.next;
      renderRows();
    } catch (e) {
      if (seq === s.seq) { showError(ui.errors, e); ui.pageText.textContent = ''; }
    } finally {
      if (seq === s.seq) ui.gridHost.removeAttribute('aria-busy');
    }
  }

  /** The page in s.rows, and what the pager says about it. */
  function renderRows() {
    const t = current();
    const page = s.rows;
    if (!t || !page) return;
    const keyCols = t.key.kind === 'rowid' || t.key.kind === 'primary-key' ? t.key.columns : [];
    const sortOf = (c) => {
      if (page.orderBy === c || (page.orderBy === null && keyCols.length === 1 && keyCols[0] === c)) return page.descending ? 'descending' : 'ascending';
      return 'none';
    };
    ui.grid.render({
      columns: page.columns.map((c) => ({ name: c, sortable: true, sort: sortOf(c), title: keyCols.includes(c) ? 'key' : undefined })),
      rows: page.rows.map((r) => ({ cells: r.values.map(cell) })),
      firstRowIndex: s.page * PAGE + 1,
      totalRows: typeof t.rows === 'number' ? t.rows : undefined,
    });
    const first = s.page * PAGE + 1;
    const lastRow = s.page * PAGE + page.rows.length;
    const order = page.orderBy ? `, sorted by ${page.orderBy} ${page.descending ? 'descending' : 'ascending'}` : t.key.kind === 'none' || t.kind === 'view' ? ', in storage order' : ', in key order';
    ui.pageText.textContent = page.rows.length ? `Rows ${num(first)}–${num(lastRow)}${typeof t.rows === 'number' ? ` of ${num(t.rows)}` : ''}${order}` : 'No rows';
    ui.prev.disabled = s.page === 0;
    ui.next.disabled = !page.next;
  }

  function turn(dir) {
    if (dir > 0 && !(s.rows && s.rows.next)) return;
    if (dir < 0 && s.page === 0) return;
    s.page += dir;
    ui.grid.focusFirstRow();
    void loadRows();
  }

  function sortBy(c) {
    const name = s.rows.columns[c];
    s.sort = s.sort.col === name ? { col: name, desc: !s.sort.desc } : { col: name, desc: false };
    s.cursors = [null];
    s.page = 0;
    ui.grid.focusFirstRow();
    void loadRows();
  }

  function plainTable(caption, headers, rows) {
    return el('table', { class: 'plain' }, el('caption', {}, caption),
      el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows.map((r) => el('tr', {}, r.map((v) => el('td', {}, v === null || v === undefined ? '' : String(v)))))));
  }

  async function loadSchema() {
    const t = current();
    if (!t || s.schema) return;
    try {
      const info = await rpc('schema', { table: t.name });
      if (current() !== t) return;
      s.schema = info;
      const parts = [el('p', {}, info.keyText)];
      if (info.columns.length) {
        parts.push(plainTable(`Columns of ${info.name}`, ['#', 'Name', 'Type', 'Not null', 'Default', 'Primary key', 'Collation', 'Generated'],
          info.columns.map((c, i) => [i + 1, c.name, c.type || '(none)', c.notNull ? 'yes' : '', c.defaultSql, c.pk ? `#${c.pk}` : '', c.collation === 'BINARY' ? '' : c.collation, c.generated || ''])));
      }
      parts.push(info.indexes.length
        ? plainTable('Indexes', ['Name', 'Unique', 'Made by', 'Columns', 'Partial'], info.indexes.map((x) => [
          x.name, x.unique ? 'yes' : '', x.origin === 'pk' ? 'PRIMARY KEY' : x.origin === 'u' ? 'UNIQUE constraint' : 'CREATE INDEX',
          x.columns.map((c) => `${c.name === null ? '(expression)' : c.name}${c.desc ? ' DESC' : ''}${c.collation && c.collation !== 'BINARY' ? ` COLLATE ${c.collation}` : ''}`).join(', '), x.partial ? 'yes' : '']))
        : el('p', { class: 'muted' }, 'No indexes.'));
      parts.push(info.foreignKeys.length
        ? plainTable('Foreign keys', ['Columns', 'References', 'On update', 'On delete'], info.foreignKeys.map((f) => [
          f.from.join(', '), `${f.table}(${f.to.map((c) => c === null ? '(primary key)' : c).join(', ')})`, f.onUpdate, f.onDelete]))
        : el('p', { class: 'muted' }, 'No foreign keys.'));
      if (info.triggers.length) {
        parts.push(el('h3', {}, 'Triggers'));
        for (const tr of info.triggers) parts.push(el('h4', {}, tr.name), el('pre', {}, tr.sql));
      } else parts.push(el('p', { class: 'muted' }, 'No triggers.'));
      if (info.sql) parts.push(el('h3', {}, 'Definition'), el('pre', {}, info.sql));
      for (const x of info.indexes.filter((i) => i.sql)) parts.push(el('pre', {}, x.sql));
      ui.schemaPanel.replaceChildren(...parts);
    } catch (e) {
      showError(ui.errors, e);
    }
  }

  async function start() {
    try {
      s.head = await rpc('init');
      build();
      showTab('rows');
      // names and kinds at once; counts (a scan of each table) follow
      s.tables = await rpc('tables', { counts: false });
      renderList();
      ui.status.textContent = `${s.tables.length} tables; counting rows…`;
      // the first page first: counting reads every table (seconds on a multi-GB file)
      const first = s.tables.find((t) => t.kind === 'rowid' || t.kind === 'without-rowid') || s.tables[0];
      if (first) await select(first.name);
      s.tables = await rpc('tables', { counts: true });
      renderList();
      renderTableHead();
      ui.status.textContent = `${s.tables.length} tables`;
      renderRows(); // "of N" now
    } catch (e) {
      app.removeAttribute('aria-busy');
      showError(ui.errors || app, e);
    }
  }

  on('reload', () => { s.table = null; s.rows = null; void start(); });
  void rpc('ready');
  void start();
})();
