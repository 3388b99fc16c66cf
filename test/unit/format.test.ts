// Unit tests of the SQLite file-format parsers (src/core/format.ts). Real files come from the native
// sqlite3 CLI and from better-sqlite3 writers run (and SIGKILLed) in child processes; the native
// sqlite3 CLI is the oracle: its WAL recovery / hot-journal rollback of a copy must agree byte for
// byte with what the parsers say would be applied. Hand-built buffers cover the edge cases.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { endianness, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  JOURNAL_MAGIC, WAL_HEADER_SIZE, WalIndex, hasSqliteMagic, isValidPageSize, journalChecksum,
  journalIdentity, parseDbHeader, parseJournalHeader, parseWalHeader, planJournalRollback, superJournalName, walChecksum,
} from '../../src/core/format';
import type { DbHeader } from '../../src/core/format';
import { WRITER_NODE } from '../helpers';

const ROOT = resolve(__dirname, '..', '..');
const TMP = mkdtempSync(join(tmpdir(), 'lifeboat-format-'));
process.on('exit', () => rmSync(TMP, { recursive: true, force: true }));
let seq = 0;
const tmp = (name: string): string => join(TMP, `${++seq}-${name}`);

/** Native sqlite3 CLI, SQL fed through stdin. */
function native(db: string, sql: string): string {
  return execFileSync('sqlite3', [db], { input: sql, encoding: 'utf8', maxBuffer: 1 << 28 }).trim();
}
const nativeDb = (sql: string): string => { const p = tmp('n.db'); native(p, sql); return p; };
const dumpOf = (buf: Buffer): string => { const p = tmp('d.db'); writeFileSync(p, buf); return native(p, '.dump'); };
function header(buf: Buffer): DbHeader {
  const h = parseDbHeader(buf);
  if (typeof h === 'string') assert.fail(h);
  return h;
}

/** Runs `script` (CommonJS with `Database` and `dbPath`) in a child node; SIGKILLs it once it prints READY. */
function runAndKill(dbPath: string, script: string): Promise<string> {
  const code = `const Database = require('better-sqlite3'); const dbPath = process.argv[1];\n${script}\nprocess.stdout.write('READY\\n'); setInterval(() => {}, 1000);`;
  return new Promise((res, rej) => {
    const child = spawn(WRITER_NODE, ['-e', code, dbPath], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let [out, err] = ['', ''];
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('READY')) child.kill('SIGKILL'); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (_c, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && out.includes('READY')) res(out);
      else rej(new Error(`writer died before READY: ${err}`));
    });
  });
}

// ------------------------------------------------------------------------------------------------
describe('database header', () => {
  it('parses real databases at page sizes 512, 4096 and 65536 (stored as 1)', () => {
    for (const ps of [512, 4096, 65536]) {
      const db = nativeDb(`PRAGMA page_size=${ps}; CREATE TABLE t(x); INSERT INTO t VALUES (randomblob(3000));`);
      const buf = readFileSync(db);
      assert.equal(buf.readUInt16BE(16), ps === 65536 ? 1 : ps);
      const h = header(buf);
      assert.deepEqual([h.pageSize, h.writeVersion, h.readVersion, h.versionValidFor], [ps, 1, 1, h.changeCounter]);
      assert.equal(h.pageCount, Number(native(db, 'PRAGMA page_count;')));
      assert.equal(h.pageCount * ps, buf.length);
    }
  });

  it('reports WAL mode in bytes 18/19 and rollback mode after switching back', () => {
    const db = nativeDb('PRAGMA journal_mode=WAL; CREATE TABLE t(x);');
    const v = (): number[] => { const h = header(readFileSync(db)); return [h.writeVersion, h.readVersion]; };
    assert.deepEqual(v(), [2, 2]);
    native(db, 'PRAGMA journal_mode=DELETE;');
    assert.deepEqual(v(), [1, 1]);
  });

  it('reads user_version and application_id as signed 32-bit values', () => {
    const db = nativeDb('PRAGMA user_version=123456; PRAGMA application_id=-559038737; CREATE TABLE t(x);');
    const v = (): number[] => { const h = header(readFileSync(db)); return [h.userVersion, h.applicationId]; };
    assert.deepEqual(v(), [123456, -559038737]);
    native(db, 'PRAGMA user_version=-7; PRAGMA application_id=1179993931;');
    assert.deepEqual(v(), [-7, 1179993931]);
  });

  it('reads the auto_vacuum flags', () => {
    for (const [mode, av, inc] of [['NONE', false, false], ['FULL', true, false], ['INCREMENTAL', true, true]] as const) {
      const h = header(readFileSync(nativeDb(`PRAGMA auto_vacuum=${mode}; CREATE TABLE t(x); CREATE TABLE u(y);`)));
      assert.deepEqual([h.autoVacuum, h.incrementalVacuum], [av, inc], mode);
    }
  });

  it('sees the change counter increment once per write transaction', () => {
    const db = nativeDb('CREATE TABLE t(x);');
    const c0 = header(readFileSync(db)).changeCounter;
    native(db, 'INSERT INTO t VALUES (1);');
    native(db, 'BEGIN; INSERT INTO t VALUES (2); INSERT INTO t VALUES (3); COMMIT;');
    const h = header(readFileSync(db));
    assert.deepEqual([h.changeCounter, h.versionValidFor], [c0 + 2, c0 + 2]);
    native(db, 'SELECT * FROM t;');
    assert.equal(header(readFileSync(db)).changeCounter, c0 + 2, 'a read does not change it');
  });

  it('returns reason strings for unusable headers', () => {
    const good = readFileSync(nativeDb('CREATE TABLE t(x);')).subarray(0, 100);
    const patch = (off: number, bytes: number[]): Buffer => { const b = Buffer.from(good); Buffer.from(bytes).copy(b, off); return b; };
    assert.equal(parseDbHeader(Buffer.alloc(0)), 'the file is empty');
    assert.equal(parseDbHeader(good.subarray(0, 99)), 'the file is too short to be a SQLite database');
    assert.equal(parseDbHeader(good.subarray(0, 16)), 'the file is too short to be a SQLite database');
    assert.match(String(parseDbHeader(patch(0, [...Buffer.from('SQLite format 2')]))), /^not a SQLite database/);
    assert.match(String(parseDbHeader(Buffer.alloc(100, 0xa7))), /wrong magic/);
    assert.equal(parseDbHeader(patch(16, [0x03, 0xe8])), 'invalid page size 1000 in the header');
    assert.equal(parseDbHeader(patch(16, [0, 0])), 'invalid page size 0 in the header');
    assert.equal(parseDbHeader(patch(16, [0x01, 0x00])), 'invalid page size 256 in the header');
    assert.equal(parseDbHeader(patch(16, [0, 2])), 'invalid page size 2 in the header');
    assert.equal(header(patch(16, [0x80, 0x00])).pageSize, 32768);
    assert.equal(parseDbHeader(patch(18, [1, 3])), 'unsupported file format version (1/3)');
  });

  it('accepts a header whose write version is > 2: SQLite still reads it (read-only)', () => {
    // SQLite (btree.c lockBtree): page1[18] > 2 only makes the database read-only; page1[19] > 2 refuses it.
    const db = nativeDb('CREATE TABLE t(x); INSERT INTO t VALUES (42);');
    const buf = readFileSync(db);
    buf[18] = 3;
    writeFileSync(db, buf);
    assert.equal(native(db, 'SELECT x FROM t;'), '42');
    assert.equal(typeof parseDbHeader(buf), 'object', `got ${String(parseDbHeader(buf))}`);
  });

  it('hasSqliteMagic and isValidPageSize', () => {
    const m = (s: string): boolean => hasSqliteMagic(Buffer.from(s));
    assert.deepEqual([m('SQLite format 3\0'), m('SQLite format 3\0+more'), m('SQLite format 3'), m('sqlite format 3\0')], [true, true, false, false]);
    for (const n of [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536]) assert.equal(isValidPageSize(n), true, String(n));
    for (const n of [0, 1, 256, 511, 513, 1000, 3072, 131072, -512]) assert.equal(isValidPageSize(n), false, String(n));
  });
});

// ------------------------------------------------------------------------------------------------
// WAL helpers: encode a WAL (either checksum byte order), index one, rebuild the db it describes.

interface Frame { pgno: number; commit: number; page: Buffer }
const u32s = (...v: number[]): Buffer => { const b = Buffer.alloc(4 * v.length); v.forEach((x, i) => b.writeUInt32BE(x >>> 0, 4 * i)); return b; };
interface WalOpts { pageSize: number; bigEndian: boolean; ckpt?: number; salt1?: number; salt2?: number }

function encodeWal(o: WalOpts, frames: Frame[]): Buffer {
  const h = u32s(o.bigEndian ? 0x377f0683 : 0x377f0682, 3007000, o.pageSize, o.ckpt ?? 0, o.salt1 ?? 0x11223344, o.salt2 ?? 0x55667788);
  let sum = walChecksum(h, o.bigEndian);
  const out = [h, u32s(...sum)];
  for (const f of frames) {
    const fh = Buffer.concat([u32s(f.pgno, f.commit), h.subarray(16, 24)]);
    sum = walChecksum(f.page, o.bigEndian, ...walChecksum(fh.subarray(0, 8), o.bigEndian, ...sum));
    out.push(fh, u32s(...sum), f.page);
  }
  return Buffer.concat(out);
}

/**
 * Indexes a WAL frame by frame with addFrame, and checks that addFrames gives the same index fed
 * all at once, in chunks of 1–3 frames, and from a copy at an odd address (its per-frame path).
 */
function indexWal(wal: Buffer): WalIndex {
  const hdr = parseWalHeader(wal);
  assert.ok(hdr, 'WAL header');
  const idx = new WalIndex(hdr);
  for (let off = WAL_HEADER_SIZE; off < wal.length; off += idx.frameSize) {
    if (!idx.addFrame(wal.subarray(off, off + idx.frameSize), off)) break;
  }
  const fs = idx.frameSize;
  const body = wal.subarray(WAL_HEADER_SIZE);
  const odd = Buffer.concat([Buffer.alloc(1), body]).subarray(1);
  const variants: Array<[string, (x: WalIndex) => void]> = [
    ['all at once', (x) => x.addFrames(body, WAL_HEADER_SIZE)],
    ['odd address', (x) => x.addFrames(odd, WAL_HEADER_SIZE)],
    ['chunks', (x) => {
      for (let at = 0, k = 0; at < body.length; k++) {
        const n = ((k % 3) + 1) * fs;
        if (!x.addFrames(body.subarray(at, at + n), WAL_HEADER_SIZE + at)) break;
        at += n;
      }
    }],
  ];
  const whole = body.length % fs === 0; // a partial last frame ends addFrame's log, addFrames leaves it
  for (const [name, feed] of variants) {
    const x: WalIndex = new WalIndex(hdr);
    feed(x);
    assert.deepEqual([[...x.committed], x.dbSizePages, x.commitCount, x.validFrames], [[...idx.committed], idx.dbSizePages, idx.commitCount, idx.validFrames], `addFrames (${name}) = addFrame`);
    if (whole) assert.equal(x.ended, idx.ended, `addFrames (${name}) ends where addFrame does`);
  }
  return idx;
}

/** The frames the index accepted (committed or not), decoded. */
function framesOf(wal: Buffer, idx: WalIndex): Frame[] {
  const out: Frame[] = [];
  for (let i = 0; i < idx.validFrames; i++) {
    const off = WAL_HEADER_SIZE + i * idx.frameSize;
    out.push({ pgno: wal.readUInt32BE(off), commit: wal.readUInt32BE(off + 4), page: wal.subarray(off + 24, off + idx.frameSize) });
  }
  return out;
}

/** The database file the index says a checkpoint would produce. */
function applyWal(db: Buffer, wal: Buffer, idx: WalIndex): Buffer {
  if (idx.commitCount === 0) return db;
  const ps = idx.header.pageSize;
  const out = Buffer.alloc(idx.dbSizePages * ps);
  db.copy(out, 0, 0, Math.min(db.length, out.length));
  for (const [pgno, off] of idx.committed) if (pgno <= idx.dbSizePages) wal.copy(out, (pgno - 1) * ps, off, off + ps);
  return out;
}

/** Native sqlite3 on a copy of db + wal (no -shm, so it runs WAL recovery): page_count and the checkpointed file. */
function nativeWal(db: Buffer, wal: Buffer): { pages: number; file: Buffer } {
  const p = tmp('w.db');
  writeFileSync(p, db); writeFileSync(p + '-wal', wal);
  const pages = Number(native(p, 'PRAGMA page_count;\nPRAGMA wal_checkpoint(TRUNCATE);').split('\n')[0]);
  return { pages, file: readFileSync(p) };
}

function assertWalAgreesWithNative(db: Buffer, wal: Buffer, idx: WalIndex): void {
  const n = nativeWal(db, wal);
  if (idx.commitCount > 0) assert.equal(idx.dbSizePages, n.pages, 'dbSizePages = native page_count');
  assert.ok(applyWal(db, wal, idx).equals(n.file), 'committed frames applied = native checkpoint, byte for byte');
}

const pageOf = (fill: number, size = 512): Buffer => Buffer.from(Array.from({ length: size }, (_, i) => (fill * 31 + i * 7) & 0xff));

describe('WAL', () => {
  it('walChecksum: Fibonacci-style sums in either byte order, mod 2^32, ignoring a partial word pair', () => {
    const d = Buffer.from([0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4]);
    assert.deepEqual(walChecksum(d.subarray(0, 8), true), [1, 3]);
    assert.deepEqual(walChecksum(d, true), [1 + 3 + 3, 3 + 4 + 7]);
    assert.deepEqual(walChecksum(d.subarray(0, 8), false), [0x01000000, 0x03000000]);
    assert.deepEqual(walChecksum(d.subarray(8), true, 1, 3), walChecksum(d, true), 'chains through its seeds');
    assert.deepEqual(walChecksum(Buffer.alloc(8, 0xff), true, 1, 0), [0, 0xffffffff]);
    assert.deepEqual(walChecksum(d.subarray(0, 12), true), [1, 3]);
  });

  it('walChecksum equals a BigInt reference in both byte orders, at any address, with large seeds and words', () => {
    const ref = (b: Buffer, big: boolean, s0: number, s1: number): [number, number] => {
      let a = BigInt(s0);
      let c = BigInt(s1);
      const M = 0xffffffffn;
      for (let i = 0; i + 8 <= b.length; i += 8) {
        a = (a + BigInt(big ? b.readUInt32BE(i) : b.readUInt32LE(i)) + c) & M;
        c = (c + BigInt(big ? b.readUInt32BE(i + 4) : b.readUInt32LE(i + 4)) + a) & M;
      }
      return [Number(a), Number(c)];
    };
    const data = Buffer.alloc(4096 + 16);
    for (let i = 0; i < data.length; i++) data[i] = (i * 131 + (i >> 3) * 29 + 0x80) & 0xff;
    const aligned = data.subarray(8, 8 + 4096);
    const misaligned = Buffer.concat([Buffer.alloc(1), aligned]).subarray(1); // byteOffset 1
    assert.notEqual(misaligned.byteOffset % 4, 0);
    for (const [s0, s1] of [[0, 0], [0xffffffff, 0xfffffffe], [0x80000000, 1]]) {
      for (const big of [false, true]) {
        const want = ref(aligned, big, s0, s1);
        assert.deepEqual(walChecksum(aligned, big, s0, s1), want, `aligned, ${big ? 'BE' : 'LE'}, seeds ${s0}/${s1}`);
        assert.deepEqual(walChecksum(misaligned, big, s0, s1), want, `misaligned, ${big ? 'BE' : 'LE'}, seeds ${s0}/${s1}`);
      }
    }
  });

  it('parseWalHeader: fields of a hand-built header in both byte orders; null when invalid', () => {
    for (const bigEndian of [true, false]) {
      const w = encodeWal({ pageSize: 65536, bigEndian, ckpt: 7, salt1: 0xdeadbeef, salt2: 5 }, []);
      const h = parseWalHeader(w);
      assert.ok(h);
      assert.deepEqual({ ...h, checksum: undefined }, { bigEndianChecksum: bigEndian, pageSize: 65536, checkpointSeq: 7, salt1: 0xdeadbeef, salt2: 5, checksum: undefined });
      assert.deepEqual(h.checksum, [w.readUInt32BE(24), w.readUInt32BE(28)]);
    }
    const w = encodeWal({ pageSize: 4096, bigEndian: true }, []);
    const bad = (off: number, v: number, resum = true): Buffer => {
      const b = Buffer.from(w);
      b.writeUInt32BE(v, off);
      if (resum) u32s(...walChecksum(b.subarray(0, 24), true)).copy(b, 24);
      return b;
    };
    const invalid = {
      short: w.subarray(0, 31), zeros: Buffer.alloc(32), magic: bad(0, 0x377f0684), version: bad(4, 3007001), ps1000: bad(8, 1000),
      ps256: bad(8, 256), saltWithoutChecksum: bad(16, 1, false), checksum: bad(28, w.readUInt32BE(28) ^ 1, false),
      byteOrderFlipped: bad(0, 0x377f0682, false),
    };
    for (const [name, buf] of Object.entries(invalid)) assert.equal(parseWalHeader(buf), null, name);
  });

  it('WalIndex keeps the latest committed frame per page, in both checksum byte orders', () => {
    for (const bigEndian of [true, false]) {
      const fr = (pgno: number, commit: number, fill: number): Frame => ({ pgno, commit, page: pageOf(fill) });
      const wal = encodeWal({ pageSize: 512, bigEndian }, [
        fr(1, 0, 1), fr(2, 0, 2), fr(1, 0, 3), fr(3, 3, 4), // tx 1: page 1 twice
        fr(2, 3, 5), // tx 2
        fr(1, 0, 6), fr(4, 0, 7), // uncommitted tail
      ]);
      const fs = 24 + 512;
      const at = (i: number): number => 32 + i * fs + 24;
      const idx = indexWal(wal);
      assert.equal(idx.header.bigEndianChecksum, bigEndian);
      assert.equal(idx.frameSize, fs);
      assert.deepEqual([...idx.committed].sort((a, b) => a[0] - b[0]), [[1, at(2)], [2, at(4)], [3, at(3)]]);
      assert.deepEqual([idx.dbSizePages, idx.commitCount, idx.validFrames, idx.ended], [3, 2, 7, false]);
      assert.deepEqual(idx.committedPages(), [[1, at(2)], [2, at(4)], [3, at(3)]]);
      // a later commit that shrinks the database: pages past its size are not taken from the WAL
      const shrunk = indexWal(encodeWal({ pageSize: 512, bigEndian }, [fr(3, 0, 1), fr(1, 3, 2), fr(2, 2, 3)]));
      assert.deepEqual([shrunk.committed.size, shrunk.dbSizePages, shrunk.committedPages()], [3, 2, [[1, at(1)], [2, at(2)]]]);
      // checksums computed for the other byte order are rejected from the first frame on
      const other = encodeWal({ pageSize: 512, bigEndian: !bigEndian }, framesOf(wal, idx));
      Buffer.concat([u32s(bigEndian ? 0x377f0683 : 0x377f0682), other.subarray(4, 24)]).copy(other);
      u32s(...walChecksum(other.subarray(0, 24), bigEndian)).copy(other, 24);
      const o = indexWal(other);
      assert.deepEqual([o.validFrames, o.commitCount, o.committed.size, o.ended], [0, 0, 0, true]);
    }
  });

  it('WalIndex ends the log at a bad frame and stays ended', () => {
    const fr = (pgno: number, commit: number, fill: number): Frame => ({ pgno, commit, page: pageOf(fill) });
    const frames = [fr(1, 1, 1), fr(2, 2, 2), fr(1, 2, 3)];
    const wal = encodeWal({ pageSize: 512, bigEndian: false }, frames);
    const fs = 536;
    const cases: Array<[string, (b: Buffer) => void, number]> = [
      ['salt1 of frame 2', (b) => { b[32 + fs + 8] ^= 1; }, 1],
      ['salt2 of frame 3', (b) => { b[32 + 2 * fs + 15] ^= 0x80; }, 2],
      ['page byte of frame 2', (b) => { b[32 + fs + 24 + 300] ^= 0x40; }, 1],
      ['checksum of frame 3', (b) => { b[32 + 2 * fs + 23] ^= 1; }, 2],
      ['commit size of frame 1', (b) => { b[32 + 7] = 9; }, 0],
    ];
    for (const [name, mutate, commits] of cases) {
      const b = Buffer.from(wal);
      mutate(b);
      const idx = indexWal(b);
      assert.deepEqual([idx.commitCount, idx.validFrames, idx.ended], [commits, commits, true], name);
      // a valid frame offered after the end is refused
      assert.equal(idx.addFrame(wal.subarray(32, 32 + fs), 32), false, name);
    }
    // page number 0 (with a correct checksum) ends the log
    const z = indexWal(encodeWal({ pageSize: 512, bigEndian: false }, [frames[0], fr(0, 2, 9), frames[2]]));
    assert.deepEqual([z.commitCount, z.validFrames, z.ended], [1, 1, true]);
    // a truncated last frame: it is not counted
    const t = indexWal(wal.subarray(0, wal.length - 1));
    assert.deepEqual([t.commitCount, t.validFrames, t.dbSizePages, t.ended], [2, 2, 2, true]);
    assert.equal(t.committed.get(1), 32 + 24);
  });

  describe('real WAL from better-sqlite3 (6 committed transactions + SIGKILL inside a spilling one)', () => {
    let [db, wal] = [Buffer.alloc(0), Buffer.alloc(0)];
    let idx: WalIndex;
    before(async () => {
      const p = tmp('real.db');
      await runAndKill(p, `
        const d = new Database(dbPath);
        d.pragma('journal_mode = WAL'); d.pragma('wal_autocheckpoint = 0');
        d.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, pad BLOB); CREATE INDEX t_v ON t(v)");
        const ins = d.prepare("INSERT INTO t(v, pad) VALUES (?, randomblob(150))");
        for (let k = 0; k < 3; k++) d.transaction(() => { for (let i = 0; i < 150; i++) ins.run('tx' + k + ' ' + i); })();
        d.exec("UPDATE t SET v = 'upd ' || id WHERE id % 5 = 0");
        const e = new Database(dbPath); e.pragma('cache_size = 10');
        e.exec('BEGIN'); e.exec("UPDATE t SET pad = randomblob(400)"); e.exec("INSERT INTO t(v, pad) SELECT 'x', randomblob(300) FROM t");`);
      [db, wal] = [readFileSync(p), readFileSync(p + '-wal')];
      idx = indexWal(wal);
    });

    it('parses the header and indexes 6 commits, ignoring the uncommitted spilled frames', () => {
      assert.equal(idx.header.pageSize, header(db).pageSize);
      assert.equal(idx.header.bigEndianChecksum, endianness() === 'BE');
      assert.equal(idx.commitCount, 6, 'CREATE TABLE, CREATE INDEX, 3 inserts, 1 update');
      // Frames a spilling transaction rewrites in place keep stale checksums until its commit, so
      // recovery may stop inside the uncommitted tail; either way the tail is long and ignored.
      const lastCommitted = Math.max(...idx.committed.values());
      assert.ok(lastCommitted + 50 * idx.frameSize < wal.length, 'many uncommitted frames follow the last commit');
      assert.ok(WAL_HEADER_SIZE + idx.validFrames * idx.frameSize > lastCommitted + 10 * idx.frameSize, 'valid uncommitted frames follow it');
      for (const off of idx.committed.values()) assert.equal((off - WAL_HEADER_SIZE - 24) % idx.frameSize, 0);
      const committedFrames = framesOf(wal, idx).filter((f) => f.commit !== 0);
      assert.equal(committedFrames.length, 6);
      assert.equal(idx.dbSizePages, committedFrames[5].commit);
    });

    it('committed pages and dbSizePages match native sqlite3 recovery of a copy', () => {
      assertWalAgreesWithNative(db, wal, idx);
      const dump = dumpOf(applyWal(db, wal, idx));
      assert.match(dump, /'upd 450'/);
      assert.doesNotMatch(dump, /VALUES\(\d+,'x',/);
    });

    it('the same WAL re-encoded with big-endian checksums (magic 0x377f0683) reads the same, natively too', () => {
      const frames = framesOf(wal, idx);
      const h = idx.header;
      for (const bigEndian of [true, false]) {
        const re = encodeWal({ pageSize: h.pageSize, bigEndian, ckpt: h.checkpointSeq, salt1: h.salt1, salt2: h.salt2 }, frames);
        if (bigEndian === h.bigEndianChecksum) assert.ok(re.equals(wal.subarray(0, re.length)), 'the encoder reproduces the real WAL');
        const r = indexWal(re);
        assert.deepEqual([r.commitCount, r.dbSizePages, r.validFrames], [idx.commitCount, idx.dbSizePages, idx.validFrames]);
        assert.deepEqual([...r.committed], [...idx.committed]);
        assertWalAgreesWithNative(db, re, r);
      }
    });

    it('damage ends the log where native recovery ends it: flipped page byte, wrong salt, truncated frame', () => {
      const frames = framesOf(wal, idx);
      const commitAt = frames.map((f, i) => (f.commit ? i : -1)).filter((i) => i >= 0);
      const off = (i: number): number => WAL_HEADER_SIZE + i * idx.frameSize;
      const cases: Array<[string, Buffer, number]> = [];
      const flip = (at: number, mask: number): Buffer => { const b = Buffer.from(wal); b[at] ^= mask; return b; };
      cases.push(['flipped byte in the 4th commit frame', flip(off(commitAt[3]) + 24 + 1000, 0x10), 3]);
      cases.push(['wrong salt2 in the first frame of the 4th transaction', flip(off(commitAt[2] + 1) + 12, 0xff), 3]);
      cases.push(['wrong salt1 inside the 3rd transaction (150 inserts)', flip(off(commitAt[2] - 1) + 9, 1), 2]);
      cases.push(['truncated last commit frame', wal.subarray(0, off(commitAt[5]) + 100), 5]);
      for (const [name, w, commits] of cases) {
        const d = indexWal(w);
        assert.equal(d.commitCount, commits, name);
        assertWalAgreesWithNative(db, w, d);
      }
    });
  });

  it('a restarted WAL: stale frames of the previous generation (old salts) are ignored', async () => {
    const p = tmp('restart.db');
    const out = await runAndKill(p, `
      const d = new Database(dbPath);
      d.pragma('journal_mode = WAL'); d.pragma('wal_autocheckpoint = 0');
      d.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, pad BLOB)");
      d.transaction(() => { for (let i = 0; i < 400; i++) d.prepare("INSERT INTO t(v, pad) VALUES (?, randomblob(200))").run('gen0 ' + i); })();
      const w0 = require('fs').readFileSync(dbPath + '-wal').subarray(0, 32).toString('hex');
      d.pragma('wal_checkpoint(PASSIVE)');
      d.exec("UPDATE t SET v = 'gen1' WHERE id = 3");
      console.log(w0);`);
    const [db, wal] = [readFileSync(p), readFileSync(p + '-wal')];
    const old = parseWalHeader(Buffer.from(/^([0-9a-f]{64})$/m.exec(out)?.[1] ?? '', 'hex'));
    assert.ok(old, 'generation-0 header');
    const idx = indexWal(wal);
    assert.equal(idx.commitCount, 1);
    assert.equal(idx.header.salt1, (old.salt1 + 1) >>> 0, 'a restart increments salt1');
    assert.equal(idx.header.checkpointSeq, old.checkpointSeq + 1);
    assert.ok(idx.validFrames <= 3, `validFrames ${idx.validFrames}`);
    assert.ok(wal.length > WAL_HEADER_SIZE + 20 * idx.frameSize, 'stale frames are still in the file');
    assertWalAgreesWithNative(db, wal, idx);
    assert.match(dumpOf(applyWal(db, wal, idx)), /VALUES\(3,'gen1'/);
  });
});

// ------------------------------------------------------------------------------------------------
// Journal helpers

interface JHdr { nRec: number; nonce: number; initialPages: number; sector?: number; pageSize?: number; length?: number }
function jHeader(o: JHdr): Buffer {
  const b = Buffer.alloc(o.length ?? o.sector ?? 512);
  Buffer.concat([JOURNAL_MAGIC, u32s(o.nRec, o.nonce, o.initialPages, o.sector ?? 512, o.pageSize ?? 1024)]).copy(b);
  return b;
}
const jRecord = (pgno: number, page: Buffer, nonce: number, badSum = false): Buffer =>
  Buffer.concat([u32s(pgno), page, u32s(journalChecksum(page, nonce) + (badSum ? 1 : 0))]);
/** Pads to the next multiple of `sector`. */
const pad = (b: Buffer, sector = 512): Buffer => Buffer.concat([b, Buffer.alloc((sector - (b.length % sector)) % sector)]);
/** The super-journal trailer SQLite appends: lock-byte page number, name, length, checksum, magic. */
const sjTrailer = (name: Buffer, sum: number, pageSize = 1024): Buffer =>
  Buffer.concat([u32s(Math.floor(0x40000000 / pageSize) + 1), name, u32s(name.length, sum), JOURNAL_MAGIC]);

/** What the parsers say a hot-journal rollback leaves: the plan's pages written back, then truncation. */
function applyJournal(db: Buffer, journal: Buffer, dbPageSize: number): Buffer {
  const plan = planJournalRollback(journal, dbPageSize);
  const sj = superJournalName(journal);
  if (!plan || (sj !== null && sj !== '' && !sqliteExists(sj))) return db;
  const out = Buffer.alloc(plan.initialPages * plan.pageSize);
  db.copy(out, 0, 0, Math.min(db.length, out.length));
  for (const r of plan.records) journal.copy(out, (r.pgno - 1) * plan.pageSize, r.offset, r.offset + plan.pageSize);
  return out;
}
/** unixAccess(SQLITE_ACCESS_EXISTS): an empty regular file counts as absent. */
function sqliteExists(p: string): boolean {
  try { const st = statSync(p); return !st.isFile() || st.size > 0; } catch { return false; }
}
/** Native sqlite3's own rollback of a copy of db + journal. */
function nativeRollback(db: Buffer, journal: Buffer): Buffer {
  const p = tmp('j.db');
  writeFileSync(p, db); writeFileSync(p + '-journal', journal);
  spawnSync('sqlite3', [p, 'SELECT 1 FROM sqlite_schema LIMIT 1;'], { encoding: 'utf8' });
  return readFileSync(p);
}
function assertRollbackAgrees(db: Buffer, journal: Buffer, dbPageSize: number, msg: string): Buffer {
  const ours = applyJournal(db, journal, dbPageSize);
  const theirs = nativeRollback(db, journal);
  assert.equal(ours.length, theirs.length, `${msg}: file size`);
  assert.ok(ours.equals(theirs), `${msg}: bytes differ from native rollback`);
  return ours;
}

describe('rollback journal', () => {
  it('journalChecksum: the nonce plus every 200th byte counted back from the end, excluding byte 0', () => {
    const set = (size: number, at: Record<number, number>): Buffer => { const b = Buffer.alloc(size); for (const k in at) b[k] = at[k]; return b; };
    assert.equal(journalChecksum(Buffer.alloc(1024), 0x1234), 0x1234);
    const page = set(1024, { 824: 1, 624: 2, 424: 4, 224: 8, 24: 16, 0: 99, 1023: 99, 825: 99 });
    assert.equal(journalChecksum(page, 0x1234), 0x1234 + 31);
    assert.equal(journalChecksum(page, 0xfffffff0), (0xfffffff0 + 31) >>> 0, 'wraps mod 2^32');
    assert.equal(journalChecksum(set(512, { 312: 5, 112: 6, 12: 100 }), 0), 11);
    assert.equal(journalChecksum(Buffer.alloc(65536, 1), 0), Math.ceil((65536 - 200) / 200));
  });

  it('parseJournalHeader and journalIdentity on hand-built headers', () => {
    const h = jHeader({ nRec: 7, nonce: 0xcafebabe, initialPages: 42, sector: 4096, pageSize: 65536 });
    assert.deepEqual(parseJournalHeader(h), { nRec: 7, nonce: 0xcafebabe, initialPages: 42, sectorSize: 4096, pageSize: 65536 });
    assert.deepEqual(parseJournalHeader(Buffer.concat([Buffer.alloc(512), h]), 512)?.nonce, 0xcafebabe);
    assert.equal(parseJournalHeader(h.subarray(0, 27)), null);
    assert.equal(parseJournalHeader(Buffer.concat([Buffer.alloc(512), h.subarray(0, 27)]), 512), null);
    const wrong = Buffer.from(h); wrong[7] ^= 1;
    const zero = Buffer.from(h); zero[0] = 0;
    assert.deepEqual([parseJournalHeader(wrong), journalIdentity(wrong), parseJournalHeader(zero), journalIdentity(zero)], [null, null, null, null]);
    assert.equal(journalIdentity(h), h.subarray(12, 28).toString('hex'));
    const synced = Buffer.from(h); synced.writeUInt32BE(999, 8);
    assert.equal(journalIdentity(synced), journalIdentity(h), 'nRec is not part of the identity');
    for (const off of [12, 16, 20, 24]) {
      const other = Buffer.from(h); other[off + 3] ^= 1;
      assert.notEqual(journalIdentity(other), journalIdentity(h), `byte ${off + 3}`);
    }
  });

  for (const sync of ['FULL', 'OFF'] as const) {
    it(`a real hot journal (synchronous=${sync}, SIGKILL before COMMIT) rolls back exactly like native sqlite3`, async () => {
      const p = tmp(`hot-${sync}.db`);
      const out = await runAndKill(p, `
        const d = new Database(dbPath);
        d.pragma('journal_mode = DELETE'); d.pragma('synchronous = ${sync}');
        d.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, pad BLOB); CREATE INDEX t_v ON t(v)");
        const ins = d.prepare("INSERT INTO t VALUES (?, ?, randomblob(120))");
        d.transaction(() => { for (let i = 1; i <= 2000; i++) ins.run(i, 'orig ' + i); })();
        console.log(JSON.stringify({ pages: d.pragma('page_count', { simple: true }) }));
        d.pragma('cache_size = 10');
        d.exec('BEGIN');
        d.exec("UPDATE t SET v = 'changed ' || id, pad = randomblob(200)");
        d.exec("INSERT INTO t(v, pad) SELECT 'new', randomblob(300) FROM t WHERE id <= 500");`);
      const before = JSON.parse(out.split('\n')[0]) as { pages: number };
      const [db, journal] = [readFileSync(p), readFileSync(p + '-journal')];
      const ps = header(db).pageSize;
      const h = parseJournalHeader(journal);
      assert.ok(h);
      assert.deepEqual([h.pageSize, h.initialPages], [ps, before.pages]);
      assert.ok(h.sectorSize >= 32 && h.sectorSize <= 65536 && (h.sectorSize & (h.sectorSize - 1)) === 0, `sector ${h.sectorSize}`);
      assert.equal(journalIdentity(journal), journal.subarray(12, 28).toString('hex'));
      assert.equal(superJournalName(journal), null);
      if (sync === 'OFF') assert.equal(h.nRec, 0xffffffff);
      else assert.ok(h.nRec > 0 && h.nRec !== 0xffffffff, `nRec ${h.nRec}`);
      assert.ok(db.length > before.pages * ps, 'the crashed transaction grew the file');
      const plan = planJournalRollback(journal, ps);
      assert.ok(plan);
      assert.deepEqual([plan.pageSize, plan.initialPages], [ps, before.pages]);
      assert.ok(plan.records.length > 20);
      assert.ok(plan.records.every((r) => r.pgno >= 1 && r.pgno <= before.pages));
      assert.equal(new Set(plan.records.map((r) => r.pgno)).size, plan.records.length, 'each page saved once');
      if (sync === 'FULL') assert.ok(plan.records.length > h.nRec, 'records come from more than one journal segment');
      assert.ok(plan.records.some((r) => {
        const at = (r.pgno - 1) * ps;
        return !journal.subarray(r.offset, r.offset + ps).equals(db.subarray(at, at + ps));
      }), 'the cache spilled changed pages into the database file');
      const dump = dumpOf(assertRollbackAgrees(db, journal, ps, 'real hot journal'));
      assert.equal(dump, dumpOf(nativeRollback(db, journal)));
      assert.match(dump, /VALUES\(2000,'orig 2000'/);
      assert.doesNotMatch(dump, /changed|'new'/);
    });
  }

  it('a committed PERSIST-mode journal (zeroed header) is not hot', () => {
    const db = nativeDb("PRAGMA journal_mode=PERSIST; CREATE TABLE t(x); INSERT INTO t VALUES ('a');");
    const journal = readFileSync(db + '-journal');
    assert.ok(journal.length > 512 && journal[0] === 0);
    assert.deepEqual([planJournalRollback(journal, 4096), parseJournalHeader(journal), journalIdentity(journal)], [null, null, null]);
  });

  describe('hand-built journals against native rollback', () => {
    const ps = 1024;
    const N = 0x5eed;
    let [orig, modified, init, changed] = [Buffer.alloc(0), Buffer.alloc(0), 0, [] as number[]];
    const page = (b: Buffer, n: number): Buffer => b.subarray((n - 1) * ps, n * ps);
    const recs = (pages: number[], nonce = N): Buffer[] => pages.map((n) => jRecord(n, page(orig, n), nonce));
    before(() => {
      const p = nativeDb(`PRAGMA page_size=${ps}; CREATE TABLE t(x);
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<300) INSERT INTO t SELECT 'orig'||i FROM n;`);
      orig = readFileSync(p);
      init = orig.length / ps;
      native(p, `UPDATE t SET x = 'new'||rowid; CREATE TABLE u(y);
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<300) INSERT INTO u SELECT 'grown'||i FROM n;`);
      modified = readFileSync(p);
      changed = [];
      for (let n = 1; n <= init; n++) if (!page(orig, n).equals(page(modified, n))) changed.push(n);
      assert.ok(changed.length >= 4 && modified.length > orig.length, 'fixture');
    });

    it('one segment with every changed page restores the original file', () => {
      const j = Buffer.concat([jHeader({ nRec: changed.length, nonce: N, initialPages: init }), ...recs(changed)]);
      assert.ok(assertRollbackAgrees(modified, j, ps, 'full').equals(orig));
      assert.deepEqual(planJournalRollback(j, ps)?.records.map((r) => r.pgno), changed);
    });

    it('nRec = 0 in a hot journal: no records, but the file is still truncated', () => {
      const j = Buffer.concat([jHeader({ nRec: 0, nonce: N, initialPages: init }), ...recs(changed)]);
      assert.deepEqual(planJournalRollback(j, ps), { pageSize: ps, initialPages: init, records: [] });
      assert.equal(assertRollbackAgrees(modified, j, ps, 'nRec 0').length, init * ps);
    });

    it('nRec = 0xffffffff: records counted from the file size, a trailing partial record ignored', () => {
      const j = Buffer.concat([jHeader({ nRec: 0xffffffff, nonce: N, initialPages: init }), ...recs(changed), Buffer.alloc(600, 1)]);
      assert.equal(planJournalRollback(j, ps)?.records.length, changed.length);
      assert.ok(assertRollbackAgrees(modified, j, ps, 'nRec -1').equals(orig));
    });

    it('a bad checksum or a short record ends playback', () => {
      const r = recs(changed);
      const bad = Buffer.concat([jHeader({ nRec: r.length, nonce: N, initialPages: init }), r[0], jRecord(changed[1], page(orig, changed[1]), N, true), ...r.slice(2)]);
      assert.deepEqual(planJournalRollback(bad, ps)?.records.map((x) => x.pgno), [changed[0]]);
      assertRollbackAgrees(modified, bad, ps, 'bad checksum');
      const short = Buffer.concat([jHeader({ nRec: r.length, nonce: N, initialPages: init }), ...r.slice(0, 2), r[2].subarray(0, 500)]);
      assert.deepEqual(planJournalRollback(short, ps)?.records.map((x) => x.pgno), changed.slice(0, 2));
      assertRollbackAgrees(modified, short, ps, 'short record');
      const zero = Buffer.concat([jHeader({ nRec: r.length, nonce: N, initialPages: init }), r[0], jRecord(0, page(orig, 2), N), ...r.slice(1)]);
      assert.equal(planJournalRollback(zero, ps)?.records.length, 1);
      assertRollbackAgrees(modified, zero, ps, 'page number 0');
    });

    it('multiple segments at sector boundaries, including an empty one; an unsynced (zeroed) header ends it', () => {
      const [a, b, c, d] = changed;
      for (const sector of [512, 4096]) {
        const seg = (nRec: number, pages: number[], nonce: number): Buffer =>
          pad(Buffer.concat([jHeader({ nRec, nonce, initialPages: init, sector }), ...recs(pages, nonce)]), sector);
        const j = Buffer.concat([seg(2, [a, b], N), seg(0, [], N + 1), seg(1, [c], N + 2), seg(1, [d], N + 3)]);
        const plan = planJournalRollback(j, ps);
        assert.deepEqual(plan?.records.map((r) => r.pgno), [a, b, c, d]);
        assert.equal(plan?.records[2].offset, Math.ceil((sector + 2 * (ps + 8)) / sector) * sector + 2 * sector + 4);
        assertRollbackAgrees(modified, j, ps, `segments, sector ${sector}`);
        const cut = Buffer.from(j);
        const third = j.indexOf(JOURNAL_MAGIC, 1 + j.indexOf(JOURNAL_MAGIC, 1));
        cut.fill(0, third, third + 12);
        assert.deepEqual(planJournalRollback(cut, ps)?.records.map((r) => r.pgno), [a, b]);
        assertRollbackAgrees(modified, cut, ps, `zeroed header, sector ${sector}`);
      }
    });

    it('not hot: zeroed first byte, invalid sector or page size in the first header', () => {
      const j = Buffer.concat([jHeader({ nRec: changed.length, nonce: N, initialPages: init }), ...recs(changed)]);
      const z = Buffer.from(j); z[0] = 0;
      assert.equal(planJournalRollback(z, ps), null);
      assertRollbackAgrees(modified, z, ps, 'zeroed first byte');
      for (const [off, v] of [[20, 16], [20, 1000], [20, 131072], [24, 1000], [24, 256]]) {
        const b = Buffer.from(j); b.writeUInt32BE(v, off);
        assert.equal(planJournalRollback(b, ps), null, `${off}=${v}`);
        assertRollbackAgrees(modified, b, ps, `${off}=${v}`);
      }
    });

    it('a journal shorter than one header sector is not played back (SQLite does not even truncate)', () => {
      // pager.c readJournalHdr(): journalOff + JOURNAL_HDR_SZ > journal size → SQLITE_DONE before pager_truncate()
      const j = jHeader({ nRec: 0, nonce: N, initialPages: init, length: 28 });
      assertRollbackAgrees(modified, j, ps, '28-byte journal');
    });

    it('a record beyond the original size is skipped before its checksum is checked (playback goes on)', () => {
      // pager_playback_one_page(): `pgno > dbSize → return SQLITE_OK` comes before the checksum test
      const j = Buffer.concat([jHeader({ nRec: changed.length + 1, nonce: N, initialPages: init }),
        jRecord(init + 5, Buffer.alloc(ps, 7), N, true), ...recs(changed)]);
      assert.ok(assertRollbackAgrees(modified, j, ps, 'torn record beyond the original size').equals(orig));
    });

    it('a record for the lock-byte page (the super-journal marker) ends playback', () => {
      // pager_playback_one_page(): pgno == PAGER_SJ_PGNO → SQLITE_DONE
      const lock = Math.floor(0x40000000 / ps) + 1;
      const j = Buffer.concat([jHeader({ nRec: changed.length + 1, nonce: N, initialPages: init }),
        jRecord(lock, Buffer.alloc(ps, 7), N), ...recs(changed)]);
      assertRollbackAgrees(modified, j, ps, 'lock-byte page record');
    });

    it('a journal page size that differs from the database header: SQLite plays it back at the journal page size', () => {
      // e.g. a crash inside `PRAGMA page_size=1024; VACUUM` of a 4096-byte-page database
      const p = nativeDb(`PRAGMA page_size=4096; CREATE TABLE t(x);
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<300) INSERT INTO t SELECT 'orig'||i FROM n;`);
      const big = readFileSync(p);
      native(p, "PRAGMA page_size=1024; VACUUM; UPDATE t SET x = 'new';");
      const small = readFileSync(p);
      assert.equal(header(small).pageSize, 1024);
      const n = big.length / 4096;
      const pages = Array.from({ length: n }, (_, i) => jRecord(i + 1, big.subarray(i * 4096, (i + 1) * 4096), N));
      const j = Buffer.concat([jHeader({ nRec: n, nonce: N, initialPages: n, pageSize: 4096 }), ...pages]);
      assert.ok(nativeRollback(small, j).equals(big), 'native sqlite3 restores the 4096-byte-page file');
      assert.equal(planJournalRollback(j, 1024)?.pageSize, 4096);
      assert.ok(applyJournal(small, j, 1024).equals(big));
    });

    it('superJournalName parses the trailer; a named super-journal that is gone means not hot', () => {
      const body = Buffer.concat([jHeader({ nRec: changed.length, nonce: N, initialPages: init }), ...recs(changed)]);
      const gone = join(TMP, 'gone-mj0123ABCD');
      const name = Buffer.from(gone);
      const sum = name.reduce((s, x) => s + x, 0);
      const j = Buffer.concat([body, sjTrailer(name, sum)]);
      assert.equal(superJournalName(j), gone);
      assert.equal(planJournalRollback(j, ps)?.records.length, changed.length);
      assert.ok(assertRollbackAgrees(modified, j, ps, 'super-journal gone').equals(modified));
      const present = tmp('mj-present');
      writeFileSync(present, 'child-journal\0');
      const jp = Buffer.concat([body, sjTrailer(Buffer.from(present), Buffer.from(present).reduce((s, x) => s + x, 0))]);
      assert.equal(superJournalName(jp), present);
      assert.ok(assertRollbackAgrees(modified, jp, ps, 'super-journal present').equals(orig));
      writeFileSync(present, '');
      assert.ok(assertRollbackAgrees(modified, jp, ps, 'empty super-journal counts as gone').equals(modified));
      // the name may be NUL-padded
      assert.equal(superJournalName(Buffer.concat([body, sjTrailer(Buffer.from('abc\0\0\0'), 294)])), 'abc');
      // corrupt trailers: SQLite then treats the journal as having no super-journal
      const corrupt = Buffer.concat([body, sjTrailer(name, sum + 1)]);
      assert.equal(superJournalName(corrupt), null);
      assert.ok(assertRollbackAgrees(modified, corrupt, ps, 'bad super-journal checksum').equals(orig));
      const huge = Buffer.from(j); huge.writeUInt32BE(j.length, j.length - 16); // length beyond the file
      assert.deepEqual([body, Buffer.concat([body, sjTrailer(Buffer.alloc(0), 0)]), huge, JOURNAL_MAGIC].map(superJournalName), [null, null, null, null]);
    });

    it('superJournalName with a non-ASCII name agrees with native SQLite (which sums the name as C chars)', () => {
      // pager.c writeSuperJournal()/readSuperJournal() sum `char` values: signed on x86-64, unsigned on arm64.
      const body = Buffer.concat([jHeader({ nRec: changed.length, nonce: N, initialPages: init }), ...recs(changed)]);
      const name = Buffer.from(join(TMP, 'gone-é-mj01'));
      const unsigned = name.reduce((s, x) => s + x, 0);
      const signed = name.reduce((s, x) => s + (x >= 128 ? x - 256 : x), 0);
      const wrong: string[] = [];
      for (const [what, sum] of [['unsigned', unsigned], ['signed', signed]] as const) {
        const j = Buffer.concat([body, sjTrailer(name, sum)]);
        if (!applyJournal(modified, j, ps).equals(nativeRollback(modified, j))) wrong.push(`${what} sum: superJournalName → ${superJournalName(j)}`);
      }
      assert.deepEqual(wrong, []);
    });
  });
});
