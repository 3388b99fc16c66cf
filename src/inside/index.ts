// Inside a backup in the editor (issue 12): look inside, compare with live, restore only what was lost.
export { registerInside } from './commands';
export { showDiff, summarize } from './diffPanel';
export { recoverRowsFlow, restoreAsCopyFlow, restoreTableFlow, runPartial, undoPartial } from './partial';
