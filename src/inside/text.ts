// Every user-facing sentence of the look-inside, diff and partial-restore views (kept apart from
// src/messages.ts while that file changes under issue 11; same style: one place, plain functions).
import type { PartialMode, TableDiff } from '../core';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export const T = {
  insideTitle: (name: string) => `Inside ${name}`,
  liveTitle: (name: string) => `Inside ${name} (snapshot)`,
  diffTitle: (name: string) => `${name}: backup vs live`,
  opening: (name: string) => `Opening ${name}`,
  snapshotting: (name: string) => `Taking a consistent snapshot of ${name}`,
  comparing: (name: string) => `Comparing ${name} with its backup`,
  pickTarget: (db: string) => `Look inside ${db}: the live database (from a snapshot) or one of its backups`,
  liveItem: '$(database) Live database',
  liveItemDetail: 'a consistent snapshot, read-only; the live file is never opened',
  pickBackupToCompare: (db: string) => `Select a backup of ${db} to compare with the live database`,
  pickBackupFor: (what: string, db: string) => `Select the backup of ${db} to ${what} from`,
  pickTableToRestore: (db: string) => `Table of the backup to put back in ${db} (every other table stays as it is)`,
  pickTablesToRecover: (db: string) => `Tables whose deleted rows to put back in ${db}`,
  noRowsMissing: (db: string) => `Every row of the backup is still in ${db}: there are no deleted rows to recover.`,
  pickRecoverMode: 'Some of these rows were also changed since the backup',
  onlyDeleted: (n: number) => `Only the deleted rows (${n})`,
  deletedAndChanged: (d: number, c: number) => `The deleted rows (${d}) and the changed rows as they were in the backup (${c})`,
  tableItemDetail: (t: TableDiff) => diffLine(t),

  modeTitle: (mode: PartialMode, tables: string[], db: string) => mode === 'table'
    ? `Restore ${tables.length === 1 ? `table ${tables[0]}` : plural(tables.length, 'table')} of ${db} from the backup?`
    : `Recover the ${mode === 'missing' ? 'deleted' : 'deleted and changed'} rows of ${tables.join(', ')} in ${db}?`,
  actionButton: (mode: PartialMode, rows: number) => mode === 'table' ? 'Restore Table' : `Recover ${plural(rows, 'Row')}`,
  showDiff: 'Show Diff',
  everyOtherTable: 'Every other table stays as it is now.',
  safetyCopy: (dir: string) => `Safety copy: the current database is copied first to ${dir}; Undo puts it back.`,
  inUse: (reasons: string[]) => `Warning: the database looks in use (${reasons.join('; ')}). Stop its application first: a partial restore refuses a database written to meanwhile.`,
  outcome: (mode: PartialMode, o: { table: string; rowsBefore: number | null; rowsAfter: number; inserted: number; replaced: number }, done: boolean) => mode === 'table'
    ? `${o.table}: ${done ? 'replaced' : 'to be replaced'} by the backup's ${plural(o.rowsAfter, 'row')} (${o.rowsBefore === null ? 'it was not in the live database' : `the live table ${done ? 'had' : 'has'} ${o.rowsBefore}`})`
    : `${o.table}: ${plural(o.inserted, 'missing row')} ${done ? 'inserted' : 'to insert'}${mode === 'missing+changed' ? `, ${plural(o.replaced, 'changed row')} ${done ? 'put back' : 'to put back'}` : ''} (${o.rowsBefore} → ${o.rowsAfter} rows)`,
  fkTitle: (db: string) => `Restoring into ${db} would break foreign keys`,
  fkAddTables: (tables: string[]) => `Include ${tables.join(', ')}`,
  fkAnyway: 'Restore Anyway',
  liveChangedTitle: (db: string) => `${db} was written to while the restore was prepared`,
  liveChangedDetail: 'Nothing was changed. Stop the application that writes to it, then try again.',
  partialDone: (mode: PartialMode, db: string, lines: string[]) => `${mode === 'table' ? 'Restored' : 'Recovered'} in ${db}: ${lines.join('; ')}. Every other table is as it was; the previous version is kept as a safety copy.`,
  undo: 'Undo',
  revealSafetyCopy: 'Reveal Safety Copy',
  undoTitle: (db: string) => `Undo the partial restore of ${db}?`,
  undoDetail: (copy: string) => `Puts back the safety copy taken just before it (${copy}): the database as it was then. Anything written since is lost; the current state is kept as a safety copy first.`,
  undoButton: 'Undo Restore',
  undone: (db: string) => `Put ${db} back as it was before the partial restore.`,

  copyTitle: (db: string) => `Write the backup of ${db} to a new file?`,
  copyDetail: (file: string, db: string) => `New file: ${file}\nThe backup is verified, then written there for you to inspect or swap in. ${db} is not touched, and no file is overwritten.`,
  copyButton: 'Write Copy',
  copyDone: (file: string, db: string) => `Wrote ${file} from the backup (verified; ${db} was not touched).`,
  lookInside: 'Look Inside',
  reveal: 'Reveal in File Explorer',
  deleteCopy: 'Delete Copy',
  deleteCopyConfirm: (file: string) => `Delete ${file}? It is the copy just written from the backup.`,
  deleteButton: 'Delete',

  viewerMissing: (viewType: string) => `lifeboat.inside.preferViewer names "${viewType}", which no installed extension provides for SQLite files: showing Lifeboat's view.`,
  compareSummaryNone: 'Backup vs live: every table has the same rows.',
  compareSummary: (lines: string[], more: number) => `Backup vs live (see the diff view):\n${lines.join('\n')}${more ? `\n… and ${more} more tables` : ''}`,
};

/** One table of a diff in a line: what happened to it since the backup. */
export function diffLine(t: TableDiff): string {
  if (t.status === 'identical') return 'same rows';
  if (t.status === 'skipped') return t.kind.from !== t.kind.to ? (t.kind.from ? 'only in the backup' : 'only in the live database') : `not compared: ${t.note ?? ''}`;
  const c = t.counts!;
  if (t.status === 'added') return `only in the live database (${plural(c.to, 'row')})`;
  if (t.status === 'removed') return `only in the backup (${plural(c.from, 'row')}): dropped since`;
  const parts = [c.deleted && `${c.deleted} deleted`, c.changed && `${c.changed} changed`, c.added && `${c.added} added`].filter(Boolean);
  return `${parts.length ? `${parts.join(', ')} since the backup` : 'same rows'}${t.schema && !t.schema.same ? '; definition changed' : ''}`;
}
