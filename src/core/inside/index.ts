// Inside a backup: look (tables, schema, rows) and diff (backup vs live or backup vs backup),
// read-only and in bounded memory.
export { openInside, openCompare, diffDatabases } from './api';
export type { CompareSession, InsideSession, TableSummary, Target } from './api';
export type { DiffKey, DiffOptions, DiffResult, RowChange, TableDiff } from './diff';
export { CONTENT_COMPARE_MAX_BYTES } from './diff';
export type { RowsPage, RowsQuery } from './rows';
export type { ColumnInfo, ForeignKeyInfo, IndexInfo, KeyInfo, TableInfo, TableKind, TriggerInfo } from './schema';
export type { SchemaChanges } from './schemadiff';
export { describeSchemaChanges } from './schemadiff';
export type { SqlValue } from './values';
