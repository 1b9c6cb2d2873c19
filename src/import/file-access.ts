/**
 * Which files `import_contacts_csv` may read. A model chooses `file_path`, so a path is trusted only
 * when its real location (symlinks resolved) lies inside a directory the user allowed.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** A problem with the caller's input: reported to the model as it is, nothing was sent. */
export class ImportInputError extends Error {
  override readonly name = 'ImportInputError';
}

const CSV_EXTENSION = /\.csv$/i;

export interface AllowedFile {
  realPath: string;
  size: number;
}

export async function resolveImportFile(
  filePath: string,
  allowedDirs: readonly string[],
  maxBytes: number,
): Promise<AllowedFile> {
  if (!path.isAbsolute(filePath)) {
    throw new ImportInputError(`file_path must be an absolute path, e.g. ${path.resolve('contacts.csv')}.`);
  }
  if (allowedDirs.length === 0) {
    throw new ImportInputError(
      'This server reads no files: no directory is allowed (VOBIZ_IMPORT_DIRS, or the client’s roots; ' +
        'remote mode never reads files). Pass the content as `csv` instead.',
    );
  }
  let realPath: string;
  try {
    realPath = await realpath(filePath);
  } catch {
    throw new ImportInputError(`No file at ${filePath}.`);
  }
  // Checked on the real path too: a link named contacts.csv must not lead the model to ~/.ssh/id_rsa.
  if (!CSV_EXTENSION.test(filePath) || !CSV_EXTENSION.test(realPath)) {
    throw new ImportInputError(`${filePath} is not a .csv file: only .csv files are read.`);
  }
  const roots = await Promise.all(allowedDirs.map((dir) => realpath(dir).catch(() => path.resolve(dir))));
  if (!roots.some((root) => isInside(realPath, root))) {
    throw new ImportInputError(
      `${filePath} is outside the directories this server may read (${roots.join(', ') || 'none'}). ` +
        'Move the file into one of them, or pass its content as `csv`.',
    );
  }
  const info = await stat(realPath);
  if (!info.isFile()) throw new ImportInputError(`${filePath} is not a regular file.`);
  if (info.size > maxBytes) {
    throw new ImportInputError(
      `${filePath} is ${formatBytes(info.size)}, over the ${formatBytes(maxBytes)} limit (VOBIZ_IMPORT_MAX_BYTES).`,
    );
  }
  return { realPath, size: info.size };
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
