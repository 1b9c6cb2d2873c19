/**
 * The standalone sandbox: `vobiz-contacts-mcp sandbox` / `npm run sandbox`. Runs until SIGINT or
 * SIGTERM. It is a terminal program of its own (never the MCP stdio server), so it may print to stdout.
 */
import { parseArgs } from 'node:util';
import { startSandbox, type Sandbox } from './index.js';

export const DEFAULT_SANDBOX_PORT = 4010;

const USAGE = `Usage: vobiz-contacts-mcp sandbox [options]

Runs a local implementation of the Vobiz Contacts API until Ctrl+C.

Options:
  --port N            port to listen on (default ${DEFAULT_SANDBOX_PORT}; 0 picks a free one)
  --host HOST         interface to listen on (default 127.0.0.1)
  --persist FILE      keep the contacts in FILE (loaded at start when it exists)
  --no-seed           start empty instead of with sample contacts
  --auth-id ID        X-Auth-ID to accept (default MA_SANDBOX1)
  --auth-token TOKEN  X-Auth-Token to accept (default: random)
  --bearer-token T    Bearer token to accept (default: random)
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
  try {
    values = parseFlags(argv);
  } catch (error) {
    writeError(`${(error as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (values.help) {
    write(USAGE);
    return;
  }
  const port = Number(values.port ?? DEFAULT_SANDBOX_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    writeError(`--port must be an integer from 0 to 65535, got ${values.port}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }

  const sandbox = await startSandbox({
    port,
    host: values.host,
    persistPath: values.persist,
    seed: !values['no-seed'],
    authId: values['auth-id'],
    authToken: values['auth-token'],
    bearerToken: values['bearer-token'],
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
      'auth-id': { type: 'string' },
      'auth-token': { type: 'string' },
      'bearer-token': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
}

function banner(sandbox: Sandbox, persistPath: string | undefined): string {
  const { authId, authToken, bearerToken } = sandbox.credentials;
  const state = persistPath === undefined ? 'in memory (lost on exit)' : `saved to ${persistPath}`;
  return [
    'Vobiz Contacts API sandbox — a local implementation, not Vobiz.',
    `  Base URL      ${sandbox.baseUrl}`,
    `  X-Auth-ID     ${authId}`,
    `  X-Auth-Token  ${authToken}`,
    `  Bearer token  ${bearerToken}`,
    `  Contacts      ${sandbox.contacts().length}, ${state}`,
    '',
    'For the MCP server:',
    `  VOBIZ_BASE_URL=${sandbox.baseUrl} VOBIZ_AUTH_ID=${authId} VOBIZ_AUTH_TOKEN=${authToken}`,
    '',
    'Press Ctrl+C to stop.',
    '',
  ].join('\n');
}
