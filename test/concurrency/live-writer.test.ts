// Backups taken while another process keeps writing: WAL mode (synchronous=NORMAL) and rollback
// journal (synchronous=NORMAL: each commit fsyncs). See test/support/live-writer-case.ts for the
// checks; test/concurrency/live-writer-nosync.test.ts has the rollback-journal writer without fsync.
//
// Run: node --import tsx --test test/concurrency/live-writer.test.ts   (needs dist/cli.js)
import { after } from 'node:test';
import { liveWriterCase } from '../support/live-writer-case';
import { killStrays } from '../support/proc';

after(killStrays);

liveWriterCase('wal', 'NORMAL');
liveWriterCase('rollback', 'NORMAL');
