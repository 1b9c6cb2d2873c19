/**
 * Load test of remote mode: the built CLI (`node dist/cli.js --http --port 0`) in its own process, a
 * sandbox on loopback, and autocannon holding 50 concurrent connections that each call `list_contacts`
 * over Streamable HTTP (SSE answers, the default) for 10 s. Every answer is checked: a 2xx whose tool
 * result is an error counts as a tool error. Prints a markdown table; exits 1 on any error.
 *
 *   npm run build && node bench/http-load.js        (BENCH_SECONDS / BENCH_CONNECTIONS to change)
 *
 * Default settings: the sandbox knows one account, so the 50 connections are one caller, past its 16
 * slots (MCP_HTTP_MAX_CONCURRENT_PER_CALLER): the rest wait in its queue, and none may be refused.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startSandbox } from '../dist/sandbox/index.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

const sandbox = await startSandbox({ port: 0 });
const server = spawn(process.execPath, [CLI, '--http', '--port', '0'], {
  env: {
    PATH: process.env.PATH ?? '',
    VOBIZ_BASE_URL: sandbox.baseUrl,
    VOBIZ_AUTH_ID: sandbox.credentials.authId,
    VOBIZ_AUTH_TOKEN: sandbox.credentials.authToken,
    // an upstream failure must show, not be retried away
  },
  stdio: ['ignore', 'inherit', 'pipe'],
});
const exited = once(server, 'exit');

try {
  const url = await new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 10_000);
    server.stderr.on('data', (chunk) => {
      stderr += chunk.toString('utf8');
      const match = /listening on (http:\/\/\S+\/mcp)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });

  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'list_contacts', arguments: { limit: 10 } },
  });
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2025-11-25',
  };

  let toolErrors = 0;
  let checked = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    method: 'POST',
    headers,
    body,
    requests: [
      {
        method: 'POST',
        headers,
        body,
        onResponse: (status, responseBody) => {
          if (status < 200 || status >= 300) return;
          checked += 1;
          if (!isGoodToolResult(responseBody)) toolErrors += 1;
        },
      },
    ],
  });

  const rows = [
    ['requests/s (mean)', result.requests.average.toFixed(0)],
    ['requests total', String(result.requests.total)],
    ['latency p50', `${result.latency.p50} ms`],
    ['latency p99', `${result.latency.p99} ms`],
    ['latency max', `${result.latency.max} ms`],
    ['errors (connection)', String(result.errors)],
    ['timeouts', String(result.timeouts)],
    ['non-2xx', String(result.non2xx)],
    ['tool errors (isError or no result)', `${toolErrors} of ${checked}`],
  ];
  console.log(
    `\nlist_contacts over Streamable HTTP (SSE), ${CONNECTIONS} concurrent connections on one account, ` +
      `default limits, ${SECONDS} s, Node ${process.version}, loopback sandbox\n`,
  );
  console.log('| metric | value |\n|---|---|');
  for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);

  const failed = result.errors + result.timeouts + result.non2xx + toolErrors;
  process.exitCode = failed === 0 && checked > 0 ? 0 : 1;
} finally {
  server.kill('SIGTERM');
  await exited;
  await sandbox.close();
}

/** An SSE answer whose JSON-RPC result is a successful list_contacts result. */
function isGoodToolResult(text) {
  for (const line of String(text).split('\n')) {
    if (!line.startsWith('data: ')) continue;
    try {
      const message = JSON.parse(line.slice(6));
      if (message.result) {
        return (
          message.result.isError !== true && Array.isArray(message.result.structuredContent?.contacts?.rows)
        );
      }
    } catch {
      return false;
    }
  }
  return false;
}
