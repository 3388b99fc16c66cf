// Backups taken while another process keeps writing in rollback-journal mode with
// synchronous=OFF: no fsync, so commits are short and frequent (300 tx/s by default, one every ~3 ms) and the
// database file changes between almost any two moments. See test/support/live-writer-case.ts.
//
// Run: node --import tsx --test test/concurrency/live-writer-nosync.test.ts   (needs dist/cli.js)
import { after } from 'node:test';
import { liveWriterCase } from '../support/live-writer-case';
import { killStrays } from '../support/proc';

after(killStrays);

liveWriterCase('rollback', 'OFF');
