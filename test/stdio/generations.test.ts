/**
 * Both protocol generations from the same tools: a 2.x client that negotiates the 2026-07-28 revision
 * (`server/discover`, an envelope on every request) and a 1.x client (2025-era `initialize`, as Claude
 * Desktop, Cursor and the LangChain adapters speak it) each list every tool and call every one, over
 * stdio and over HTTP, against the sandbox.
 */
import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
// The 1.x SDK under another name: the project depends on 2.x, the tests also speak as 1.x clients do.
import { Client as ClientV1 } from 'mcp-sdk-v1/client/index.js';
import { StdioClientTransport as StdioClientTransportV1 } from 'mcp-sdk-v1/client/stdio.js';
import { StreamableHTTPClientTransport as StreamableHTTPClientTransportV1 } from 'mcp-sdk-v1/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { TOOLS } from '../../src/tools/all-tools.js';
import { fromTable } from '../../src/mcp/table.js';
import { CLI, textOf } from '../support/context.js';
import { operatorEnv, startRemote, stopRemote, type Remote } from '../support/remote-stack.js';

/** What the test needs of a client, whichever SDK made it. */
interface AnyClient {
  listTools(): Promise<{ tools: { name: string }[] }>;
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
  close(): Promise<void>;
}

type Transport = 'stdio' | 'http';

interface Generation {
  name: string;
  connect(transport: Transport, target: { env: Record<string, string>; url: string }): Promise<AnyClient>;
}

const stdioParams = (env: Record<string, string>) => ({
  command: process.execPath,
  args: [CLI],
  env,
  stderr: 'pipe' as const,
});

const GENERATIONS: Generation[] = [
  {
    name: '2.x client, 2026-07-28',
    async connect(transport, { env, url }) {
      const client = new Client(
        { name: 'modern', version: '1.0.0' },
        { versionNegotiation: { mode: 'auto' } },
      );
      await client.connect(
        transport === 'stdio'
          ? new StdioClientTransport(stdioParams(env))
          : new StreamableHTTPClientTransport(new URL(url)),
      );
      expect(client.getProtocolEra()).toBe('modern');
      return client;
    },
  },
  {
    name: '1.x client, 2025 era',
    async connect(transport, { env, url }) {
      const client = new ClientV1({ name: 'legacy', version: '1.0.0' });
      await client.connect(
        transport === 'stdio'
          ? new StdioClientTransportV1(stdioParams(env))
          : new StreamableHTTPClientTransportV1(new URL(url)),
      );
      return client;
    },
  },
];

let sandbox: Sandbox;
let remote: Remote;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  remote = await startRemote(operatorEnv(sandbox));
}, 20_000);
afterAll(async () => {
  await stopRemote(remote);
  await sandbox.close();
});

let run = 0;

describe.each(['stdio', 'http'] as const)('over %s', (transport) => {
  it.each(GENERATIONS.map((generation) => [generation.name, generation] as const))(
    '%s lists every tool and calls each one',
    async (_name, generation) => {
      const client = await generation.connect(transport, { env: operatorEnv(sandbox), url: remote.url });
      try {
        const { tools } = await client.listTools();
        const listed = tools.map((tool) => tool.name).sort();
        expect(listed).toEqual(TOOLS.map((tool) => tool.name).sort());
        const called = await callEveryTool(client, (run += 1));
        expect([...new Set(called)].sort()).toEqual(listed);
      } finally {
        await client.close();
      }
    },
  );
});

describe('a 2026-07-28 client over stdio', () => {
  it('cannot be asked by elicitation, so a delete needs an approval, as in remote mode', async () => {
    const client = await GENERATIONS[0]!.connect('stdio', { env: operatorEnv(sandbox), url: remote.url });
    try {
      const target = sandbox.contacts().at(-1)!;
      const refused = (await client.callTool({
        name: 'delete_contact',
        arguments: { id: target.id },
      })) as CallToolResult;
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toMatch(/needs the user's yes .*approval: "/);
      expect(sandbox.contacts().some((c) => c.id === target.id)).toBe(true);
    } finally {
      await client.close();
    }
  });
});

/** Calls each tool once, in an order where each finds what it needs; returns the names called. */
async function callEveryTool(client: AnyClient, run: number): Promise<string[]> {
  const called: string[] = [];
  const answer = async (name: string, args: Record<string, unknown>) => {
    called.push(name);
    return (await client.callTool({ name, arguments: args })) as CallToolResult;
  };
  const call = async (name: string, args: Record<string, unknown>) => {
    const result = await answer(name, args);
    expect(result.isError, `${name}: ${textOf(result)}`).toBeFalsy();
    return result.structuredContent as Record<string, unknown>;
  };
  const phone = `+9198000077${String(run).padStart(2, '0')}`;
  const imported = `+9198000078${String(run).padStart(2, '0')}`;

  const page = await call('list_contacts', { limit: 5 });
  const first = fromTable<{ id: string }>(page['contacts'] as Parameters<typeof fromTable>[0])[0]!;
  expect(await call('get_contact', { id: first.id })).toMatchObject({ id: first.id });
  expect(await call('list_tags', {})).toBeDefined();
  const created = await call('create_contact', { phone_number: phone, name: `Generation ${run}` });
  const id = created['id'] as string;
  expect(await call('update_contact', { id, name: `Renamed ${run}` })).toMatchObject({
    name: `Renamed ${run}`,
  });
  expect(await call('tag_contacts', { ids: [id], add: ['generations'] })).toMatchObject({ changed: 1 });
  expect(sandbox.contacts().find((c) => c.id === id)?.tags).toContain('generations');
  const csv = `phone_number,name\n${imported},Imported ${run}\n`;
  expect(await call('import_contacts_csv', { csv })).toMatchObject({ created: 1 });
  // Remote mode and a 2026-07-28 client (which cannot be asked) refuse a delete without an approval,
  // answering the token for it; a 2025-era stdio client that cannot be asked is not refused.
  const unapproved = await answer('delete_contact', { id });
  const approval = (unapproved.structuredContent as { approval?: { token: string } } | undefined)?.approval;
  if (approval) expect(unapproved.isError).toBe(true);
  const deleted = approval
    ? await call('delete_contact', { id, approval: approval.token })
    : unapproved.structuredContent;
  expect(deleted).toMatchObject({ id, deleted: true });
  expect(sandbox.contacts().some((c) => c.id === id)).toBe(false);
  // No call here outlasts the call budget, so there is no job: each tool answers that, as a tool.
  for (const name of ['get_job', 'cancel_job']) {
    expect(textOf(await answer(name, { id: `no-such-job-${run}` }))).toMatch(/^No job no-such-job-/);
  }
  return called;
}
