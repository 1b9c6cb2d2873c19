/**
 * The standalone sandbox: `vobiz-contacts-mcp sandbox` / `npm run sandbox`. Runs until SIGINT or
 * SIGTERM. It is a terminal program of its own (never the MCP stdio server), so it may print to stdout.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_SANDBOX_AUTH_ID, generateContacts, startSandbox, type Sandbox } from './index.js';
import { describeNetwork, MAX_LATENCY_MS, type NetworkOptions } from './network.js';

export const DEFAULT_SANDBOX_PORT = 4010;

const USAGE = `Usage: vobiz-contacts-mcp sandbox [options]

Runs a local implementation of the Vobiz Contacts API until Ctrl+C.

Options:
  --port N            port to listen on (default ${DEFAULT_SANDBOX_PORT}; 0 picks a free one)
  --host HOST         interface to listen on (default 127.0.0.1)
  --persist FILE      keep the contacts and tokens in FILE (loaded at start when it exists)
  --no-seed           start empty instead of with sample contacts
  --contacts N        start with N generated contacts instead (an account at scale, e.g. 20000)
  --latency TIME      hold every answer TIME: a network's round trip (100ms, 0.1s; a bare number is ms)
  --rate-limit RATE   the account's request rate, past which it answers 429 with Retry-After
                      (100/s, 6000/min)
  --burst N           requests allowed at once after a quiet spell (default: one second's worth)
  --auth-id ID        X-Auth-ID to accept (default MA_SANDBOX1)
  --auth-token TOKEN  X-Auth-Token to accept (default: random, or the one in the --persist file)
  --bearer-token T    Bearer token to accept (default: random, or the one in the --persist file)
  -h, --help          show this help
`;

export interface SandboxCliIo {
  /** Where the banner goes; default stdout. */
  write?: (text: string) => void;
  /** Where usage errors go; default stderr. */
  writeError?: (text: string) => void;
  /** Called once listening (tests use it to find the sandbox). */
  onReady?: (sandbox: Sandbox) => void;
}

/** Resolves once the sandbox has stopped after SIGINT/SIGTERM; a usage error sets exit code 2. */
export async function runSandboxCli(argv: string[], io: SandboxCliIo = {}): Promise<void> {
  const write = io.write ?? ((text: string) => void process.stdout.write(text));
  const writeError = io.writeError ?? ((text: string) => void process.stderr.write(text));

  let values: ReturnType<typeof parseFlags>;
  let port: number;
  let network: NetworkOptions;
  let contactCount: number | undefined;
  try {
    values = parseFlags(argv);
    port = wholeNumber('--port', values.port ?? String(DEFAULT_SANDBOX_PORT), 65535);
    network = networkFlags(values);
    contactCount =
      values.contacts === undefined ? undefined : wholeNumber('--contacts', values.contacts, 10_000_000);
    if (contactCount !== undefined && values['no-seed']) {
      throw new Error('--contacts and --no-seed cannot be used together');
    }
  } catch (error) {
    writeError(`${(error as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (values.help) {
    write(USAGE);
    return;
  }

  const authId = values['auth-id'] ?? DEFAULT_SANDBOX_AUTH_ID;
  const sandbox = await startSandbox({
    port,
    host: values.host,
    persistPath: values.persist,
    seed: !values['no-seed'],
    // Generated only when used: a persisted state, when there is one, wins as it does over the seed.
    contacts: contactCount === undefined ? undefined : generateContacts(contactCount, { accountId: authId }),
    authId,
    authToken: values['auth-token'],
    bearerToken: values['bearer-token'],
    network,
  });
  write(banner(sandbox, values.persist));
  io.onReady?.(sandbox);

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  write('Stopping the sandbox…\n');
  await sandbox.close();
}

function parseFlags(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      persist: { type: 'string' },
      'no-seed': { type: 'boolean', default: false },
      contacts: { type: 'string' },
      latency: { type: 'string' },
      'rate-limit': { type: 'string' },
      burst: { type: 'string' },
      'auth-id': { type: 'string' },
      'auth-token': { type: 'string' },
      'bearer-token': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
}

/** An integer from 0 to `max`, or an error naming the flag. */
function wholeNumber(flag: string, text: string, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value <= max)) throw new Error(`${flag} must be an integer from 0 to ${max}, got ${text}`);
  return value;
}

function networkFlags(values: ReturnType<typeof parseFlags>): NetworkOptions {
  const latency = values.latency;
  const rate = values['rate-limit'];
  if (values.burst !== undefined && rate === undefined) throw new Error('--burst needs --rate-limit');
  const burst = values.burst === undefined ? undefined : wholeNumber('--burst', values.burst, 1_000_000_000);
  if (burst === 0) throw new Error('--burst must be at least 1, got 0');
  return {
    ...(latency !== undefined && { latencyMs: parseLatency(latency) }),
    ...(rate !== undefined && { rateLimit: { perSecond: parseRate(rate), ...(burst && { burst }) } }),
  };
}

const LATENCY_UNITS: Readonly<Record<string, number>> = { '': 1, ms: 1, s: 1000 };

/** `100ms`, `0.1s` or `250` (ms) → milliseconds; an Error naming --latency for anything else. */
export function parseLatency(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/i.exec(text.trim());
  const ms = match ? Number(match[1]) * (LATENCY_UNITS[(match[2] ?? '').toLowerCase()] ?? NaN) : NaN;
  if (!(ms >= 0 && ms <= MAX_LATENCY_MS)) {
    throw new Error(
      `--latency must be a time like 100ms, 0.1s or 250 (ms), at most ${MAX_LATENCY_MS} ms; got ${text}`,
    );
  }
  return ms;
}

const RATE_UNITS: Readonly<Record<string, number>> = { s: 1, sec: 1, min: 60, m: 60 };

/** `100/s` or `6000/min` → requests per second; an Error naming --rate-limit for anything else. */
export function parseRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*\/\s*([a-z]+)$/i.exec(text.trim());
  const perUnit = match ? RATE_UNITS[(match[2] ?? '').toLowerCase()] : undefined;
  const perSecond = match && perUnit ? Number(match[1]) / perUnit : NaN;
  if (!(perSecond > 0 && Number.isFinite(perSecond))) {
    throw new Error(`--rate-limit must be a rate above 0 like 100/s or 6000/min, got ${text}`);
  }
  return perSecond;
}

function banner(sandbox: Sandbox, persistPath: string | undefined): string {
  const { authId, authToken, bearerToken } = sandbox.credentials;
  const state = persistPath === undefined ? 'in memory (lost on exit)' : `saved to ${persistPath}`;
  const network = describeNetwork(sandbox.network());
  return [
    'Vobiz Contacts API sandbox — a local implementation, not Vobiz.',
    `  Base URL      ${sandbox.baseUrl}`,
    `  X-Auth-ID     ${authId}`,
    `  X-Auth-Token  ${authToken}`,
    `  Bearer token  ${bearerToken}`,
    `  Contacts      ${sandbox.contacts().length}, ${state}`,
    `  Network       ${network ?? 'none: loopback speed, no rate limit (--latency, --rate-limit)'}`,
    '',
    'For the MCP server:',
    `  VOBIZ_BASE_URL=${sandbox.baseUrl} VOBIZ_AUTH_ID=${authId} VOBIZ_AUTH_TOKEN=${authToken}`,
    '',
    'Press Ctrl+C to stop.',
    '',
  ].join('\n');
}
