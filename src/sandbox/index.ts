/**
 * The sandbox: a faithful local implementation of the Vobiz Contacts API contract, over real HTTP, with
 * faults on demand for tests and a network model (round trip, per-account rate limit) for tests and
 * benchmarks. `startSandbox()` is the whole public surface.
 */
import { randomBytes } from 'node:crypto';
import { once, setMaxListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import { API_PATH_PREFIX } from '../vobiz/contract.js';
import type { SandboxCredentials } from './auth.js';
import { FaultQueue, type FaultController } from './faults.js';
import { NetworkModel, type Clock, type NetworkOptions } from './network.js';
import { loadPersistedState, StatePersister, type PersistedTokens } from './persist.js';
import { sampleContacts } from './seed.js';
import {
  createSandboxServer,
  RequestCounter,
  type RequestLogEntry,
  type SandboxStats,
} from './sandbox-server.js';
import { ContactStore, type SandboxContact } from './store.js';

export type { Fault, FaultController, FaultRule } from './faults.js';
export type { SandboxRoute } from './routes.js';
export type { Clock, NetworkOptions, RateLimit } from './network.js';
export type { RequestLogEntry, SandboxStats } from './sandbox-server.js';
export type { SandboxContact } from './store.js';
export type { SandboxCredentials } from './auth.js';
export { generateContacts, type GenerateOptions } from './seed.js';

/** `MA_` + 8 uppercase alphanumerics, the documented shape of an auth id. */
export const DEFAULT_SANDBOX_AUTH_ID = 'MA_SANDBOX1';

export interface SandboxOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default DEFAULT_SANDBOX_AUTH_ID. */
  authId?: string;
  /** Default: random per start. */
  authToken?: string;
  /** Default: random per start. */
  bearerToken?: string;
  /** The contacts' `account_id`; default: the auth id. */
  accountId?: string;
  /** Start with the sample contacts (default true). Ignored when persistPath already holds a state. */
  seed?: boolean;
  /** Start with these contacts instead (e.g. seed.ts's generateContacts); ignored like `seed`. */
  contacts?: readonly SandboxContact[];
  /** A JSON file to load the state from (when it exists) and save every change to. */
  persistPath?: string;
  /** A round trip and a per-account rate limit (network.ts); default none. Changed later by setNetwork. */
  network?: NetworkOptions;
  /** The rate limit's clock, in ms (default performance.now): tests refill the bucket without waiting. */
  clock?: Clock;
}

export interface Sandbox {
  /** e.g. http://127.0.0.1:PORT/api/v1/messaging */
  baseUrl: string;
  port: number;
  credentials: SandboxCredentials;
  accountId: string;
  faults: FaultController;
  /** Every request received, in order of arrival (the latest 10,000). */
  requestLog: RequestLogEntry[];
  /** How many requests it has received in all. */
  requestCount(): number;
  /** Resolves once no request is being handled — one waiting out a latency fault included. */
  idle(): Promise<void>;
  /** A snapshot of the contacts, in creation order. */
  contacts(): SandboxContact[];
  /**
   * Replaces the network model (`{}` turns it off) for the requests that arrive from now; the rate
   * limit starts again with a full bucket. Throws a RangeError for a value out of range.
   */
  setNetwork(network: NetworkOptions): void;
  /** The network model in force, burst filled in; `{}` when off. */
  network(): NetworkOptions;
  /** Counts since the start or the last resetStats(): cheap, a few numbers. */
  stats(): SandboxStats;
  resetStats(): void;
  /**
   * From now, lists with a `search` or `tag` filter answer from the contacts as they are now, for the
   * next `requests` of them (default: until refreshSearchIndex()): a stale search index. See
   * ContactStore.freezeSearchIndex.
   */
  freezeSearchIndex(options?: { requests?: number }): void;
  /** The search index catches up at once. */
  refreshSearchIndex(): void;
  /** Stops listening, closes every connection (keep-alive ones too) and waits for a pending save. */
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const authId = options.authId ?? DEFAULT_SANDBOX_AUTH_ID;
  const persisted =
    options.persistPath === undefined ? undefined : await loadPersistedState(options.persistPath);
  // A persisted sandbox keeps its random tokens in its state file, so that a client configured with
  // them still works after a restart; tokens given as options win (and are saved in their place).
  const credentials: SandboxCredentials = {
    authId,
    authToken: options.authToken ?? persisted?.tokens?.authToken ?? randomBytes(24).toString('hex'),
    bearerToken:
      options.bearerToken ?? persisted?.tokens?.bearerToken ?? randomBytes(32).toString('base64url'),
  };
  const accountId = options.accountId ?? authId;

  const store = new ContactStore(
    accountId,
    persisted?.contacts ?? options.contacts ?? (options.seed === false ? [] : sampleContacts(accountId)),
  );
  const tokens: PersistedTokens = { authToken: credentials.authToken, bearerToken: credentials.bearerToken };
  const persister =
    options.persistPath === undefined
      ? undefined
      : new StatePersister(options.persistPath, () => store.serialize({ tokens }));
  // A new state file (or one whose tokens are not these) is written from the start, so that what the
  // user sees is what a restart brings back; awaited, so that an unwritable path fails the start rather
  // than every later save.
  const saved = persisted?.tokens;
  if (persister && (saved?.authToken !== tokens.authToken || saved?.bearerToken !== tokens.bearerToken)) {
    persister.schedule();
    await persister.flush();
  }

  const faults = new FaultQueue();
  const network = new NetworkModel(options.network ?? {}, options.clock ?? (() => performance.now()));
  const requestLog: RequestLogEntry[] = [];
  const counter = new RequestCounter();
  const shutdown = new AbortController();
  // Every request held by a latency (fault or round trip) listens to it until its wait ends: many at
  // once is the point, not a leak (Node warns past 10).
  setMaxListeners(0, shutdown.signal);
  const server = createSandboxServer({
    store,
    credentials,
    faults,
    network,
    requestLog,
    counter,
    onStoreChanged: () => persister?.schedule(),
    shutdown: shutdown.signal,
  });

  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  try {
    await once(server, 'listening');
  } catch (error) {
    await persister?.flush();
    throw error;
  }
  const { address, port } = server.address() as AddressInfo;
  const urlHost = address.includes(':') ? `[${address}]` : address;

  let closing: Promise<void> | undefined;
  const close = async () => {
    shutdown.abort();
    const closed = once(server, 'close');
    server.close();
    server.closeAllConnections();
    await closed;
    await persister?.flush();
  };

  return {
    baseUrl: `http://${urlHost}:${port}${API_PATH_PREFIX}`,
    port,
    credentials,
    accountId,
    faults,
    requestLog,
    requestCount: () => counter.requests,
    idle: () => counter.idle(),
    contacts: () => store.snapshot(),
    setNetwork: (options) => network.set(options),
    network: () => network.current,
    stats: () => counter.stats(),
    resetStats: () => counter.resetStats(),
    freezeSearchIndex: (freeze) => store.freezeSearchIndex(freeze?.requests),
    refreshSearchIndex: () => store.refreshSearchIndex(),
    close: () => (closing ??= close()),
  };
}
