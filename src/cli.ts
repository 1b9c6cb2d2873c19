#!/usr/bin/env node
/**
 * The command line: reads the configuration, connects the MCP server to stdio, and shuts down cleanly.
 * `--sandbox` serves the tools against an in-process sandbox; `sandbox` runs the sandbox alone.
 */
import { parseArgs } from 'node:util';
import { serveStdio } from './mcp/sdk.js';
import {
  ConfigError,
  loadConfig,
  sandboxRequested,
  settingsReference,
  type ConfigWithAccount,
} from './config.js';
import { logError, logInfo, registerSecret, setDebugLogging } from './log.js';
import type { Sandbox } from './sandbox/index.js';
import { createServer, SERVER_NAME, SERVER_VERSION } from './mcp/create-server.js';
import { confirmFor } from './mcp/confirm.js';
import { jobSettingsFrom, toolSettingsFrom, vobizClientFrom } from './mcp/context.js';
import { JobRegistry } from './jobs/registry.js';

const HELP = `${SERVER_NAME} ${SERVER_VERSION} — MCP server for Vobiz WhatsApp contacts (stdio or Streamable HTTP)

Usage:
  vobiz-contacts-mcp              serve the tools over stdio against the Vobiz API
  vobiz-contacts-mcp --sandbox    serve them against a local sandbox API (no account needed)
  vobiz-contacts-mcp --http [--port 3000] [--host 127.0.0.1]
                                  serve them over Streamable HTTP at /mcp (stateless), GET /healthz
                                  (add --sandbox to serve them against an in-process sandbox)
  vobiz-contacts-mcp sandbox      run the sandbox API alone (--port, --host, --persist FILE, --no-seed,
                                  --contacts N, --latency 100ms, --rate-limit 100/s, --burst N;
                                  'sandbox --help' says more)
  vobiz-contacts-mcp doctor       check the configuration and reach the API once; says what is wrong
  vobiz-contacts-mcp --help | --version

Environment (all optional but the credentials; the README's Configuration table says the same):
${settingsHelp()}`;

/** The settings, from the one table the loader reads (config.ts), grouped and with their defaults. */
function settingsHelp(): string {
  const titles = { account: 'Account', tools: 'Tools', import: 'Imports', remote: 'Remote mode (--http)' };
  const lines: string[] = [];
  for (const [group, title] of Object.entries(titles)) {
    lines.push(`  ${title}:`);
    for (const setting of settingsReference().filter((s) => s.group === group)) {
      const doc = setting.doc.replace(/`/g, '');
      const fallback = setting.default === '—' ? '' : ` (default ${setting.default.replace(/`/g, '')})`;
      lines.push(`    ${setting.name.padEnd(36)}${doc}${fallback}`);
    }
  }
  return `${lines.join('\n')}
  In remote mode callers may send their own credentials as X-Vobiz-Auth-Id + X-Vobiz-Auth-Token, or
  X-Vobiz-Bearer-Token, and narrow the tools with X-MCP-Readonly: true or X-MCP-Tools: a,b.
`;
}

// The sandbox, remote mode and doctor are loaded only when asked for: a stdio server, started anew by
// the MCP client for every session, should not parse what it will not run.
async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'sandbox') return (await import('./sandbox/run-sandbox.js')).runSandboxCli(argv.slice(1));
  if (argv[0] === 'doctor') {
    process.exitCode = await (await import('./doctor.js')).runDoctor(process.env);
    return;
  }

  const { values } = parseArgs({
    args: argv,
    options: {
      sandbox: { type: 'boolean', default: false },
      http: { type: 'boolean', default: false },
      port: { type: 'string' },
      host: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'v', default: false },
    },
    strict: true,
  });
  // --help and --version are for a person at a terminal, not the JSON-RPC channel: they exit at once.
  if (values.help) return void process.stdout.write(HELP);
  if (values.version) return void process.stdout.write(`${SERVER_VERSION}\n`);
  // VOBIZ_SANDBOX is the flag for hosts that can set variables but not arguments (the .mcpb bundle).
  const sandboxMode = values.sandbox || sandboxRequested(process.env);
  if (values.http) {
    const { runHttpCli } = await import('./http/run-remote.js');
    return runHttpCli({ sandbox: sandboxMode, port: values.port, host: values.host });
  }
  if (values.port !== undefined || values.host !== undefined) {
    process.stderr.write(`${SERVER_NAME}: --port and --host apply to --http (stdio mode has no port)\n`);
    process.exit(2);
  }

  let sandbox: Sandbox | undefined;
  let config: ConfigWithAccount;
  try {
    if (sandboxMode) {
      const { startSandbox } = await import('./sandbox/index.js');
      sandbox = await startSandbox({ port: 0 });
      config = loadConfig(process.env, { credentials: sandbox.credentials, baseUrl: sandbox.baseUrl });
      logInfo(`SANDBOX mode: tools run against a local sandbox API at ${sandbox.baseUrl}, not Vobiz.`);
    } else {
      config = loadConfig(process.env);
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${SERVER_NAME}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const credentials = config.credentials;
  registerSecret('bearerToken' in credentials ? credentials.bearerToken : credentials.authToken);
  setDebugLogging(config.debug);

  const client = vobizClientFrom(config, credentials);
  const jobs = new JobRegistry();
  const settings = {
    ...toolSettingsFrom(config),
    client,
    jobs: jobSettingsFrom(config, jobs, STDIO_JOB_OWNER),
  };
  const selection = { readOnly: config.readOnly, tools: config.tools };

  // A server per connection, of the generation the client opened it with (and one more for a 2026
  // client's discovery probe); all of them share the one Vobiz client and job registry.
  const stdio = serveStdio(({ era }) =>
    createServer({ ...settings, era, confirm: confirmFor(era, settings.confirm) }, selection),
  );

  let closing = false;
  const shutdown = async (why: string) => {
    if (closing) return;
    closing = true;
    logInfo(`shutting down (${why})`);
    // Background jobs stop starting writes; those in flight finish, so that none is left half-known.
    await jobs.cancelAll();
    await stdio.close().catch(() => undefined);
    await client.close().catch(() => undefined);
    await sandbox?.close().catch(() => undefined);
    process.exit(0);
  };
  // The SDK's stdio transport does not end on stdin close; the client expects us to go when it hangs up.
  process.stdin.on('end', () => void shutdown('stdin closed'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  logInfo(`${SERVER_VERSION} ready on stdio (${config.baseUrl})`);
}

/** Over stdio the one user owns every job. */
const STDIO_JOB_OWNER = 'stdio';

// A client that went away leaves broken pipes. Writing to them must end the server: left to the
// handler below, each failed log write would raise another error and spin the process for good.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') process.exit(0);
  });
}
process.on('uncaughtException', (error) => logError('uncaught exception', error));
process.on('unhandledRejection', (error) => logError('unhandled rejection', error));

main(process.argv.slice(2)).catch((error: unknown) => {
  logError('failed to start', error);
  process.exit(1);
});
