/**
 * Remote mode end to end: the built CLI started with `--http --port 0`, sandboxes on loopback, and the
 * SDK's Streamable HTTP client (or raw node:http where a test needs headers a client would never send).
 *
 * The sandbox knows one account. To show that two callers on one endpoint stay apart, `startProxy`
 * puts one base URL in front of two sandboxes and routes each request by the credentials it carries —
 * what the real multi-account API does. The server under test sees one upstream, as in production.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client, CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { CLI, contactsOf, requestMark, requestsSince, textOf } from '../support/context.js';
import {
  call,
  connect,
  operatorEnv,
  raw,
  resultOf,
  rpcError,
  startProxy,
  startRemote,
  stopRemote,
  structured,
  toolCall,
  waitFor,
  type ListOutput,
  type RawAnswer,
  type Remote,
} from '../support/remote-stack.js';

describe('callers bringing their own Vobiz credentials (no account configured)', () => {
  let alpha: Sandbox;
  let bravo: Sandbox;
  let router: Awaited<ReturnType<typeof startProxy>>;
  let remote: Remote;
  let alphaHeaders: Record<string, string>;
  let bravoHeaders: Record<string, string>;
  const clients: Client[] = [];

  beforeAll(async () => {
    alpha = await startSandbox({ authId: 'MA_ALPHA001', seed: false });
    bravo = await startSandbox({ authId: 'MA_BRAVO002', seed: false });
    router = await startProxy([alpha, bravo]);
    remote = await startRemote({
      VOBIZ_BASE_URL: router.baseUrl,
      VOBIZ_IMPORT_CHUNK_ROWS: '1',
      MCP_HTTP_MAX_CONCURRENT_PER_CALLER: '2',
      MCP_HTTP_QUEUE_LENGTH: '1',
      MCP_HTTP_MAX_BODY_BYTES: '4096',
      MCP_HTTP_ALLOWED_HOSTS: 'mcp.example.com',
    });
    alphaHeaders = {
      'X-Vobiz-Auth-Id': alpha.credentials.authId,
      'X-Vobiz-Auth-Token': alpha.credentials.authToken,
    };
    bravoHeaders = { 'X-Vobiz-Bearer-Token': bravo.credentials.bearerToken };
  }, 20_000);

  afterEach(() => {
    alpha.faults.clear();
    bravo.faults.clear();
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await stopRemote(remote);
    await router.close();
    await alpha.close();
    await bravo.close();
  });

  async function client(headers: Record<string, string>): Promise<Client> {
    const created = await connect(remote.url, headers);
    clients.push(created);
    return created;
  }

  it("two callers on one endpoint work on their own accounts and never see each other's contacts", async () => {
    const a = await client(alphaHeaders);
    const b = await client(bravoHeaders);
    const created = structured<{ id: string }>(
      await call(a, 'create_contact', { phone_number: '+919800000901', name: 'Only Alpha' }),
    );
    structured(await call(b, 'create_contact', { phone_number: '+919800000902', name: 'Only Bravo' }));

    // Interleaved, concurrent calls (two per caller, its limit here): a shared client or a leaked
    // header would mix the answers up.
    for (let round = 0; round < 3; round++) {
      const lists = await Promise.all([a, b, a, b].map((caller) => call(caller, 'list_contacts')));
      lists.forEach((result, i) => {
        structured<ListOutput>(result);
        const names = contactsOf(result).map((item) => item.name);
        expect(names).toEqual([i % 2 === 0 ? 'Only Alpha' : 'Only Bravo']);
      });
    }
    // Bravo cannot read Alpha's contact even by its id: its request goes out with Bravo's credentials.
    const foreign = await call(b, 'get_contact', { id: created.id });
    expect(foreign.isError).toBe(true);
    expect(textOf(foreign)).toMatch(/not found|no contact/i);
    expect(alpha.contacts().map((contact) => contact.name)).toEqual(['Only Alpha']);
    expect(bravo.contacts().map((contact) => contact.name)).toEqual(['Only Bravo']);

    // The callers' secrets never reach the logs, and stdout stays empty in HTTP mode too.
    for (const secret of [alpha.credentials.authToken, bravo.credentials.bearerToken]) {
      expect(remote.stderr()).not.toContain(secret);
    }
    expect(remote.stdout()).toBe('');
  });

  it('refuses a request without credentials with 401, a JSON-RPC error and WWW-Authenticate', async () => {
    const answer = await raw(remote.url, { body: toolCall('list_contacts') });
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(rpcError(answer).message).toMatch(
      /X-Vobiz-Auth-Id and X-Vobiz-Auth-Token, or X-Vobiz-Bearer-Token/,
    );

    const confused = await raw(remote.url, {
      headers: { Authorization: `Bearer ${bravo.credentials.bearerToken}` },
      body: toolCall('list_contacts'),
    });
    expect(confused.status).toBe(401);
    expect(rpcError(confused).message).toMatch(/X-Vobiz-Bearer-Token/);

    const half = await raw(remote.url, {
      headers: { 'X-Vobiz-Auth-Id': alpha.credentials.authId },
      body: toolCall('list_contacts'),
    });
    expect(half.status).toBe(401);
    expect(rpcError(half).message).toMatch(/X-Vobiz-Auth-Token header is missing/);
  });

  it("reports a caller's wrong Vobiz credentials as the tool's error, not another account's data", async () => {
    const wrong = await client({ 'X-Vobiz-Auth-Id': 'MA_ALPHA001', 'X-Vobiz-Auth-Token': 'not-the-token' });
    const result = await call(wrong, 'list_contacts');
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/refused the credentials \(HTTP 401/);
    expect(textOf(result)).toMatch(/X-Vobiz-Auth-Token/);
    expect(textOf(result)).not.toContain('not-the-token');
  });

  it('refuses a foreign Host or Origin with 403 (DNS rebinding) and accepts MCP_HTTP_ALLOWED_HOSTS', async () => {
    const foreignHost = await raw(remote.url, {
      headers: { Host: 'evil.example:80', ...alphaHeaders },
      body: toolCall('list_contacts'),
    });
    expect(foreignHost.status).toBe(403);
    expect(rpcError(foreignHost).message).toMatch(/Host/);

    const foreignOrigin = await raw(remote.url, {
      headers: { Origin: 'https://evil.example', ...alphaHeaders },
      body: toolCall('list_contacts'),
    });
    expect(foreignOrigin.status).toBe(403);

    const listed = await raw(remote.url, {
      headers: { Host: 'mcp.example.com', Origin: 'http://localhost:5173', ...alphaHeaders },
      body: toolCall('list_contacts'),
    });
    expect(listed.status).toBe(200);
    expect(resultOf(listed).isError).toBeFalsy();

    // Load balancers probe by IP address: /healthz answers whatever the Host.
    const health = await raw(remote.url.replace(/\/mcp$/, '/healthz'), {
      method: 'GET',
      headers: { Host: '10.0.0.7:3000' },
    });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
  });

  it('queues a caller past its limit, answers 429 with Retry-After once its queue is full, and never slows other callers', async () => {
    alpha.faults.inject({ fault: { kind: 'latency', ms: 800 }, route: 'list', times: 3 });
    const started = alpha.requestCount();
    const alphaCall = () => raw(remote.url, { headers: alphaHeaders, body: toolCall('list_contacts') });
    const running = [alphaCall(), alphaCall()];
    await waitFor(() => alpha.requestCount() - started >= 2, 'two calls of alpha in flight');
    // Alpha's two slots are taken: one more call waits (the queue holds one here), the next is refused.
    const waiting = [alphaCall(), alphaCall()];
    const bravoAnswer = await raw(remote.url, { headers: bravoHeaders, body: toolCall('list_contacts') });
    expect(bravoAnswer.status).toBe(200);

    const answers = await Promise.all([...running, ...waiting]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 200, 429]);
    const refused = answers.find((answer) => answer.status === 429) as RawAnswer;
    expect(refused.headers['retry-after']).toBe('1');
    expect(rpcError(refused).message).toMatch(
      /concurrent requests for these credentials \(2 running, 1 waiting\)/,
    );
    for (const answer of answers.filter((a) => a.status === 200))
      expect(resultOf(answer).isError).toBeFalsy();
    expect(alpha.requestCount() - started).toBe(3); // the refused call never reached the account

    // The slots come back when the calls end.
    const again = await alphaCall();
    expect(again.status).toBe(200);
  });

  it('refuses a body over MCP_HTTP_MAX_BODY_BYTES with 413 and keeps serving', async () => {
    const big = toolCall('list_contacts', { search: 'x'.repeat(5_000) });
    const answer = await raw(remote.url, { headers: alphaHeaders, body: big });
    expect(answer.status).toBe(413);
    expect(rpcError(answer).message).toMatch(/4096 bytes/);
    const after = await raw(remote.url, { headers: alphaHeaders, body: toolCall('list_contacts') });
    expect(after.status).toBe(200);
  });

  it('streams progress notifications over SSE, and neither offers nor reads files from the server disk', async () => {
    const a = await client(alphaHeaders);
    const progress: number[] = [];
    const csv = 'phone_number,name\n+919800000911,Row One\n+919800000912,Row Two\n+919800000913,Row Three\n';
    const imported = (await a.callTool(
      { name: 'import_contacts_csv', arguments: { csv } },
      {
        onprogress: ({ progress: done }) => void progress.push(done),
      },
    )) as CallToolResult;
    expect(structured<{ created: number }>(imported).created).toBe(3);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)).toBe(3);

    const dir = await mkdtemp(path.join(os.tmpdir(), 'http-e2e-'));
    try {
      const file = path.join(dir, 'contacts.csv');
      await writeFile(file, 'phone_number,name\n+919800000914,From Disk\n');
      const before = requestMark(alpha);
      // Not offered: the tool's schema here has no file_path, and a call that sends one anyway is refused.
      const { tools } = await a.listTools();
      const importTool = tools.find((tool) => tool.name === 'import_contacts_csv');
      expect(Object.keys(importTool?.inputSchema.properties ?? {})).toContain('csv');
      expect(Object.keys(importTool?.inputSchema.properties ?? {})).not.toContain('file_path');
      const refused = await call(a, 'import_contacts_csv', { file_path: file });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toMatch(/does not have the argument file_path, so nothing was changed/);
      expect(requestsSince(alpha, before).filter((entry) => entry.route === 'import')).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers GET on /mcp with 405: the endpoint is stateless and keeps no stream open', async () => {
    const answer = await raw(remote.url, { method: 'GET', headers: alphaHeaders });
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('POST');
  });
});

describe('an account configured by the operator, protected by MCP_HTTP_TOKEN', () => {
  const TOKEN = 'endpoint-token-0123456789abcdef';
  let sandbox: Sandbox;
  let remote: Remote;

  beforeAll(async () => {
    sandbox = await startSandbox();
    remote = await startRemote({ ...operatorEnv(sandbox), MCP_HTTP_TOKEN: TOKEN });
  }, 20_000);

  afterAll(async () => {
    await stopRemote(remote);
    await sandbox.close();
  });

  it('refuses a missing or wrong token with 401 and WWW-Authenticate: Bearer', async () => {
    const missing = await raw(remote.url, { body: toolCall('list_contacts') });
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer realm=/);
    expect(rpcError(missing).message).toMatch(/Authorization: Bearer/);

    const wrong = await raw(remote.url, {
      headers: { Authorization: 'Bearer not-the-endpoint-token' },
      body: toolCall('list_contacts'),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toMatch(/error="invalid_token"/);

    await expect(connect(remote.url, { Authorization: 'Bearer not-the-endpoint-token' })).rejects.toThrow();
    expect(sandbox.requestLog).toEqual([]); // nothing reached the account
  });

  it('serves the configured account to a caller with the token', async () => {
    const client = await connect(remote.url, { Authorization: `Bearer ${TOKEN}` });
    try {
      const page = structured<ListOutput>(await call(client, 'list_contacts'));
      expect(page.total).toBe(sandbox.contacts().length);
      expect(page.total).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
    expect(remote.stderr()).not.toContain(TOKEN);
    expect(remote.stderr()).not.toContain(sandbox.credentials.authToken);
  });
});

describe('the operator bounds what a request may do', () => {
  let sandbox: Sandbox;
  afterAll(async () => sandbox.close());
  beforeAll(async () => {
    sandbox = await startSandbox();
  });

  const env = () => operatorEnv(sandbox);
  const toolNames = async (client: Client) =>
    (await client.listTools()).tools.map((tool) => tool.name).sort();

  it('keeps VOBIZ_READ_ONLY: a header cannot bring a write tool back', async () => {
    const remote = await startRemote({ ...env(), VOBIZ_READ_ONLY: 'true' });
    const client = await connect(remote.url, {
      'X-MCP-Readonly': 'false',
      'X-MCP-Tools': 'list_contacts,create_contact',
    });
    try {
      expect(await toolNames(client)).toEqual(['list_contacts']);
      const before = sandbox.contacts().length;
      const attempt = client.callTool({
        name: 'create_contact',
        arguments: { phone_number: '+919800000921', name: 'Should Not Exist' },
      });
      const outcome = await attempt.then(
        (result) => (result as CallToolResult).isError === true,
        () => true,
      );
      expect(outcome).toBe(true);
      expect(sandbox.contacts()).toHaveLength(before);
      expect(sandbox.requestLog.filter((entry) => entry.method === 'POST')).toEqual([]);
    } finally {
      await client.close();
      await stopRemote(remote);
    }
  });

  it('lets X-MCP-Readonly and X-MCP-Tools narrow VOBIZ_TOOLS, never widen it', async () => {
    const remote = await startRemote({ ...env(), VOBIZ_TOOLS: 'list_contacts,get_contact,create_contact' });
    const opened: Client[] = [];
    const open = async (headers: Record<string, string>) => {
      const client = await connect(remote.url, headers);
      opened.push(client);
      return client;
    };
    try {
      expect(await toolNames(await open({}))).toEqual(['create_contact', 'get_contact', 'list_contacts']);
      expect(await toolNames(await open({ 'X-MCP-Readonly': 'true' }))).toEqual([
        'get_contact',
        'list_contacts',
      ]);
      expect(await toolNames(await open({ 'X-MCP-Tools': 'create_contact,delete_contact' }))).toEqual([
        'create_contact',
      ]);
      const typo = await raw(remote.url, { headers: { 'X-MCP-Tools': 'list_contact' }, body: toolCall('x') });
      expect(typo.status).toBe(400);
      expect(rpcError(typo).message).toMatch(/unknown tools \(list_contact\)/);
    } finally {
      await Promise.all(opened.map((client) => client.close()));
      await stopRemote(remote);
    }
  });
});

describe('start-up and shutdown', () => {
  it('serves an in-process sandbox with --sandbox --http, printing its URL for --port 0', async () => {
    const remote = await startRemote({}, ['--sandbox']);
    expect(remote.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const client = await connect(remote.url);
    try {
      expect(structured<ListOutput>(await call(client, 'list_contacts')).total).toBeGreaterThan(0);
    } finally {
      await client.close();
      await stopRemote(remote);
    }
    expect(remote.stderr()).toMatch(/SANDBOX mode/);
  });

  it('refuses to listen beyond loopback with a configured account and no MCP_HTTP_TOKEN', async () => {
    const child = spawn(process.execPath, [CLI, '--http', '--port', '0', '--host', '0.0.0.0'], {
      env: {
        PATH: process.env['PATH'] ?? '',
        VOBIZ_AUTH_ID: 'MA_SANDBOX1',
        VOBIZ_AUTH_TOKEN: 'tok_abcdef123456',
      },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(stderr).toMatch(/refusing to listen on 0\.0\.0\.0.*MCP_HTTP_TOKEN/);
    expect(stderr).not.toMatch(/listening on/);
    expect(stderr).not.toContain('tok_abcdef123456');
  });

  it('finishes an in-flight call on SIGTERM, refuses new connections, then exits 0', async () => {
    const sandbox = await startSandbox();
    const remote = await startRemote(operatorEnv(sandbox));
    const client = await connect(remote.url);
    try {
      sandbox.faults.inject({ fault: { kind: 'latency', ms: 1_500 }, route: 'list' });
      const inFlight = call(client, 'list_contacts');
      await waitFor(
        () => sandbox.requestLog.some((entry) => entry.route === 'list'),
        'the call to reach the API',
      );
      remote.child.kill('SIGTERM');
      await waitFor(() => /shutting down \(SIGTERM\): 1 request/.test(remote.stderr()), 'the drain to start');

      await expect(raw(remote.url, { body: toolCall('list_contacts') })).rejects.toThrow(/ECONNREFUSED/);
      expect(remote.child.exitCode).toBeNull(); // still draining

      const result = await inFlight;
      expect(structured<ListOutput>(result).contacts.rows.length).toBeGreaterThan(0);
      expect(await remote.exit).toBe(0);
      expect(remote.stderr()).toMatch(/stopped: every request finished/);
    } finally {
      await client.close();
      await sandbox.close();
    }
  }, 15_000);
});
