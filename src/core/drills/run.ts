// Which rehearsal a drill file asks for, and running it: a restore rehearsal (the default), or,
// for a file marked `<!-- lifeboat:rehearsal=recover-rows -->` (the destructive-query scenario),
// a recovery of deleted rows. The rule lives here so that the CLI and the editor agree.
import { RECOVERY_MARKER, RecoveryRehearsalResult, runRecoveryRehearsal } from './recovery';
import { RehearsalOptions, RehearsalResult, runRehearsal } from './rehearsal';

export type RehearsalKind = 'restore' | 'recover-rows';

export function rehearsalKind(drillText: string): RehearsalKind {
  return RECOVERY_MARKER.test(drillText) ? 'recover-rows' : 'restore';
}

export type DrillRehearsal = ({ kind: 'restore' } & RehearsalResult) | ({ kind: 'recover-rows' } & RecoveryRehearsalResult);

/** Runs the rehearsal `drillText` asks for. `table` is for recover-rows (default: its largest keyed table). */
export async function runDrillRehearsal(drillText: string, opts: RehearsalOptions & { table?: string }): Promise<DrillRehearsal> {
  if (rehearsalKind(drillText) === 'recover-rows') return { kind: 'recover-rows', ...(await runRecoveryRehearsal(opts)) };
  return { kind: 'restore', ...(await runRehearsal(opts)) };
}
