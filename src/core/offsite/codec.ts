// Compression of off-site copies with the runtime's own zlib: gzip everywhere (level 6 by
// default), zstd where zlib has it (Node >= 22.15; level 3 compresses SQLite files as well as
// gzip 6 at ~3x the speed, docs/benchmarks.md), or none. Every output is what the standard
// `gzip -d` / `zstd -d` read, which is what makes the manual recovery path work.
import { PassThrough, Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { Codec } from './config';

type ZstdZlib = typeof zlib & {
  createZstdCompress?: (o?: { params?: Record<number, number> }) => Transform;
  createZstdDecompress?: () => Transform;
  constants: typeof zlib.constants & { ZSTD_c_compressionLevel?: number };
};
const z = zlib as ZstdZlib;

/** Whether this runtime can write and read `codec`. */
export function codecAvailable(codec: Codec): boolean {
  return codec !== 'zstd' || (typeof z.createZstdCompress === 'function' && typeof z.createZstdDecompress === 'function');
}

export function availableCodecs(): Codec[] {
  return (['gzip', 'zstd', 'none'] as Codec[]).filter(codecAvailable);
}

function noZstd(): Error {
  return new Error(`this runtime's zlib has no zstd (Node ${process.versions.node}; zstd needs Node >= 22.15): use "compression": "gzip", or decompress by hand with zstd -d`);
}

export function compressor(codec: Codec, level?: number): Transform {
  if (codec === 'gzip') return zlib.createGzip({ level: level ?? 6 });
  if (codec === 'none') return new PassThrough();
  if (!codecAvailable('zstd')) throw noZstd();
  const key = z.constants.ZSTD_c_compressionLevel ?? 100;
  return z.createZstdCompress!({ params: { [key]: level ?? 3 } });
}

export function decompressor(codec: Codec): Transform {
  if (codec === 'gzip') return zlib.createGunzip();
  if (codec === 'none') return new PassThrough();
  if (!codecAvailable('zstd')) throw noZstd();
  return z.createZstdDecompress!();
}
