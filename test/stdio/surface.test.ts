/**
 * The public surface: what tools/list shows (a contract file per tool and per mode, so a change to it is
 * always deliberate — the one place the tools' names, schemas and annotations are pinned; other tests read
 * them from the registry),
 * how configuration narrows it, and the prompts, resources and confirmations around the tools.
 */
import type { Tool } from '@modelcontextprotocol/client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TOOL_LIST_BUDGET_BYTES, toolListModelBytes } from '../../src/docs/model-reading.js';
import { listAllTools } from '../../src/docs/tool-reference.js';
import { TOOLS } from '../../src/tools/all-tools.js';
import { startStack, textOf, type Stack, type StackOptions } from '../support/context.js';
import { connect, operatorEnv, startRemote, stopRemote } from '../support/remote-stack.js';

type Answer = 'accept' | 'decline' | 'fail';
/** What the user answers the next question with, in the stacks that are asked (`asked`). */
let answer: Answer = 'accept';

/**
 * The server started one way, shared by the tests that start it that way (each start is a process):
 * started on first use, with its questions forgotten at each use.
 */
const stacks = new Map<string, Promise<Stack>>();
async function server(env: Record<string, string> = {}, { asked = false } = {}): Promise<Stack> {
  const key = JSON.stringify([env, asked]);
  const options: StackOptions = { env, ...(asked && { elicit: () => answer }) };
  if (!stacks.has(key)) stacks.set(key, startStack(options));
  const stack = await stacks.get(key)!;
  stack.elicitations.length = 0;
  return stack;
}
afterAll(async () => {
  for (const stack of stacks.values()) await (await stack).close();
});

/** Started for one test only, and closed after it. */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const toolNames = async (s: Stack) => (await s.client.listTools()).tools.map((t) => t.name).sort();

describe('tools/list', () => {
  it('matches the contract file of each tool, stdio and remote: names, schemas and annotations', async () => {
    const stack = await server();
    const { tools } = await stack.client.listTools();
    // One file per tool and per mode (__contracts__/<mode>/<tool>.json): a change to what a client is
    // offered shows in the review as a diff of that tool's contract, and is always deliberate.
    for (const [mode, listed] of [
      ['stdio', tools],
      ['remote', await remoteTools()],
    ] as const) {
      expect(listed.map((tool) => tool.name)).toEqual(TOOLS.map((tool) => tool.name));
      for (const tool of listed) {
        await expect(`${JSON.stringify(tool, null, 2)}\n`).toMatchFileSnapshot(
          `./__contracts__/${mode}/${tool.name}.json`,
        );
      }
    }
    // The built server answers from the list the build computed (src/mcp/tool-list.ts): it must be exactly
    // what the SDK makes of the sources, tool for tool.
    expect(tools).toEqual(await listAllTools());
  });

  it('VOBIZ_READ_ONLY registers only the tools that read, whatever VOBIZ_TOOLS says', async () => {
    stack = await startStack({
      env: { VOBIZ_READ_ONLY: 'true', VOBIZ_TOOLS: 'list_contacts,delete_contact' },
    });
    expect(await toolNames(stack)).toEqual(['list_contacts']);
    const readOnly = await server({ VOBIZ_READ_ONLY: 'true' });
    // Which tools only read is their readOnlyHint, pinned by the contract files above.
    const readers = TOOLS.filter((tool) => tool.annotations.readOnlyHint).map((tool) => tool.name);
    expect(readers.sort()).toEqual(['get_contact', 'get_job', 'list_contacts', 'list_tags']);
    expect(await toolNames(readOnly)).toEqual([...readers].sort());
    const { tools } = await readOnly.client.listTools();
    expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
  });

  it('VOBIZ_TOOLS registers only the named tools', async () => {
    stack = await startStack({ env: { VOBIZ_TOOLS: 'get_contact, tag_contacts' } });
    expect(await toolNames(stack)).toEqual(['get_contact', 'tag_contacts']);
    const before = stack.sandbox.contacts().length;
    // A tool the server does not have is a protocol error (-32602), not a tool's failed result.
    await expect(stack.call('delete_contact', { id: stack.sandbox.contacts()[0]!.id })).rejects.toThrow(
      /Tool delete_contact not found/,
    );
    expect(stack.sandbox.contacts()).toHaveLength(before);
  });
});

/** tools/list as a remote server (the CLI with --http) answers it to a real client. */
async function remoteTools(): Promise<Tool[]> {
  const { sandbox } = await server();
  const remote = await startRemote(operatorEnv(sandbox));
  try {
    const client = await connect(remote.url);
    const { tools } = await client.listTools();
    await client.close();
    return tools;
  } finally {
    await stopRemote(remote);
  }
}

/** Every property key of a JSON Schema, nested ones included (properties of properties, items, …). */
function propertyKeys(schema: unknown, keys: string[] = []): string[] {
  if (Array.isArray(schema)) for (const item of schema) propertyKeys(item, keys);
  else if (schema && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'properties' && value && typeof value === 'object') keys.push(...Object.keys(value));
      propertyKeys(value, keys);
    }
  }
  return keys;
}

/** Every `description` in a tool: its own and those of its input and output schemas. */
function descriptions(tool: Tool): string[] {
  const found: string[] = [tool.description ?? ''];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'description' && typeof value === 'string') found.push(value);
        else walk(value);
      }
    }
  };
  walk(tool.inputSchema);
  walk(tool.outputSchema);
  return found;
}

/** Words that instruct the model rather than describe the tool (what the directories refuse). */
const INSTRUCTION_LIKE = /\b(you must|you should|always|never|ignore|disregard|important|do not|don't)\b/i;

describe('the directories (Claude, OpenAI): every tool as they require it', () => {
  it('in the stdio and the remote tools/list', async () => {
    const stdio = (await (await server()).client.listTools()).tools;
    const remote = await remoteTools();
    expect(remote.map((t) => t.name)).toEqual(stdio.map((t) => t.name));
    for (const tools of [stdio, remote]) {
      for (const tool of tools) {
        expect(tool.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
        expect(tool.title, tool.name).toMatch(/\S/);
        expect(tool.annotations?.title).toBe(tool.title);
        for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
          expect(typeof tool.annotations?.[hint], `${tool.name} ${hint}`).toBe('boolean');
        }
        const keys = [...propertyKeys(tool.inputSchema), ...propertyKeys(tool.outputSchema)];
        expect(keys.length).toBeGreaterThan(0);
        for (const key of keys) expect(key, tool.name).toMatch(/^[a-zA-Z0-9_.-]{1,64}$/);
        for (const text of descriptions(tool)) expect(text, tool.name).not.toMatch(INSTRUCTION_LIKE);
        // A tuple (2020-12 `prefixItems` with `items: false`) fails every result in the draft-07
        // validators of 1.x SDK clients (LangChain's adapters among them).
        expect(JSON.stringify(tool.outputSchema), tool.name).not.toContain('prefixItems');
      }
    }
    // The hints, pinned (the snapshot holds them too, with everything else): a change here is a decision.
    const hints = Object.fromEntries(
      stdio.map(({ name, annotations: a }) => [
        name,
        [a?.readOnlyHint, a?.destructiveHint, a?.idempotentHint, a?.openWorldHint]
          .map((hint, i) => (hint ? ['read-only', 'destructive', 'idempotent', 'open-world'][i] : '-'))
          .join(' '),
      ]),
    );
    expect(hints).toEqual({
      list_contacts: 'read-only - idempotent open-world',
      get_contact: 'read-only - idempotent open-world',
      list_tags: 'read-only - idempotent open-world',
      create_contact: '- - - open-world',
      update_contact: '- destructive idempotent open-world',
      tag_contacts: '- destructive idempotent open-world',
      delete_contact: '- destructive idempotent open-world',
      import_contacts_csv: '- destructive idempotent open-world',
      get_job: 'read-only - idempotent -',
      cancel_job: '- - idempotent -',
    });
  });

  it(`what a model reads of tools/list stays within ${TOOL_LIST_BUDGET_BYTES} bytes, stdio and remote`, async () => {
    const stdio = (await (await server()).client.listTools()).tools;
    const remote = await remoteTools();
    expect(stdio).toHaveLength(TOOLS.length);
    expect(toolListModelBytes(stdio)).toBeLessThanOrEqual(TOOL_LIST_BUDGET_BYTES);
    // Remote mode adds `confirm` to the tools that ask the user: the larger list.
    expect(toolListModelBytes(remote)).toBeGreaterThan(toolListModelBytes(stdio));
    expect(toolListModelBytes(remote)).toBeLessThanOrEqual(TOOL_LIST_BUDGET_BYTES);
  });
});

describe('prompts and resources', () => {
  it('offers the campaign_segment and clean_import prompts, filled with the arguments', async () => {
    const stack = await server();
    const { prompts } = await stack.client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(['campaign_segment', 'clean_import']);
    const segment = await stack.client.getPrompt({
      name: 'campaign_segment',
      arguments: { who: 'the Mumbai fair', tag: 'expo-2026' },
    });
    const text = segment.messages.map((m) => (m.content.type === 'text' ? m.content.text : '')).join('\n');
    expect(text).toMatch(/the Mumbai fair/);
    // dry run → confirm → apply → list
    expect(text).toMatch(
      /dry_run true[\s\S]*confirm[\s\S]*dry_run false[\s\S]*list_contacts with tag "expo-2026"/,
    );
    const importPrompt = await stack.client.getPrompt({
      name: 'clean_import',
      arguments: { file_path: '/data/fair.csv', default_country: 'IN' },
    });
    expect(JSON.stringify(importPrompt.messages)).toMatch(/default_country \\"IN\\"/);
  });

  it('reads a contact through vobiz://contacts/{id} and lists contacts to attach', async () => {
    const stack = await server();
    const contact = stack.sandbox.contacts()[0]!;
    const { resourceTemplates } = await stack.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(['vobiz://contacts/{id}']);
    const read = await stack.client.readResource({ uri: `vobiz://contacts/${contact.id}` });
    const first = read.contents[0] as { text: string };
    expect(JSON.parse(first.text)).toMatchObject({ id: contact.id, phone_number: contact.phone_number });
    const { resources } = await stack.client.listResources();
    expect(resources.map((r) => r.uri)).toContain(`vobiz://contacts/${contact.id}`);
    await expect(stack.client.readResource({ uri: 'vobiz://contacts/..%2F..%2Fetc' })).rejects.toThrow();
  });

  it('drops the prompts whose tools are not registered', async () => {
    const stack = await server({ VOBIZ_READ_ONLY: 'true' });
    expect(stack.client.getServerCapabilities()?.prompts).toBeUndefined();
    // Asked anyway (the client's listPrompts would answer [] itself, without asking), the server has none.
    await expect(stack.client.request({ method: 'prompts/list', params: {} })).rejects.toThrow(
      /Method not found/,
    );
  });
});

describe('confirmation by elicitation', () => {
  const bulk = { tag: 'vip', add: ['confirmed-segment'] };

  it('asks the user before a bulk change above the threshold, and goes ahead on accept', async () => {
    answer = 'accept';
    const stack = await server({ VOBIZ_CONFIRM_THRESHOLD: '1' }, { asked: true });
    const vip = stack.sandbox.contacts().filter((c) => c.tags.includes('vip')).length;
    expect(vip).toBeGreaterThan(1);
    const result = await stack.call('tag_contacts', bulk);
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(stack.elicitations).toEqual([expect.stringMatching(new RegExp(`up to ${vip} contacts`))]);
    expect(stack.sandbox.contacts().filter((c) => c.tags.includes('confirmed-segment'))).toHaveLength(vip);
  });

  it('changes nothing when the user declines', async () => {
    answer = 'decline';
    const stack = await server({ VOBIZ_CONFIRM_THRESHOLD: '1' }, { asked: true });
    const result = await stack.call('tag_contacts', { ...bulk, add: ['declined-segment'] });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/declined/);
    expect(stack.elicitations).toHaveLength(1);
    expect(stack.sandbox.contacts().some((c) => c.tags.includes('declined-segment'))).toBe(false);
  });

  it('does not ask with VOBIZ_CONFIRM=never, nor under the threshold', async () => {
    stack = await startStack({
      env: { VOBIZ_CONFIRM: 'never', VOBIZ_CONFIRM_THRESHOLD: '1' },
      elicit: () => 'decline',
    });
    expect((await stack.call('tag_contacts', bulk)).isError).toBeFalsy();
    expect(stack.elicitations).toEqual([]);
  });

  it('asks before delete_contact, and keeps the contact when declined', async () => {
    answer = 'decline';
    const stack = await server({}, { asked: true });
    const contact = stack.sandbox.contacts()[0]!;
    const declined = await stack.call('delete_contact', { id: contact.id });
    expect(declined.isError).toBe(true);
    expect(textOf(declined)).toMatch(/declined/);
    expect(stack.elicitations[0]).toContain(contact.name);
    expect(stack.sandbox.contacts().some((c) => c.id === contact.id)).toBe(true);
  });

  it('deletes nothing when the question cannot be asked, and says so', async () => {
    answer = 'fail';
    const stack = await server({}, { asked: true });
    const contact = stack.sandbox.contacts()[0]!;
    const result = await stack.call('delete_contact', { id: contact.id });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/could not be asked/);
    expect(textOf(result)).toMatch(/Nothing was changed/);
    expect(stack.sandbox.contacts().some((c) => c.id === contact.id)).toBe(true);
  });

  it('deletes when the user accepts', async () => {
    answer = 'accept';
    const stack = await server({}, { asked: true });
    const contact = stack.sandbox.contacts()[0]!;
    const accepted = await stack.call('delete_contact', { id: contact.id });
    expect(accepted.isError, textOf(accepted)).toBeFalsy();
    expect(stack.sandbox.contacts().some((c) => c.id === contact.id)).toBe(false);
  });
});
