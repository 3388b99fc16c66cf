// Which rehearsal a drill file asks for, and running it: a restore rehearsal (the default), or,
// for a file marked `<!-- lifeboat:rehearsal=recover-rows -->` (the destructive-query scenario),
// a recovery of deleted rows. The rule lives here so that the CLI and the editor agree.
import { RECOVERY_MARKER, RecoveryRehearsalResult, runRecoveryRehearsal } from './recovery';
import { UsageError } from '../errors';
import { RehearsalOptions, RehearsalResult, runRehearsal } from './rehearsal';
import { defaultOperator } from './scenarios';

export type RehearsalKind = 'restore' | 'recover-rows';

export function rehearsalKind(drillText: string): RehearsalKind {
  return RECOVERY_MARKER.test(drillText) ? 'recover-rows' : 'restore';
}

/**
 * What `drill start` wrote into a drill's header: "- **Operator:** NAME" and "- **Database:** PATH".
 * Unfilled placeholders and "(choose …)" count as not given. A rehearsal records this operator and
 * rehearses this database unless the caller names others.
 */
export function drillFields(drillText: string): { operator?: string; database?: string } {
  const field = (name: string) => {
    const m = new RegExp(`^\\s*[-*]\\s+\\*\\*${name}:\\*\\*[ \\t]*\`?([^\`\\r\\n]*?)\`?[ \\t]*$`, 'm').exec(drillText);
    const v = m?.[1].trim();
    return v && !/^\{\{.*\}\}$/.test(v) && !/^\(choose\b/.test(v) ? v : undefined;
  };
  return { operator: field('Operator'), database: field('Database') };
}

export type DrillRehearsal = ({ kind: 'restore' } & RehearsalResult) | ({ kind: 'recover-rows' } & RecoveryRehearsalResult);

/** What a drill rehearsal takes: the database and operator default to the drill's own (drillFields). */
export type DrillRehearsalOptions = Omit<RehearsalOptions, 'dbPath' | 'operator'> & {
  dbPath?: string;
  operator?: string;
  /** where `git config user.name` is asked when neither the caller nor the drill names an operator */
  operatorCwd?: string;
  /** recover-rows: the table (default: its largest keyed table) */
  table?: string;
};

/** Runs the rehearsal `drillText` asks for, on its database and in its operator's name unless told otherwise. */
export async function runDrillRehearsal(drillText: string, opts: DrillRehearsalOptions): Promise<DrillRehearsal> {
  const fields = drillFields(drillText);
  const dbPath = opts.dbPath ?? fields.database;
  if (!dbPath) throw new UsageError('the drill names no database (its "**Database:**" line): give --db-path');
  const full = { ...opts, dbPath, operator: opts.operator ?? fields.operator ?? (await defaultOperator(opts.operatorCwd)) };
  if (rehearsalKind(drillText) === 'recover-rows') return { kind: 'recover-rows', ...(await runRecoveryRehearsal(full)) };
  return { kind: 'restore', ...(await runRehearsal(full)) };
}
