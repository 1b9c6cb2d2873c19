/**
 * Which files `import_contacts_csv` may read, and reading them. A model chooses `file_path`, so a path is
 * trusted only when its real location (symlinks resolved) lies inside a directory the user allowed — and
 * nothing about a path outside them is looked up: "outside" and "not there" get the same answer, so the
 * tool cannot be used to learn which files exist. The file is opened once; its size is checked on the
 * descriptor, and every pass reads that same descriptor, never past the size limit, whatever happens to
 * the name or the file meanwhile. What is read is checked as it is read: a file written to since it was
 * opened (its size or modification time changed: an export overwritten in place) stops the read, so two
 * versions of a file are never mixed; and bytes that are not UTF-8 stop it too, with where they are.
 */
import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';

/** A problem with the caller's input: reported to the model as it is, nothing was sent. */
export class ImportInputError extends Error {
  override readonly name = 'ImportInputError';
}

const CSV_EXTENSION = /\.csv$/i;

/**
 * `~/Downloads/x.csv` → the home directory's Downloads/x.csv, as a shell would read it: users (and models
 * repeating them) write paths that way. Only the user's own `~`; `~other/…` stays as it is, and is refused
 * as not absolute.
 */
export function expandHome(filePath: string): string {
  if (filePath !== '~' && !/^~[\\/]/.test(filePath)) return filePath;
  return path.join(os.homedir(), filePath.slice(1));
}
const READ_CHUNK_BYTES = 64 * 1024;

export interface ImportFile {
  /** The path as the caller gave it, for messages. */
  label: string;
  size: number;
  /** A fresh stream of the content from the start; never more than `maxBytes`. */
  read(): Readable;
  /** The first `bytes` of the content. */
  head(bytes: number): Promise<Buffer>;
  close(): Promise<void>;
}

export async function openImportFile(
  givenPath: string,
  allowedDirs: readonly string[],
  maxBytes: number,
): Promise<ImportFile> {
  const filePath = expandHome(givenPath);
  if (!path.isAbsolute(filePath)) {
    throw new ImportInputError(`file_path must be an absolute path, e.g. ${path.resolve('contacts.csv')}.`);
  }
  if (allowedDirs.length === 0) {
    throw new ImportInputError(
      'This server reads no files: no directory is allowed (VOBIZ_IMPORT_DIRS, or the client’s roots; ' +
        'remote mode never reads files). Pass the content as `csv` instead.',
    );
  }
  // Judged on the name alone: it says nothing about the file system.
  if (!CSV_EXTENSION.test(filePath)) {
    throw new ImportInputError(`${filePath} is not a .csv file: only .csv files are read.`);
  }
  const given = allowedDirs.map((dir) => path.resolve(dir));
  const roots = await Promise.all(given.map((dir) => realpath(dir).catch(() => dir)));
  const notReadable = new ImportInputError(
    `${filePath} is not a file this server can read: it is outside the directories it may read ` +
      `(${[...new Set(roots)].join(', ')}), or there is no such file. Move the file into one of them, or pass its content as \`csv\`.`,
  );
  const lexical = path.resolve(filePath);
  // Nothing outside the allowed directories is looked up, not even whether it exists.
  if (![...given, ...roots].some((root) => isInside(lexical, root))) throw notReadable;
  let realPath: string;
  try {
    realPath = await realpath(lexical);
  } catch {
    throw notReadable;
  }
  if (!roots.some((root) => isInside(realPath, root))) throw notReadable;
  // Checked on the real path too: a link named contacts.csv must not lead the model to ~/.ssh/id_rsa.
  if (!CSV_EXTENSION.test(realPath)) {
    throw new ImportInputError(`${filePath} is not a .csv file: only .csv files are read.`);
  }
  let handle: FileHandle;
  try {
    handle = await open(realPath, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    throw notReadable;
  }
  try {
    const info = await handle.stat({ bigint: true });
    if (!info.isFile()) throw new ImportInputError(`${filePath} is not a regular file.`);
    const size = Number(info.size);
    if (size > maxBytes) {
      throw new ImportInputError(
        `${filePath} is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit (VOBIZ_IMPORT_MAX_BYTES).`,
      );
    }
    const unchanged = () => assertUnchanged(handle, info, filePath);
    return {
      label: filePath,
      size,
      read: () => Readable.from(readAtMost(handle, maxBytes, filePath, unchanged), { objectMode: false }),
      head: async (bytes) => {
        const { buffer, bytesRead } = await handle.read(Buffer.alloc(bytes), 0, bytes, 0);
        await unchanged();
        return buffer.subarray(0, bytesRead);
      },
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * The content from the start, by position on the one descriptor. Fails, before handing on a byte of the
 * block concerned, when the file grew past `maxBytes`, was written to since it was opened, or is not UTF-8.
 */
async function* readAtMost(
  handle: FileHandle,
  maxBytes: number,
  label: string,
  unchanged: () => Promise<void>,
): AsyncGenerator<Buffer> {
  const utf8 = new Utf8Check(label);
  let position = 0;
  for (;;) {
    // One byte past the limit is enough to know the file grew: nothing further is read.
    const want = Math.min(READ_CHUNK_BYTES, maxBytes + 1 - position);
    const { buffer, bytesRead } = await handle.read(Buffer.allocUnsafe(want), 0, want, position);
    if (position + bytesRead > maxBytes) {
      throw new ImportInputError(
        `${label} grew past the ${formatBytes(maxBytes)} limit (VOBIZ_IMPORT_MAX_BYTES) while it was read; nothing past it was read.`,
      );
    }
    // Checked after the read: a write before or during it shows in the file's size or time.
    await unchanged();
    if (bytesRead === 0) {
      utf8.end();
      return;
    }
    const block = buffer.subarray(0, bytesRead);
    utf8.check(block);
    position += bytesRead;
    yield block;
  }
}

/** Throws when the file's size or modification time is no longer what it was when it was opened. */
async function assertUnchanged(handle: FileHandle, opened: BigIntStats, label: string): Promise<void> {
  const now = await handle.stat({ bigint: true });
  if (now.size !== opened.size || now.mtimeNs !== opened.mtimeNs) {
    throw new ImportInputError(
      `${label} changed while it was read (it was written to after the import opened it), so the rest of it ` +
        'was not read: what was read and what follows may come from two versions of the file. Import it ' +
        'again once nothing is writing to it.',
    );
  }
}

/**
 * Checks that a stream of blocks is UTF-8, a character cut between two blocks included, and says where
 * it is not: the byte's offset in the file and its line. A fatal decoder, not csv-parse's, which would
 * turn such bytes into U+FFFD without a word.
 */
class Utf8Check {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  /** Bytes before the current block, and the line breaks among them. */
  private offset = 0;
  private lines = 0;
  /** The last bytes of the previous block: the start of a character it may have cut. */
  private tail = Buffer.alloc(0);

  constructor(private readonly label: string) {}

  check(block: Buffer): void {
    try {
      this.decoder.decode(block, { stream: true });
    } catch {
      this.fail(block);
    }
    this.offset += block.length;
    for (let at = block.indexOf(10); at !== -1; at = block.indexOf(10, at + 1)) this.lines++;
    this.tail = Buffer.from(block.subarray(-3));
  }

  /** The file ended: a character cut at its end is not UTF-8 either. */
  end(): void {
    try {
      this.decoder.decode();
    } catch {
      this.fail(Buffer.alloc(0), true);
    }
  }

  /**
   * Finds the first byte no valid UTF-8 text can continue with: the shortest prefix a fresh decoder
   * refuses, searched by halves, starting from the previous block's tail so that a cut character is seen
   * whole (a tail byte that starts no character is skipped, as it was read already).
   */
  private fail(block: Buffer, atEnd = false): never {
    let start = 0;
    while (start < this.tail.length && ((this.tail[start] ?? 0) & 0xc0) === 0x80) start++;
    const bytes = Buffer.concat([this.tail.subarray(start), block]);
    const base = this.offset - (this.tail.length - start);
    const refused = (length: number, stream = !atEnd) => {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, length), { stream });
        return false;
      } catch {
        return true;
      }
    };
    let low = 1;
    let high = bytes.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (refused(mid)) high = mid;
      else low = mid + 1;
    }
    // The byte that made the text invalid; when a character was left unfinished before it, that
    // character's first byte is where the bad sequence starts.
    let first = Math.max(0, low - 1);
    if (refused(first, false)) {
      do first--;
      while (first > 0 && ((bytes[first] ?? 0) & 0xc0) !== 0xc0);
    }
    const at = base + first;
    let line = this.lines + 1;
    const before = bytes.subarray(0, Math.max(0, at - base));
    // Line breaks among the tail bytes were counted with the previous block already.
    const counted = this.tail.length - start;
    for (let i = counted; i < before.length; i++) if (before[i] === 10) line++;
    throw new ImportInputError(
      `${this.label} is not UTF-8 text: byte ${at + 1} (on line ${line}) cannot be read as UTF-8, so the ` +
        'file was not read past it. Save the CSV as UTF-8 and try again.',
    );
  }
}

function isInside(candidate: string, root: string): boolean {
  const relative = path.relative(root, candidate);
  return (
    relative === '' ||
    (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
  );
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
