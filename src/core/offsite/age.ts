// age encryption of off-site copies. Every object is encrypted to one X25519 recipient (fast:
// ~55 MB/s, ~100 MB RSS on 1 GB); the passphrase only wraps the identity (scrypt costs ~2 s and
// ~320 MB once, not per object). The identity lives in a 0600 file under the config folder, or
// wherever an injected `IdentityStore` keeps it (the editor's SecretStorage). X25519 rather than
// the post-quantum recipients, because Debian's `age` 1.1 must be able to open every object.
import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { ensurePrivateDir, FILE_MODE } from '../perms';
import { configDir } from './config';
import { PassphraseError } from './errors';
import { AGE_HEADER } from './layout';
import { vendor } from './lazy';

/** Where the age identity (secret key) is kept. Implementations must never log it. */
export interface IdentityStore {
  /** where, for messages: a path or "VS Code secret storage" */
  readonly describe: string;
  /** the identity (`AGE-SECRET-KEY-1…`), or null when there is none yet */
  load(): Promise<string | null>;
  save(identity: string): Promise<void>;
}

export const defaultIdentityFile = (env: NodeJS.ProcessEnv = process.env): string => join(configDir(env), 'age-identity.txt');

/** Parses an age identity file (comments and one `AGE-SECRET-KEY-1…` line). */
export function parseIdentityFile(text: string): string | null {
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l.startsWith('AGE-SECRET-KEY-1'));
  return line ?? null;
}

/** The standard identity file format, so that `age -d -i <file>` reads it. */
export async function identityFileText(identity: string, now = new Date()): Promise<string> {
  return `# created: ${now.toISOString()}\n# public key: ${await recipientOf(identity)}\n${identity}\n`;
}

/** An identity kept in a 0600 file in a 0700 folder (the CLI's store). */
export function fileIdentityStore(file: string): IdentityStore {
  return {
    describe: file,
    async load() {
      try {
        return parseIdentityFile(await fsp.readFile(file, 'utf8'));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
    async save(identity) {
      await ensurePrivateDir(dirname(file));
      const tmp = `${file}.tmp-${process.pid}`;
      await fsp.writeFile(tmp, await identityFileText(identity), { mode: FILE_MODE, flag: 'w' });
      await fsp.chmod(tmp, FILE_MODE);
      // link, not rename: never replace an identity that appeared meanwhile (it may have encrypted copies)
      try {
        await fsp.link(tmp, file);
      } finally {
        await fsp.rm(tmp, { force: true });
      }
    },
  };
}

export async function generateIdentity(): Promise<string> {
  return vendor().generateX25519Identity();
}

export async function recipientOf(identity: string): Promise<string> {
  return vendor().identityToRecipient(identity);
}

/** Encrypts a byte stream to `recipient`; the result is a standard age file. */
export async function encryptStream(src: Readable, recipient: string): Promise<Readable> {
  const e = new (vendor().Encrypter)();
  e.addRecipient(recipient);
  const out = await e.encrypt(Readable.toWeb(src) as ReadableStream<Uint8Array>);
  return Readable.fromWeb(out as import('node:stream/web').ReadableStream<Uint8Array>);
}

/** Decrypts an age stream; the header is checked before this resolves. */
export async function decryptStream(src: Readable, identity: string): Promise<Readable> {
  const d = new (vendor().Decrypter)();
  d.addIdentity(identity);
  const out = await d.decrypt(Readable.toWeb(src) as ReadableStream<Uint8Array>);
  return Readable.fromWeb(out as import('node:stream/web').ReadableStream<Uint8Array>);
}

export async function encryptBytes(data: Uint8Array | string, recipient: string): Promise<Uint8Array> {
  const e = new (vendor().Encrypter)();
  e.addRecipient(recipient);
  return e.encrypt(data as Uint8Array);
}

export async function decryptBytes(data: Uint8Array, identity: string): Promise<Uint8Array> {
  const d = new (vendor().Decrypter)();
  d.addIdentity(identity);
  return d.decrypt(data);
}

/** The identity file, encrypted with a passphrase (`age -p`): what a new machine needs besides credentials. */
export async function wrapIdentity(identity: string, passphrase: string): Promise<Uint8Array> {
  const e = new (vendor().Encrypter)();
  e.setPassphrase(passphrase);
  return e.encrypt(await identityFileText(identity));
}

/** Opens a wrapped identity; a wrong passphrase is a `PassphraseError` naming `where`. */
export async function unwrapIdentity(wrapped: Uint8Array, passphrase: string, where: string): Promise<string> {
  const d = new (vendor().Decrypter)();
  d.addPassphrase(passphrase);
  let text: string;
  try {
    text = await d.decrypt(wrapped, 'text');
  } catch (e) {
    const msg = (e as Error).message;
    throw new PassphraseError(where, /no identity matched|incorrect passphrase|invalid tag|mac/i.test(msg)
      ? 'the passphrase does not open the wrapped identity'
      : `the wrapped identity cannot be read: ${msg}`);
  }
  const identity = parseIdentityFile(text);
  if (!identity) throw new PassphraseError(where, 'the wrapped file opened but holds no age identity');
  return identity;
}

export function hasAgeHeader(head: Uint8Array): boolean {
  return Buffer.from(head.subarray(0, AGE_HEADER.length)).toString('latin1') === AGE_HEADER;
}
