// The off-site commands: set up a destination, its credentials, check the passphrase, copy now,
// verify a copy, restore from off-site (each destination's copies, newest first; the next
// destination when one fails), cancel an upload.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BackupEntry, CancelledError, describeError, fmtBytes, InUseError, RestorePreflight } from '../core';
import { Destination, describeDestination } from '../core/offsite/config';
import type { OffsiteRequest } from '../core/offsite/engineOps';
import { Ctx, requireTrust, resolveDatabase } from '../commands/context';
import { askInUse, CompareDocuments, confirmer, offerUndo } from '../commands/restore';
import { ago, M } from '../messages';
import { BackupNode } from '../views/databasesTree';
import { MO } from './messages';
import { dbKeyOf, OffsiteService } from './offsiteService';
import { editorWording } from './offsiteState';

/** Asks for the passphrase in a password input box; twice when it is a new one. Null: dismissed. */
export async function askPassphrase(r: OffsiteRequest): Promise<string | null> {
  const title = MO.passphraseTitle(r.destination);
  const first = await vscode.window.showInputBox({
    title, prompt: r.purpose === 'new' ? MO.passphraseNew : MO.passphraseOpen, password: true, ignoreFocusOut: true,
    validateInput: (v) => (r.purpose === 'new' && v.length < 8 ? MO.passphraseShort : undefined),
  });
  if (!first) return null;
  if (r.purpose === 'new') {
    const again = await vscode.window.showInputBox({
      title, prompt: MO.passphraseAgain, password: true, ignoreFocusOut: true, validateInput: (v) => (v === first ? undefined : MO.passphraseDiffer),
    });
    if (again !== first) return null;
  }
  return first;
}

async function noDestinations(): Promise<undefined> {
  const c = await vscode.window.showInformationMessage(MO.noDestinations, MO.openSettings);
  if (c) await vscode.commands.executeCommand('workbench.action.openSettings', 'lifeboat.offsite.destinations');
  return undefined;
}

/** A destination by name (a command's argument), the only one, or one chosen in a QuickPick. */
async function pickDestination(off: OffsiteService, arg: unknown, placeHolder: string, filter: (d: Destination) => boolean = () => true, none?: string): Promise<Destination | undefined> {
  const all = off.destinations();
  if (!all.length) return noDestinations();
  if (typeof arg === 'string' && arg) {
    const d = all.find((x) => x.name === arg);
    if (!d) void vscode.window.showErrorMessage(`Lifeboat: no off-site destination named "${arg}" (known: ${all.map((x) => x.name).join(', ')})`);
    return d;
  }
  const dests = all.filter(filter);
  if (!dests.length) {
    void vscode.window.showInformationMessage(none ?? MO.noDestinations);
    return undefined;
  }
  if (dests.length === 1) return dests[0];
  const pick = await vscode.window.showQuickPick(dests.map((d) => ({ label: d.name, description: describeDestination(d), d })), { placeHolder });
  return pick?.d;
}

/** Shows the error of an operation as one line (in the editor's words) with Show Log, and what helps for S3 credentials. */
async function report(ctx: Ctx, what: string, e: unknown, d?: Destination): Promise<void> {
  if (e instanceof CancelledError) {
    void vscode.window.showInformationMessage(M.cancelled(what));
    return;
  }
  const creds = d?.type === 's3' && (e as { kind?: string }).kind === 'auth';
  const c = await vscode.window.showErrorMessage(M.failed(what, editorWording(describeError(e))), ...(creds ? [MO.setCredentials] : []), M.showLog);
  if (c === MO.setCredentials) await vscode.commands.executeCommand('lifeboat.setOffsiteCredentials', d!.name);
  if (c === M.showLog) ctx.log.show();
}

export async function setUpCommand(ctx: Ctx, off: OffsiteService, arg?: unknown, createBucket = false): Promise<boolean> {
  const d = await pickDestination(off, arg, MO.pickDestinationToSetUp);
  if (!d) return false;
  try {
    const r = await off.init(d, askPassphrase, { createBucket });
    void vscode.window.showInformationMessage(MO.ready(d.name, r.recipient, r.identity));
    return true;
  } catch (e) {
    if (d.type === 's3' && (e as { kind?: string }).kind === 'bucket' && !createBucket) {
      const c = await vscode.window.showErrorMessage(M.failed(`Setting up "${d.name}"`, editorWording(describeError(e))), MO.createBucket, M.showLog);
      if (c === MO.createBucket) return setUpCommand(ctx, off, d.name, true);
      if (c === M.showLog) ctx.log.show();
      return false;
    }
    void report(ctx, `Setting up "${d.name}"`, e, d);
    return false;
  }
}

export async function setCredentialsCommand(off: OffsiteService, arg?: unknown): Promise<boolean> {
  const d = await pickDestination(off, arg, MO.pickS3Destination, (x) => x.type === 's3', MO.noS3Destinations);
  if (!d) return false;
  const accessKeyId = (await vscode.window.showInputBox({ prompt: MO.accessKeyPrompt(d.name), ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'Required') }))?.trim();
  if (!accessKeyId) return false;
  const secretAccessKey = await vscode.window.showInputBox({ prompt: MO.secretKeyPrompt(d.name), password: true, ignoreFocusOut: true, validateInput: (v) => (v ? undefined : 'Required') });
  if (!secretAccessKey) return false;
  await off.setCredentials(d.name, { accessKeyId, secretAccessKey });
  void vscode.window.showInformationMessage(MO.credentialsSaved(d.name));
  return true;
}

export async function clearCredentialsCommand(off: OffsiteService, arg?: unknown): Promise<boolean> {
  const d = await pickDestination(off, arg, MO.pickS3Destination, (x) => x.type === 's3', MO.noS3Destinations);
  if (!d) return false;
  await off.clearCredentials(d.name);
  void vscode.window.showInformationMessage(MO.credentialsCleared(d.name));
  return true;
}

export async function checkPassphraseCommand(ctx: Ctx, off: OffsiteService, arg?: unknown): Promise<boolean> {
  const d = await pickDestination(off, arg, MO.pickDestination, (x) => x.encryption === 'age', MO.noEncrypted);
  if (!d) return false;
  try {
    const r = await off.checkPassphrase(d, askPassphrase);
    void vscode.window.showInformationMessage(MO.passphraseOk(r.destination, r.recipient, r.matchesLocal));
    return true;
  } catch (e) {
    void report(ctx, `Checking the passphrase of "${d.name}"`, e, d);
    return false;
  }
}

/** "Copy to Off-site Now": a backup row's backup, or a database's newest verified one; the policy interval is ignored. */
export async function uploadNowCommand(ctx: Ctx, off: OffsiteService, arg?: unknown): Promise<boolean> {
  const dests = off.destinations();
  if (!dests.length) return !!(await noDestinations());
  let db: string | undefined;
  let entry: BackupEntry | undefined;
  if (arg instanceof BackupNode) {
    db = arg.db.path;
    entry = arg.entry;
  } else {
    db = await resolveDatabase(ctx, arg);
    if (!db) return false;
    entry = (await ctx.service.list(db)).find((b) => b.verified && b.manifest);
  }
  if (!entry?.manifest) {
    void vscode.window.showInformationMessage(MO.noBackupToUpload(path.basename(db)));
    return false;
  }
  const reports = await off.upload(db, { file: entry.file, manifest: entry.manifest }, dests, { place: 'notification', force: true, explicit: true });
  return reports.every((r) => r.status !== 'failed');
}

export function cancelUploadCommand(off: OffsiteService): boolean {
  const any = off.cancelUploads();
  if (!any) void vscode.window.showInformationMessage(MO.nothingToCancel);
  return any;
}

interface CopyPick extends vscode.QuickPickItem {
  destination?: Destination;
  dbKey?: string;
  name?: string;
}

/**
 * Lists each destination's copies of `dbPath` (one listing per destination) in a QuickPick:
 * a section per destination, newest first; a destination that cannot be listed says why. When no
 * destination has copies under this database's own folder, copies of same-named databases from
 * other paths are offered (a new machine, a moved project).
 */
async function pickRemoteCopy(ctx: Ctx, off: OffsiteService, dbPath: string, placeHolder: string): Promise<CopyPick | undefined> {
  const dests = off.destinations();
  const name = path.basename(dbPath);
  const key = dbKeyOf(dbPath, (await ctx.service.list(dbPath)).find((b) => b.manifest)?.manifest);
  const stem = key.replace(/-[0-9a-f]{8}$/, '');
  const listings = await ctx.service.withProgress(MO.listing(name), 'window', async () => {
    await off.list(dests);
    return off.catalogsNow();
  });
  const items: CopyPick[] = [];
  const own = dests.some((d) => listings.get(d.name)?.byDb.get(key)?.size);
  for (const d of dests) {
    const cat = listings.get(d.name);
    items.push({ label: d.name, kind: vscode.QuickPickItemKind.Separator });
    if (!cat || cat.error) {
      items.push({ label: `$(error) ${d.name} ${MO.notListed}`, detail: cat?.error ?? '' });
      continue;
    }
    const keys = own ? [key] : [...cat.byDb.keys()].filter((k) => k.replace(/-[0-9a-f]{8}$/, '') === stem).sort();
    const copies = keys.flatMap((k) => [...(cat.byDb.get(k)?.values() ?? [])].filter((c) => c.committed).map((c) => ({ k, c })))
      .sort((a, b) => b.c.createdAt.getTime() - a.c.createdAt.getTime());
    if (!copies.length) items.push({ label: `$(circle-slash) ${MO.noCopiesHere(name)}` });
    for (const { k, c } of copies) {
      const bits = [ago(c.createdAt), `${fmtBytes(c.storedBytes)} stored`, c.codec ?? '', c.encrypted ? 'encrypted' : 'unencrypted', c.pinned ? 'pinned' : '', k === key ? '' : MO.otherPath(k)];
      items.push({ label: `$(cloud) ${c.createdAt.toLocaleString()}`, description: bits.filter(Boolean).join(' · '), detail: c.name, destination: d, dbKey: k, name: c.name });
    }
  }
  if (!items.some((i) => i.name)) {
    const failed = items.find((i) => i.detail && !i.name);
    if (failed) void vscode.window.showErrorMessage(`Lifeboat: ${failed.detail}`, M.showLog).then((c) => { if (c) ctx.log.show(); });
    else void vscode.window.showInformationMessage(MO.noCopies(name));
    return undefined;
  }
  for (;;) {
    const pick = await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true, matchOnDetail: true });
    if (!pick || pick.name) return pick;
    // a destination that could not be listed, or holds nothing: say so, and ask again
    if (pick.detail) void vscode.window.showErrorMessage(`Lifeboat: ${pick.detail}`);
  }
}

/** The restore modal of local restores, with where the copy came from among its notes. */
function offsiteConfirmer(ctx: Ctx, docs: CompareDocuments, off: OffsiteService, from: () => string | undefined) {
  const ask = confirmer(ctx, docs, undefined);
  return (p: RestorePreflight) => {
    const d = off.destinations().find((x) => x.name === from());
    return ask({ ...p, warnings: [...p.warnings, MO.downloadedFrom(d ? describeDestination(d) : `destination "${from() ?? '?'}"`)] });
  };
}

export async function restoreFromOffsiteCommand(ctx: Ctx, off: OffsiteService, docs: CompareDocuments, arg?: unknown): Promise<boolean> {
  if (!requireTrust()) return false;
  if (!off.destinations().length) return !!(await noDestinations());
  const db = await resolveDatabase(ctx, arg);
  if (!db) return false;
  const pick = await pickRemoteCopy(ctx, off, db, MO.pickCopy(path.basename(db)));
  if (!pick?.destination) return false;
  // the chosen destination first, then every other that lists the same copy
  const others = off.destinations().filter((d) => d.name !== pick.destination!.name && off.catalogsNow().get(d.name)?.byDb.get(pick.dbKey!)?.get(pick.name!)?.committed);
  return runRestore(ctx, off, docs, db, [pick.destination, ...others], pick.dbKey!, pick.name!, {});
}

async function runRestore(ctx: Ctx, off: OffsiteService, docs: CompareDocuments, db: string, dests: Destination[], dbKey: string, copy: string, how: { force?: boolean; method?: 'swap' | 'online' }): Promise<boolean> {
  let from: string | undefined;
  try {
    const r = await off.restore(db, dests, { dbKey, copy, ...how }, offsiteConfirmer(ctx, docs, off, () => from), askPassphrase, (n) => { from = n; });
    for (const f of r.failures) void vscode.window.showWarningMessage(MO.fellBack(f.destination, f.reason));
    const d = dests.find((x) => x.name === r.destination);
    offerUndo(ctx, docs, db, r, MO.restored(path.basename(db), r.copy, d ? describeDestination(d) : r.destination));
    return true;
  } catch (e) {
    if ((e as Error).name === 'NotConfirmedError') return false;
    if (e instanceof InUseError && !how.force && how.method !== 'online') {
      const next = await askInUse(db, e);
      return next ? runRestore(ctx, off, docs, db, dests, dbKey, copy, next) : false;
    }
    void report(ctx, `Restore of ${path.basename(db)} from off-site`, e, dests[0]);
    return false;
  }
}

/** Verify Off-site Copy: a backup row's copy at every destination that has it, or a copy chosen from the listings. */
export async function verifyOffsiteCommand(ctx: Ctx, off: OffsiteService, arg?: unknown): Promise<boolean | undefined> {
  if (!off.destinations().length) return noDestinations();
  let targets: { d: Destination; dbKey: string; name: string }[];
  if (arg instanceof BackupNode && arg.entry.manifest) {
    const dbKey = dbKeyOf(arg.db.path, arg.entry.manifest);
    const name = arg.entry.manifest.file;
    const states = off.statesOf(arg.db.path, arg.entry);
    targets = off.destinations().filter((d) => states.find((s) => s.destination === d.name)?.kind === 'copied').map((d) => ({ d, dbKey, name }));
    if (!targets.length) {
      void vscode.window.showInformationMessage(MO.notCopied(name));
      return undefined;
    }
  } else {
    const db = await resolveDatabase(ctx, arg);
    if (!db) return undefined;
    const pick = await pickRemoteCopy(ctx, off, db, MO.pickCopyToVerify(path.basename(db)));
    if (!pick?.destination) return undefined;
    targets = [{ d: pick.destination, dbKey: pick.dbKey!, name: pick.name! }];
  }
  let allOk = true;
  for (const t of targets) {
    try {
      const [r] = await off.verify(t.d, t.dbKey, t.name, askPassphrase);
      if (r?.ok) void vscode.window.showInformationMessage(MO.verifyOk(t.name, t.d.name));
      else {
        allOk = false;
        void vscode.window.showErrorMessage(MO.verifyBad(t.name, t.d.name, r?.reason ?? 'the copy is not listed as committed'), M.showLog).then((c) => { if (c) ctx.log.show(); });
      }
    } catch (e) {
      allOk = false;
      void report(ctx, `Verification of ${t.name} on "${t.d.name}"`, e, t.d);
    }
  }
  return allOk;
}

/** The command handlers, for extension.ts's table. */
export function offsiteCommands(ctx: Ctx, off: OffsiteService, docs: CompareDocuments): Record<string, (...args: unknown[]) => unknown> {
  return {
    'lifeboat.setUpOffsite': (a) => setUpCommand(ctx, off, a),
    'lifeboat.setOffsiteCredentials': (a) => setCredentialsCommand(off, a),
    'lifeboat.clearOffsiteCredentials': (a) => clearCredentialsCommand(off, a),
    'lifeboat.checkOffsitePassphrase': (a) => checkPassphraseCommand(ctx, off, a),
    'lifeboat.uploadOffsite': (a) => uploadNowCommand(ctx, off, a),
    'lifeboat.cancelOffsiteUpload': () => cancelUploadCommand(off),
    'lifeboat.restoreFromOffsite': (a) => restoreFromOffsiteCommand(ctx, off, docs, a),
    'lifeboat.verifyOffsite': (a) => verifyOffsiteCommand(ctx, off, a),
  };
}
