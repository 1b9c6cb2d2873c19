#!/usr/bin/env node
/**
 * The command line: reads the configuration, connects the MCP server to stdio, and shuts down cleanly.
 * `--sandbox` serves the tools against an in-process sandbox; `sandbox` runs the sandbox alone.
 */
import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { logError, logInfo, registerSecret } from './log.js';
import type { Sandbox } from './sandbox/index.js';
import { createServer, SERVER_NAME, SERVER_VERSION } from './server.js';
import { VobizClient } from './vobiz/client.js';

const HELP = `${SERVER_NAME} ${SERVER_VERSION} — MCP server for Vobiz WhatsApp contacts (stdio or Streamable HTTP)

Usage:
  vobiz-contacts-mcp              serve the tools over stdio against the Vobiz API
  vobiz-contacts-mcp --sandbox    serve them against a local sandbox API (no account needed)
  vobiz-contacts-mcp --http [--port 3000] [--host 127.0.0.1]
                                  serve them over Streamable HTTP at /mcp (stateless), GET /healthz
                                  (add --sandbox to serve them against an in-process sandbox)
  vobiz-contacts-mcp sandbox      run the sandbox API alone (--port, --host, --persist FILE, --no-seed)
  vobiz-contacts-mcp doctor       check the configuration and reach the API once; says what is wrong
  vobiz-contacts-mcp --help | --version

Environment:
  VOBIZ_AUTH_ID, VOBIZ_AUTH_TOKEN   your Vobiz credentials (or VOBIZ_BEARER_TOKEN)
  VOBIZ_BASE_URL                    default https://api.vobiz.ai/api/v1/messaging
  VOBIZ_TIMEOUT_MS                  per-request timeout, default 30000
  VOBIZ_MAX_RETRIES                 retries after a 429, 502/503/504 or a broken connection, default 3
  VOBIZ_RETRY_BASE_MS               first backoff ceiling (doubles each retry, full jitter), default 250
  VOBIZ_RETRY_MAX_WAIT_MS           longest single wait; a longer Retry-After is reported, default 10000
  VOBIZ_DEADLINE_MS                 time budget of one tool call (of each contact or chunk in bulk tools), default 120000
  VOBIZ_READ_ONLY                   true: only the tools that read (wins over VOBIZ_TOOLS)
  VOBIZ_TOOLS                       comma list: only these tools, e.g. list_contacts,get_contact
  VOBIZ_CONFIRM                     auto (ask the user before deletes and large bulk changes, when the client can) | never
  VOBIZ_CONFIRM_THRESHOLD           bulk changes above this many contacts are confirmed, default 50
  VOBIZ_CONCURRENCY                 contacts tag_contacts works on at once, default 4
  VOBIZ_IMPORT_DIRS                 directories import_contacts_csv may read .csv files from (default: the
                                    working directory; none when that is /)
  VOBIZ_IMPORT_MAX_BYTES            largest CSV file accepted, default 104857600
  VOBIZ_IMPORT_CHUNK_ROWS           rows per uploaded chunk, default 5000
  VOBIZ_IMPORT_CONCURRENCY          chunks an import uploads at once, default 4

Remote mode (--http):
  Callers send their own Vobiz credentials as X-Vobiz-Auth-Id + X-Vobiz-Auth-Token, or
  X-Vobiz-Bearer-Token; without them a request uses the account configured above, if any.
  X-MCP-Readonly: true and X-MCP-Tools: a,b narrow the tools (never widen them).
  No answer from the user can reach a stateless request: delete_contact and tag_contacts above
  VOBIZ_CONFIRM_THRESHOLD need confirm: true, which the model is told to send only after the user's yes.
  MCP_HTTP_TOKEN                    require Authorization: Bearer <token> (needed to serve a configured
                                    account on a non-loopback address)
  MCP_HTTP_PORT, MCP_HTTP_HOST      as --port / --host (the flags win), default 3000 / 127.0.0.1
  MCP_HTTP_ALLOWED_HOSTS            comma list of extra Host names accepted, e.g. mcp.example.com
  MCP_HTTP_ALLOWED_ORIGINS          comma list of extra browser Origins accepted, e.g. https://app.example.com
  MCP_HTTP_MAX_BODY_BYTES           largest request body, default 8388608
  MCP_HTTP_MAX_CONCURRENT_PER_CALLER  requests one set of credentials may have running, default 16 (more wait)
  MCP_HTTP_QUEUE_LENGTH             requests of one set of credentials that may wait, default 256 (then 429)
  MCP_HTTP_QUEUE_WAIT_MS            longest wait for a slot, default 30000 (then 429)
  MCP_HTTP_MAX_CONCURRENT           requests running in the whole process, default 512 (then 503)
  MCP_HTTP_REQUEST_TIMEOUT_MS       time a client has to send a whole request, default 10000 (then 408)
  MCP_HTTP_SESSION_SECRET           signs session ids (32+ characters): set the same on every instance
                                    behind one load balancer; random per process by default
  MCP_HTTP_JSON_RESPONSE            true: plain JSON answers instead of SSE (no streamed progress)
  MCP_HTTP_SHUTDOWN_GRACE_MS        how long SIGTERM waits for in-flight calls, default 25000
`;

// The sandbox, remote mode and doctor are loaded only when asked for: a stdio server, started anew by
// the MCP client for every session, should not parse what it will not run.
async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'sandbox') return (await import('./sandbox/main.js')).runSandboxCli(argv.slice(1));
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
  if (values.http) {
    const { runHttpCli } = await import('./http/main.js');
    return runHttpCli({ sandbox: values.sandbox, port: values.port, host: values.host });
  }
  if (values.port !== undefined || values.host !== undefined) {
    process.stderr.write(`${SERVER_NAME}: --port and --host apply to --http (stdio mode has no port)\n`);
    process.exit(2);
  }

  let sandbox: Sandbox | undefined;
  let config: Config;
  try {
    if (values.sandbox) {
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

  const client = new VobizClient({
    baseUrl: config.baseUrl,
    credentials,
    timeoutMs: config.timeoutMs,
    retry: config.retry,
    deadlineMs: config.deadlineMs,
  });
  const server = createServer(
    {
      client,
      import: {
        allowedDirs: config.importDirs,
        maxFileBytes: config.importMaxBytes,
        maxInlineBytes: config.inlineCsvMaxBytes,
        chunkRows: config.importChunkRows,
        chunkConcurrency: config.importConcurrency,
      },
      confirm: { mode: config.confirmMode, bulkThreshold: config.confirmThreshold },
      bulkConcurrency: config.bulkConcurrency,
    },
    { readOnly: config.readOnly, tools: config.tools },
  );

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
