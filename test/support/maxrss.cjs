/* eslint-disable @typescript-eslint/no-require-imports */
// Preloaded into a CLI run (`node -r test/support/maxrss.cjs dist/cli.js …`): writes the process's
// peak resident set size (KiB, worker threads included) to $LIFEBOAT_MAXRSS_FILE when it exits.
'use strict';
const { writeFileSync } = require('node:fs');

process.on('exit', () => {
  const file = process.env.LIFEBOAT_MAXRSS_FILE;
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS));
});
