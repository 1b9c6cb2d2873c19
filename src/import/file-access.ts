/**
 * Which files `import_contacts_csv` may read, and reading them. A model chooses `file_path`, so a path is
 * trusted only when its real location (symlinks resolved) lies inside a directory the user allowed — and
 * nothing about a path outside them is looked up: "outside" and "not there" get the same answer, so the
 * tool cannot be used to learn which files exist. The file is opened once; its size is checked on the
 * descriptor, and every pass reads that same descriptor, never past the size limit, whatever happens to
 * the name or the file meanwhile.
 */
import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';

/** A problem with the caller's input: reported to the model as it is, nothing was sent. */
export class ImportInputError extends Error {
  override readonly name = 'ImportInputError';
}

const CSV_EXTENSION = /\.csv$/i;
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
  filePath: string,
  allowedDirs: readonly string[],
  maxBytes: number,
): Promise<ImportFile> {
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
    const info = await handle.stat();
    if (!info.isFile()) throw new ImportInputError(`${filePath} is not a regular file.`);
    if (info.size > maxBytes) {
      throw new ImportInputError(
        `${filePath} is ${formatBytes(info.size)}, over the ${formatBytes(maxBytes)} limit (VOBIZ_IMPORT_MAX_BYTES).`,
      );
    }
    return {
      label: filePath,
      size: info.size,
      read: () => Readable.from(readAtMost(handle, maxBytes, filePath), { objectMode: false }),
      head: async (bytes) => {
        const { buffer, bytesRead } = await handle.read(Buffer.alloc(bytes), 0, bytes, 0);
        return buffer.subarray(0, bytesRead);
      },
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** The content from the start, by position on the one descriptor; a file grown past `maxBytes` fails. */
async function* readAtMost(handle: FileHandle, maxBytes: number, label: string): AsyncGenerator<Buffer> {
  let position = 0;
  for (;;) {
    // One byte past the limit is enough to know the file grew: nothing further is read.
    const want = Math.min(READ_CHUNK_BYTES, maxBytes + 1 - position);
    const { buffer, bytesRead } = await handle.read(Buffer.allocUnsafe(want), 0, want, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    if (position > maxBytes) {
      throw new ImportInputError(
        `${label} grew past the ${formatBytes(maxBytes)} limit (VOBIZ_IMPORT_MAX_BYTES) while it was read; nothing past it was read.`,
      );
    }
    yield buffer.subarray(0, bytesRead);
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
