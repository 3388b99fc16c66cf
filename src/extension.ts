// VS Code entry point: wires the engine (src/core) to the editor. No engine logic here.
import * as vscode from 'vscode';
import { backupAllCommand, backupDatabaseCommand } from './commands/backup';
import { Ctx } from './commands/context';
import {
  addDatabaseCommand, copyPathCommand, deleteBackupCommand, openBackupFolderCommand, pruneCommand, removeDatabaseCommand,
  revealCommand, setPinnedCommand,
} from './commands/manage';
import { COMPARE_SCHEME, CompareDocuments, restoreDatabaseCommand, restoreLatestCommand, showBackupCommand, undoRestoreCommand } from './commands/restore';
import { verifyAllCommand, verifyBackupCommand } from './commands/verify';
import { BackupService } from './services/backupService';
import { DatabaseRegistry } from './services/registry';
import { checkBackupFolderIgnored } from './status/gitignoreCheck';
import { RpoStatus } from './status/rpoStatus';
import { Scheduler } from './status/scheduler';
import { readSettings } from './settings';
import { DatabasesTreeProvider } from './views/databasesTree';
import { DrillCodeLens, DrillStatusItem } from './drills/codeLens';
import { onTreeCheckboxes, runRehearsalCommand, startDrillCommand, toggleCheckboxCommand } from './drills/drillCommands';
import { DrillFiles } from './drills/drillFiles';
import { DrillsTreeProvider } from './drills/drillsTree';
import { listScenarios, startDrill } from './core/drills';
import { EngineHost } from './core/engineHost';
import { registerInside } from './inside';
import { offsiteCommands } from './offsite/offsiteCommands';
import { OffsiteService } from './offsite/offsiteService';
import { OffsiteStatus } from './offsite/offsiteStatus';

export interface LifeboatApi {
  ctx: Ctx;
  engine: EngineHost;
  drills: { files: DrillFiles; tree: DrillsTreeProvider; startDrill: typeof startDrill; listScenarios: typeof listScenarios };
  scheduler: Scheduler;
  status: RpoStatus;
  offsite: { service: OffsiteService; status: OffsiteStatus };
  /** Lifeboat's start (scan, watchers, schedule, status); reading it starts Lifeboat if it has not started */
  readonly ready: Promise<void>;
  /** what started Lifeboat ('schedule', 'view', 'command', 'api'…), undefined while it has not */
  readonly startedBy: string | undefined;
  /** time spent in activate() (ms of extension-host time) */
  activateMs: number;
}

export function activate(context: vscode.ExtensionContext): LifeboatApi {
  const t0 = performance.now();
  const log = vscode.window.createOutputChannel('Lifeboat', { log: true });
  // Every read of a live database happens in this child process, never in the extension host.
  const engine = new EngineHost({ log: (line) => log.warn(`engine: ${line}`) });
  const registry = new DatabaseRegistry(context.workspaceState, log, engine);
  const service = new BackupService(context.workspaceState, log, engine);
  // off-site copies: destinations, uploads after every backup, listings, in an engine child of their own
  const offsite = new OffsiteService(context, log, service);
  const tree = new DatabasesTreeProvider(registry, service, offsite);
  const docs = new CompareDocuments();
  const status = new RpoStatus(registry, service);
  const offsiteStatus = new OffsiteStatus(registry, service, offsite);
  const scheduler = new Scheduler(registry, service, log);
  const ctx: Ctx = { registry, service, tree, log, extension: context };
  const view = vscode.window.createTreeView('lifeboat.databases', { treeDataProvider: tree, showCollapseAll: true });
  status.attach(view); // the activity-bar badge
  tree.watchVisibility(() => view.visible);
  context.subscriptions.push(log, engine, registry, service, tree, status, scheduler, view,
    vscode.workspace.registerTextDocumentContentProvider(COMPARE_SCHEME, docs),
    offsite, offsiteStatus, service.onDidBackUp((b) => offsite.afterBackup(b.dbPath, b.result, b.place)));

  const drillFiles = new DrillFiles();
  const drillTree = new DrillsTreeProvider(drillFiles, () => readSettings().drillIntervalDays);
  const drillView = vscode.window.createTreeView('lifeboat.drills', { treeDataProvider: drillTree, manageCheckboxStateManually: true });
  context.subscriptions.push(drillFiles, drillTree, drillView, new DrillStatusItem(drillFiles),
    drillView.onDidChangeCheckboxState((e) => void onTreeCheckboxes(e)),
    vscode.languages.registerCodeLensProvider({ language: 'markdown', scheme: 'file' }, new DrillCodeLens(drillFiles)));

  const commands: Record<string, (...args: unknown[]) => unknown> = {
    'lifeboat.backupDatabase': (a) => backupDatabaseCommand(ctx, a),
    'lifeboat.backupAll': () => backupAllCommand(ctx),
    // the same commands under the titles the explorer and editor menus use
    'lifeboat.backupFile': (a) => backupDatabaseCommand(ctx, a),
    'lifeboat.restoreFile': (a) => restoreDatabaseCommand(ctx, docs, a),
    'lifeboat.restoreDatabase': (a) => restoreDatabaseCommand(ctx, docs, a),
    'lifeboat.restoreLatest': (a) => restoreLatestCommand(ctx, docs, a),
    'lifeboat.verifyBackup': (a) => verifyBackupCommand(ctx, a),
    'lifeboat.verifyAll': () => verifyAllCommand(ctx),
    'lifeboat.pruneBackups': (a) => pruneCommand(ctx, a),
    'lifeboat.openBackupFolder': (a) => openBackupFolderCommand(ctx, a),
    'lifeboat.showLog': () => log.show(),
    'lifeboat.addDatabase': (a) => addDatabaseCommand(ctx, a),
    'lifeboat.removeDatabase': (a) => removeDatabaseCommand(ctx, a),
    'lifeboat.refresh': () => { service.invalidate(); void offsite.refresh(); return registry.refresh(); },
    'lifeboat.reveal': (a) => revealCommand(ctx, a),
    'lifeboat.copyPath': (a) => copyPathCommand(ctx, a),
    'lifeboat.pin': (a) => setPinnedCommand(ctx, a, true),
    'lifeboat.unpin': (a) => setPinnedCommand(ctx, a, false),
    'lifeboat.deleteBackup': (a) => deleteBackupCommand(ctx, a),
    'lifeboat.startDrill': () => startDrillCommand(ctx, drillFiles),
    'lifeboat.runRehearsal': (a, o) => runRehearsalCommand(ctx, drillFiles, a, o as { dbPath?: string; backupFile?: string } | undefined),
    'lifeboat.toggleCheckbox': () => toggleCheckboxCommand(),
    'lifeboat.refreshDrills': () => drillFiles.refresh(),
    'lifeboat.showBackup': (a) => showBackupCommand(ctx, docs, a),
    'lifeboat.undoRestore': (a) => undoRestoreCommand(ctx, docs, a),
    ...offsiteCommands(ctx, offsite, docs),
  };
  // any Lifeboat command is a use of Lifeboat: it starts (scan, watchers, status) if it had not
  for (const [id, fn] of Object.entries(commands)) context.subscriptions.push(vscode.commands.registerCommand(id, (...a: unknown[]) => { void start('command'); return fn(...a); }));
  // Look Inside, Compare with Live, Restore Table…, Recover Deleted Rows…, Restore as Copy… (issue 12)
  context.subscriptions.push(...registerInside(ctx));

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('lifeboat')) return;
      if (e.affectsConfiguration('lifeboat.include') || e.affectsConfiguration('lifeboat.exclude') || e.affectsConfiguration('lifeboat.databases') || e.affectsConfiguration('lifeboat.backupDirectory')) {
        registry.startWatching();
        service.invalidate();
        void registry.refresh();
      }
      if (e.affectsConfiguration('lifeboat.schedule')) scheduler.configure();
      if (e.affectsConfiguration('lifeboat.drillsFolder')) { drillFiles.startWatching(); void drillFiles.refresh(); }
      if (e.affectsConfiguration('lifeboat.drillIntervalDays')) drillTree.refresh();
      if (e.affectsConfiguration('lifeboat.backupDirectory')) void checkBackupFolderIgnored(context.globalState, log);
      if (e.affectsConfiguration('lifeboat.offsite')) offsite.configure();
      tree.refresh();
      void status.update();
      void offsiteStatus.update();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => {
      registry.startWatching();
      void registry.refresh();
      drillFiles.startWatching();
      void drillFiles.refresh();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => tree.refresh()),
  );

  // Activated on start-up finished, Lifeboat does nothing more until it is needed: a schedule or a
  // start-up backup, its view or the Drills view shown, one of its commands, or the API.
  let started: Promise<void> | undefined;
  let startedBy: string | undefined;
  function start(why: string): Promise<void> {
    if (started) return started;
    startedBy = why;
    log.info(`Lifeboat starts (${why})`);
    registry.startWatching();
    drillFiles.startWatching();
    scheduler.configure();
    const drillsReady = drillFiles.refresh().then(async () => {
      const c = drillTree.cadence();
      if (drillFiles.all().length && c.overdue) {
        const when = c.lastPassed ? `The last passed drill was on ${c.lastPassed.toISOString().slice(0, 10)}` : 'No drill has passed yet';
        const choice = await vscode.window.showWarningMessage(`A disaster-recovery drill is overdue. ${when}.`, 'Start Drill…');
        if (choice) await vscode.commands.executeCommand('lifeboat.startDrill');
      }
    });
    started = registry.refresh().then(async () => {
      await status.update();
      await offsiteStatus.update();
      const s = readSettings();
      if (s.backupOnStartup) await scheduler.runDue(0, 'start-up');
      else if (s.scheduleEnabled) await scheduler.runDue(s.scheduleIntervalMinutes * 60_000, 'start-up');
      await checkBackupFolderIgnored(context.globalState, log);
    }).then(() => drillsReady).catch((e) => log.error('Lifeboat start-up failed', e as Error));
    return started;
  }
  const wanted = () => { const s = readSettings(); return s.backupOnStartup || s.scheduleEnabled; };
  context.subscriptions.push(
    view.onDidChangeVisibility((e) => { if (e.visible) void start('view'); }),
    drillView.onDidChangeVisibility((e) => { if (e.visible) void start('drills view'); }),
    vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('lifeboat.schedule') && wanted()) void start('schedule'); }),
  );
  if (wanted()) void start('schedule');
  else if (view.visible) void start('view');
  else if (drillView.visible) void start('drills view');
  const activateMs = performance.now() - t0;
  log.info(`Lifeboat activated in ${activateMs.toFixed(1)} ms${startedBy ? `; started (${startedBy})` : '; it starts when its view, a command or a schedule needs it'}`);
  return {
    ctx, engine, drills: { files: drillFiles, tree: drillTree, startDrill, listScenarios }, scheduler, status, offsite: { service: offsite, status: offsiteStatus },
    get ready() { return start('api'); },
    get startedBy() { return startedBy; },
    activateMs,
  };
}

export function deactivate(): void {
  // every Disposable is in context.subscriptions
}
