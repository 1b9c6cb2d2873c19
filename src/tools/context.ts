import type { VobizClient } from '../vobiz/client.js';
import type { ConfirmSettings } from './confirm.js';

/** What every tool handler is given: the one client of the process and the server's settings. */
export interface ToolContext {
  client: VobizClient;
  import: ImportSettings;
  confirm: ConfirmSettings;
  /** Contacts worked on at once by bulk tools. */
  bulkConcurrency: number;
}

export interface ImportSettings {
  /** Directories a `file_path` must lie in (real paths, symlinks resolved), when the client offers no roots. */
  allowedDirs: string[];
  /** Largest CSV file accepted by `file_path`. */
  maxFileBytes: number;
  /** Largest inline `csv` text accepted. */
  maxInlineBytes: number;
  /** Rows per uploaded chunk. */
  chunkRows: number;
  /** Chunks uploaded at once; default DEFAULT_IMPORT_CONCURRENCY. */
  chunkConcurrency?: number;
  /** How long a client that declares roots has to list them; default ROOTS_TIMEOUT_MS (tests shorten it). */
  rootsTimeoutMs?: number;
}

/** Chunks an import keeps in flight unless told otherwise (VOBIZ_IMPORT_CONCURRENCY). */
export const DEFAULT_IMPORT_CONCURRENCY = 4;
