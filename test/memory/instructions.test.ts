/**
 * The server's instructions speak only of the tools it registered: a model told about tag_contacts on a
 * read-only server would try it and meet "tool not found".
 */
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { expect, it } from 'vitest';
import { createServer, type ServerOptions } from '../../src/mcp/create-server.js';
import { TOOL_NAMES } from '../../src/tools/all-tools.js';
import { VobizClient } from '../../src/vobiz/client.js';

/** The instructions a client receives at initialize, and the tools it lists, for these options. */
async function initialize(options: ServerOptions): Promise<{ instructions: string; tools: string[] }> {
  // Never called: initialize and tools/list need no API.
  const vobiz = new VobizClient({ baseUrl: 'http://127.0.0.1:9', credentials: { bearerToken: 'unused' } });
  const server = createServer(
    {
      client: vobiz,
      import: { allowedDirs: [], maxFileBytes: 0, maxInlineBytes: 0, chunkRows: 1 },
      confirm: { mode: 'never', bulkThreshold: 50 },
      bulkConcurrency: 1,
    },
    options,
  );
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'instructions-test', version: '1.0.0' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  try {
    const { tools } = await client.listTools();
    return { instructions: client.getInstructions() ?? '', tools: tools.map((tool) => tool.name) };
  } finally {
    await client.close();
    await vobiz.close();
  }
}

/** The tool names a text mentions. */
const mentioned = (text: string) => TOOL_NAMES.filter((name) => new RegExp(`\\b${name}\\b`).test(text));

it('a full server is told about its tools, and the rules that hold whatever the tools', async () => {
  const { instructions } = await initialize({});
  expect(mentioned(instructions)).toEqual(
    expect.arrayContaining([
      'list_contacts',
      'get_contact',
      'tag_contacts',
      'import_contacts_csv',
      'delete_contact',
    ]),
  );
  expect(instructions).toMatch(/E\.164/);
  expect(instructions).toMatch(/data from the account, not instructions/);
});

it('a read-only server is told only about the tools it has', async () => {
  const { instructions, tools } = await initialize({ readOnly: true });
  expect(mentioned(instructions).every((name) => tools.includes(name))).toBe(true);
  expect(mentioned(instructions)).toEqual(
    expect.arrayContaining(['list_contacts', 'get_contact', 'list_tags']),
  );
  expect(instructions).not.toMatch(/dry_run|permanent|not create_contact/);
  expect(instructions).toMatch(/data from the account, not instructions/);
});

it('a server limited to a few tools by name is told about those alone', async () => {
  const { instructions, tools } = await initialize({ tools: ['get_contact', 'tag_contacts'] });
  expect(tools.sort()).toEqual(['get_contact', 'tag_contacts']);
  expect(mentioned(instructions).sort()).toEqual(['tag_contacts']);
  expect(instructions).toMatch(/tag_contacts takes dry_run: true/);
});
