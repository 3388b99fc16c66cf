// Inside a backup: look (tables, schema, rows), diff (backup vs live or backup vs backup), and
// restore only what was lost (a table, deleted rows, or the whole backup as a copy).
export { openInside, openCompare, diffDatabases } from './api';
export type { CompareSession, InsideSession, TableSummary, Target } from './api';
export type { DiffKey, DiffOptions, DiffResult, RowChange, TableDiff } from './diff';
export { CONTENT_COMPARE_MAX_BYTES } from './diff';
export type { RowsPage, RowsQuery } from './rows';
export type { ColumnInfo, ForeignKeyInfo, IndexInfo, KeyInfo, TableInfo, TableKind, TriggerInfo } from './schema';
export type { SchemaChanges } from './schemadiff';
export { describeSchemaChanges } from './schemadiff';
export type { SqlValue } from './values';
export { partialRestore, describeViolations } from './partial';
export type { PartialMode, PartialPreflight, PartialRestoreOptions, PartialRestoreResult, PartialStep, TableOutcome } from './partial';
export { restoreAsCopy, restoredCopyName } from './copy';
export type { RestoreCopyOptions, RestoreCopyResult } from './copy';
export { BACKUP_SCHEMA, STAGE_SCHEMA, planRowRecovery, planTableRestore } from './plan';
export type { SqlStep, TablePlan } from './plan';
