// Usage texts for `lifeboat --help` and `lifeboat <command> --help`.

const DBPATH = `  --db-path P        the live database (or set ConnectionStrings__DefaultConnection="Data Source=P")
  --output-dir D     backup folder (default: ~/.sqlite-lifeboat/backups/<db>-<hash>/)`;
const POLICY = `  --retain N         keep the newest N backups (default 7 when no policy is given to prune)
  --keep-daily N     keep the newest backup of each of the last N days
  --keep-weekly N    keep the newest backup of each of the last N ISO weeks
  --keep-monthly N   keep the newest backup of each of the last N months`;

export const HELP: Record<string, string> = {
  main: `lifeboat — verified SQLite backups and safe restores

Usage: lifeboat <command> [options]

Commands:
  backup    write one consistent, verified backup of a database
  verify    check that a backup is a healthy SQLite file matching its manifest
  restore   replace a database with a backup (or one table, or lost rows), after a safety copy
  diff      compare a backup with the live database or another backup, table by table
  list      list the backups of a database, newest first
  prune     delete old backups according to a retention policy
  pin       protect a backup from pruning (unpin to undo)
  drill     disaster-recovery drills: list, start, run (a timed restore rehearsal)
  offsite   off-site copies (S3-compatible buckets, folders): init, upload, list, verify, restore, prune, pin, check-passphrase

Run "lifeboat <command> --help" (or "lifeboat help <command>") for the options of a command.
Exit codes: 0 success, 1 refused or failed (one line on stderr), 2 usage error;
diff: 0 identical, 1 different, 2 usage error, 3 failed.`,
  backup: `Usage: lifeboat backup --db-path P [--output-dir D] [--retain N] [--keep-daily N] [--keep-weekly N] [--keep-monthly N] [--busy-timeout S] [--no-locks] [--offsite NAME]... [--offsite-config F] [--json]

Writes one new backup of P into D and prints one line: what was backed up, where to, its size and
how long it took (--json for scripts). When P is exactly as its newest verified backup holds it
(same file, size, time, header, WAL), no second copy is written: that backup's manifest records the
check, and the line says "unchanged since …" (--force writes a new copy anyway). The copy is consistent even while an
application writes (WAL and rollback journals are resolved as SQLite would), passes
PRAGMA integrity_check, is owner-only (0600), and gets a manifest <file>.json.
With a retention option, older backups are pruned afterwards.

${DBPATH}
${POLICY}
  --busy-timeout S   give up with "database too busy" after S seconds of a writer changing it (default 30)
  --force            write a new copy even when the database is unchanged since its newest backup
  --no-locks         never use SQLite's own locks (see "Locks" in the README)
  --offsite NAME     then upload it to this off-site destination (repeatable; see "lifeboat offsite --help");
                     exit 1 if an upload failed (the local backup is kept either way)
  --offsite-config F destinations file (default: ~/.config/sqlite-lifeboat/offsite.json, or $LIFEBOAT_CONFIG/offsite.json)
  --json             print the result as JSON`,
  verify: `Usage: lifeboat verify --backup-file F [--json]

Exits 0 only when F is a healthy SQLite database: magic bytes, PRAGMA integrity_check = ok,
and the SHA-256 in its manifest (when there is one) matches. A manifest that is invalid cannot vouch
for the file: F is then checked fully and verify exits 1 saying why.`,
  restore: `Usage: lifeboat restore --backup-file F --db-path P [--output-dir D] [--yes] [--online] [--force] [--force-other-source] [--require-table T]... [--json]
       lifeboat restore --backup-file F --db-path P --table T... [--rows missing|missing+changed] [--dry-run] [--allow-fk-violations] [--yes] [--json]
       lifeboat restore --backup-file F --db-path P --to NEW_PATH [--json]

Copies F beside P and validates that copy (magic, integrity_check, checksum, each --require-table),
makes a safety copy of P under D/pre-restore/, moves P's -wal/-shm/-journal aside into that safety
set, replaces P atomically with the validated copy (the target of a link) and verifies it; P keeps
its owner, mode and journal mode. Asks for confirmation on a terminal; without a terminal it needs
--yes. Refuses a database that looks in use, and another database's backup over a database.

With --table, only table T (repeatable; all in one transaction) changes, every other table stays
as it is now: without --rows, T is replaced by the backup's T (definition, rows, indexes,
triggers); with --rows missing, the rows of T that are in F and missing from P (by key) are
inserted, touching no other row; missing+changed also puts back rows changed since F. The change
is built and checked on a private copy of P (foreign keys: rows that would point to missing
parents refuse it), then installed like a full restore. --dry-run stops before P is touched.
With --to, F is written, verified, to NEW_PATH (or, if NEW_PATH is a folder, to
NEW_PATH/<db>.restored-YYYY-MM-DD-HHMMSS.<ext>); P is not touched and no file is overwritten.

  --backup-file F        the backup to restore
${DBPATH}
  --require-table T      refuse unless the backup has table T (repeatable)
  --yes, -y              do not ask
  --online               restore through SQLite into the live database, while its application stays
                         connected (needs Node 22.13 or later); offered on a terminal when it is in use
  --force                restore although the database looks in use (its app's later writes are lost)
  --force-other-source   restore a backup that was made from another database
  --busy-timeout S       for the safety copy: see "lifeboat backup --help"
  --no-locks             never use SQLite's own locks (in-use detection falls back to the companion files)
  --table T              restore only table T (repeatable)
  --rows MODE            with --table: missing (insert lost rows) or missing+changed
  --dry-run              with --table: check and report, change nothing
  --allow-fk-violations  with --table: restore even if rows would point to missing parents
  --to NEW_PATH          write the backup to a new file instead
  --json                 print the result as JSON`,
  diff: `Usage: lifeboat diff --backup-file F --db-path P [--table T]... [--limit N] [--json]
       lifeboat diff --backup-file F --backup-file G [--table T]... [--limit N] [--json]

Compares backup F with the live database P (read through a consistent snapshot, never written)
or with a second backup G, table by table: schema changes, then rows deleted, changed and added,
matched by rowid (the declared key of a WITHOUT ROWID table; by content when the two sides share
no key). Views and virtual tables are listed as skipped. Reads from disk in bounded memory.
Exit codes: 0 identical, 1 different, 2 usage error, 3 could not compare (one line on stderr).

  --backup-file F    the backup (give it twice to compare two backups)
  --db-path P        the live database (or set ConnectionStrings__DefaultConnection="Data Source=P")
  --table T          compare only table T (repeatable)
  --limit N          differing rows to list per table (default 20; 0: counts only)
  --json             print the whole result as JSON`,
  list: `Usage: lifeboat list --db-path P [--output-dir D] [--json]

Lists the backups of P, newest first: time (UTC), size, verification state, path.

${DBPATH}
  --json             print an array of { file, createdAt, sizeBytes, verified, problem, sha256, pinned,
                     hasManifest, manifestState, ownership, sourcePath }

Only P's own backups: those whose manifest names P (or P's file under an earlier path).`,
  prune: `Usage: lifeboat prune --db-path P [--output-dir D] [--retain N] [--keep-daily N] [--keep-weekly N] [--keep-monthly N] [--dry-run] [--json]

Deletes backups (and their manifests) that the retention policy does not keep. Never deletes
the newest verified backup, a pinned one, or any file without this tool's name and manifest.

${DBPATH}
${POLICY}
  --dry-run          only print what would be deleted
  --json             print the plan as JSON`,
  pin: `Usage: lifeboat pin --backup-file F [--json]

Marks F as pinned in its manifest: prune never deletes it.`,
  drill: `Usage: lifeboat drill list [--drills-dir D] [--json]
       lifeboat drill start --scenario ID [--drills-dir D] [--operator NAME] [--db-path P] [--json]
       lifeboat drill run --db-path P [--backup-file F] --drill FILE.md [--output-dir D] [--rto-minutes N] [--rpo-hours N] [--operator NAME] [--table T] [--json]

list   the drill scenarios (shipped ones and any *.md in the drills folder)
start  copy a scenario to D/YYYY-MM-DD-<id>.md with date and operator filled in (D: .lifeboat/drills)
run    restore the backup (default: the newest verified) into a scratch copy, never the live
       database; time it, run integrity_check, compare row counts with the live database, append
       the evidence row to FILE.md and tick the checklist items it performed. Pass needs
       integrity ok, duration within the RTO (default 30 min) and backup age within the RPO
       (default 24 h); differing row counts are listed in Notes. Exit 0 on Pass, 1 on Fail.
       A drill marked for it (the destructive-query scenario) rehearses a recovery instead:
       DELETE FROM T (--table; default its largest table) on a scratch copy, Recover deleted rows
       from the backup, and record rows lost, rows recovered and whether every other table is
       untouched. Pass also needs every row of the backup's T back and the other tables unchanged.`,
  offsite: `Usage: lifeboat offsite <subcommand> [--offsite NAME]... [--offsite-config F] [--json] [options]

  init              set a destination up: create (or adopt) the age identity, upload it wrapped with
                    the passphrase, write LIFEBOAT-REMOTE.json [--create-bucket]
  upload            upload the newest verified backup of --db-path P (or --backup-file F), and
                    whatever earlier runs left staged [--force: even if unchanged or within the interval]
  list              the copies: destination, database, time, stored size, committed/incomplete, pinned
                    [--db-path P | --remote-db KEY] [--details: fetch each manifest]
  verify            download, decrypt, decompress and check copies (integrity_check, SHA-256)
                    [--db-path P | --remote-db KEY] [--copy NAME] [--subset n/t | p% | all]
  restore           restore --db-path P from the newest committed copy (or --copy NAME), trying the
                    destinations in order [--remote-db KEY] [--output-dir D] [--yes] [--require-table T]...
  download          --to DIR: the backup file itself (and its manifest), checked against its SHA-256,
                    restored nowhere [--db-path P | --remote-db KEY] [--copy NAME]
  prune             apply the destination's retention [--retain N] [--keep-daily N] [--keep-weekly N]
                    [--keep-monthly N] [--dry-run]
  pin, unpin        --copy NAME (--db-path P | --remote-db KEY): a pinned copy is never pruned
  check-passphrase  check that the passphrase opens the destination's wrapped identity

Destinations are read from --offsite-config F (default ~/.config/sqlite-lifeboat/offsite.json, or
$LIFEBOAT_CONFIG/offsite.json): { "destinations": [ { "name": "r2", "type": "s3", "preset": "r2",
"accountId": "…", "bucket": "…", "prefix": "lifeboat" }, { "name": "nas", "type": "folder", "path": "/mnt/nas" } ] }.
Without --offsite, list/verify/restore/prune/check-passphrase use every destination, in file order.
Credentials come only from the environment or the AWS chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
AWS_PROFILE, ~/.aws, SSO); the passphrase from LIFEBOAT_PASSPHRASE or a prompt on a terminal. The age
identity is kept in $LIFEBOAT_CONFIG/age-identity.txt (0600).`,
  unpin: `Usage: lifeboat unpin --backup-file F [--json]

Removes the pin from F.`,
};

export function usageLine(command: string | undefined): string {
  return command && HELP[command] ? `see "lifeboat ${command} --help"` : 'see "lifeboat --help"';
}
