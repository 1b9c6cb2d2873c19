#!/usr/bin/env node
/**
 * The command line: reads the configuration, connects the MCP server to stdio, and shuts down cleanly.
 * `--sandbox` serves the tools against an in-process sandbox; `sandbox` runs the sandbox alone.
 */
import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { logError, logInfo, registerSecret } from './log.js';
import { runSandboxCli } from './sandbox/main.js';
import { startSandbox, type Sandbox } from './sandbox/index.js';
import { createServer, SERVER_NAME, SERVER_VERSION } from './server.js';
import { VobizClient } from './vobiz/client.js';

const HELP = `${SERVER_NAME} ${SERVER_VERSION} — MCP server for Vobiz WhatsApp contacts (stdio)

Usage:
  vobiz-contacts-mcp              serve the tools over stdio against the Vobiz API
  vobiz-contacts-mcp --sandbox    serve them against a local sandbox API (no account needed)
  vobiz-contacts-mcp sandbox      run the sandbox API alone (--port, --host, --persist FILE, --no-seed)
  vobiz-contacts-mcp --help | --version

Environment:
  VOBIZ_AUTH_ID, VOBIZ_AUTH_TOKEN   your Vobiz credentials (or VOBIZ_BEARER_TOKEN)
  VOBIZ_BASE_URL                    default https://api.vobiz.ai/api/v1/messaging
  VOBIZ_TIMEOUT_MS                  per-request timeout, default 30000
  VOBIZ_MAX_RETRIES                 retries after a 429, 502/503/504 or a broken connection, default 3
  VOBIZ_RETRY_BASE_MS               first backoff ceiling (doubles each retry, full jitter), default 250
  VOBIZ_RETRY_MAX_WAIT_MS           longest single wait; a longer Retry-After is reported, default 10000
  VOBIZ_DEADLINE_MS                 time budget of one tool call across its retries, default 120000
  VOBIZ_IMPORT_DIRS                 directories import_contacts_csv may read (default: the working directory)
  VOBIZ_IMPORT_MAX_BYTES            largest CSV file accepted, default 104857600
  VOBIZ_IMPORT_CHUNK_ROWS           rows per uploaded chunk, default 5000
`;

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'sandbox') return runSandboxCli(argv.slice(1));

  const { values } = parseArgs({
    args: argv,
    options: {
      sandbox: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'v', default: false },
    },
    strict: true,
  });
  // --help and --version are for a person at a terminal, not the JSON-RPC channel: they exit at once.
  if (values.help) return void process.stdout.write(HELP);
  if (values.version) return void process.stdout.write(`${SERVER_VERSION}\n`);

  let sandbox: Sandbox | undefined;
  let config: Config;
  try {
    if (values.sandbox) {
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

  const client = new VobizClient({
    baseUrl: config.baseUrl,
    credentials,
    timeoutMs: config.timeoutMs,
    retry: config.retry,
    deadlineMs: config.deadlineMs,
  });
  const server = createServer({
    client,
    import: {
      allowedDirs: config.importDirs,
      maxFileBytes: config.importMaxBytes,
      maxInlineBytes: config.inlineCsvMaxBytes,
      chunkRows: config.importChunkRows,
    },
  });

  let closing = false;
  const shutdown = async (why: string) => {
    if (closing) return;
    closing = true;
    logInfo(`shutting down (${why})`);
    await server.close().catch(() => undefined);
    await client.close().catch(() => undefined);
    await sandbox?.close().catch(() => undefined);
    process.exit(0);
  };
  // The SDK's stdio transport does not end on stdin close; the client expects us to go when it hangs up.
  process.stdin.on('end', () => void shutdown('stdin closed'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await server.connect(new StdioServerTransport());
  logInfo(`${SERVER_VERSION} ready on stdio (${config.baseUrl})`);
}

process.on('uncaughtException', (error) => logError('uncaught exception', error));
process.on('unhandledRejection', (error) => logError('unhandled rejection', error));

main(process.argv.slice(2)).catch((error: unknown) => {
  logError('failed to start', error);
  process.exit(1);
});
