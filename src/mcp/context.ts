/**
 * What every tool handler is given — the one client of the process and the server's settings — and the
 * one place it is built from the configuration, for stdio and remote mode alike.
 */
import type { Config } from '../config.js';
import { VobizClient, type VobizClientOptions, type VobizCredentials } from '../vobiz/client.js';
import { Approvals, type ApprovalOptions } from './approval.js';
import type { ConfirmSettings } from './confirm.js';
import type { JobRegistry } from '../jobs/registry.js';
import type { JobSettings } from '../jobs/run-as-job.js';

export interface ToolContext {
  client: VobizClient;
  import: ImportSettings;
  confirm: ConfirmSettings;
  /** Contacts worked on at once by bulk tools: the ceiling; the account's pace (client.pace) sets the rate. */
  bulkConcurrency: number;
  /**
   * Where long calls go on once the call budget is spent. Without it a long call is held until it ends,
   * as tests of the work itself want; the servers (stdio and remote) always give it.
   */
  jobs?: JobSettings;
  /** Remote mode: the tools leave out the arguments that name the server's own files (forRemote). */
  remote?: boolean;
  /** The protocol generation of the connection: a 2026-07-28 one is also served the tasks extension. */
  era?: 'legacy' | 'modern';
  /** Told as each tool call answers (remote mode's metrics and request logs, ops/). */
  observe?: ToolObserver;
}

/**
 * How a tool call answered: `background` when it answered with a job that goes on; `input_required`
 * when it asked the user a question (2026-07-28 clients) and will be called again with the answer.
 */
export type ToolOutcome = 'success' | 'failure' | 'background' | 'input_required';
export type ToolObserver = (call: { tool: string; outcome: ToolOutcome; seconds: number }) => void;

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

/** Largest inline `csv` text: beyond it a file is the better way, and a tool argument that big hurts. */
export const MAX_INLINE_CSV_BYTES = 5 * 1024 * 1024;

/** Everything of the tool context but the client (made per account), from a configuration. */
export type ToolSettings = Omit<ToolContext, 'client' | 'jobs' | 'observe'>;

/**
 * The tools' settings of a configuration. Remote mode has its own differences: the server's disk is not
 * the caller's (no directories to read), and no answer from a user can reach a stateless request, so a
 * change that needs a yes needs a bound approval instead (approval.ts).
 */
export function toolSettingsFrom(
  config: Config,
  {
    remote = false,
    spendApproval,
  }: {
    remote?: boolean;
    /** Several instances on Redis: where an approval token is spent once for all (cluster.ts). */
    spendApproval?: ApprovalOptions['spendShared'];
  } = {},
): ToolSettings {
  return {
    import: {
      allowedDirs: remote ? [] : config.importDirs,
      maxFileBytes: config.importMaxBytes,
      maxInlineBytes: MAX_INLINE_CSV_BYTES,
      chunkRows: config.importChunkRows,
      chunkConcurrency: config.importConcurrency,
    },
    confirm: {
      mode: remote && config.confirmMode !== 'never' ? 'argument' : config.confirmMode,
      bulkThreshold: config.confirmThreshold,
      ...(remote && config.http.sessionSecret !== undefined && { questionKey: config.http.sessionSecret }),
      // One per process: a token is spent here once. Remote instances sharing the secret check each other's.
      approvals: new Approvals({
        secret: remote ? config.http.sessionSecret : undefined,
        ...(spendApproval && { spendShared: spendApproval }),
      }),
    },
    bulkConcurrency: config.bulkConcurrency,
    ...(remote && { remote }),
  };
}

/** The jobs of one owner (the stdio server's user, or a remote account), with the configured budget. */
export function jobSettingsFrom(
  config: Config,
  registry: JobRegistry,
  owner: string,
  retain?: JobSettings['retain'],
): JobSettings {
  return { registry, owner, budgetMs: config.callBudgetMs, ...(retain && { retain }) };
}

/**
 * The Vobiz client of a configuration, for an account (the configured one, or a remote caller's). A
 * remote caller's client is made per request and given the account's pace, which outlives it.
 */
export function vobizClientFrom(
  config: Config,
  credentials: VobizCredentials,
  shared: Pick<VobizClientOptions, 'dispatcher' | 'pace' | 'observer' | 'headers'> = {},
): VobizClient {
  return new VobizClient({
    baseUrl: config.baseUrl,
    credentials,
    timeoutMs: config.timeoutMs,
    maxResponseBytes: config.maxResponseBytes,
    deadlineMs: config.deadlineMs,
    concurrency: config.bulkConcurrency,
    ...shared,
  });
}
