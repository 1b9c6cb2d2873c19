/**
 * Confirmations in remote mode. A stateless request cannot receive the user's answer to a question,
 * so delete_contact, and tag_contacts or import_contacts_csv changing more existing contacts than the
 * threshold, need `approval`: the token a dry run or a refused call answered with — even from a client
 * that declares elicitation — and without it change nothing. `confirm: true` no longer suffices.
 * (approvals.test.ts tests what a token is bound to.)
 */
import type { CallToolResult, Client, Tool } from '@modelcontextprotocol/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { requestMark, requestsSince, textOf } from '../support/context.js';
import {
  call,
  connect,
  operatorEnv,
  startRemote,
  stopRemote,
  structured,
  type Remote,
} from '../support/remote-stack.js';
import { listAllTools } from '../../src/docs/tool-reference.js';

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox();
});
afterEach(async () => sandbox.close());

/** What the `approval` argument of a listed tool tells the model. */
function approvalText(tools: Tool[], name: string): string {
  const tool = tools.find((candidate) => candidate.name === name);
  return (
    (tool?.inputSchema.properties?.['approval'] as { description?: string } | undefined)?.description ?? ''
  );
}

/** The approval token a result carries. */
function tokenOf(result: CallToolResult): string {
  const token = (result.structuredContent as { approval?: { token?: string } } | undefined)?.approval?.token;
  expect(token, textOf(result)).toBeTypeOf('string');
  return token!;
}

const writesSince = (from: number) =>
  requestsSince(sandbox, from).filter((entry) => entry.route === 'update' || entry.route === 'delete');

describe('with the default VOBIZ_CONFIRM=auto, against the operator account', () => {
  let remote: Remote;
  let client: Client;
  const elicited: string[] = [];

  beforeEach(async () => {
    remote = await startRemote({ ...operatorEnv(sandbox), VOBIZ_CONFIRM_THRESHOLD: '2' });
    client = await connect(remote.url, {}, { client: { capabilities: { elicitation: {} } } });
    client.setRequestHandler('elicitation/create', (request) => {
      elicited.push(request.params.message);
      return { action: 'accept', content: { confirm: true } };
    });
  }, 20_000);
  afterEach(async () => {
    await client.close();
    await stopRemote(remote);
  });

  it('declares approval on the tools that change contacts in bulk or destroy, telling the model when to send it', async () => {
    const { tools } = await client.listTools();
    const withApproval = tools.filter((tool) => 'approval' in (tool.inputSchema.properties ?? {}));
    expect(withApproval.map((tool) => tool.name).sort()).toEqual([
      'delete_contact',
      'import_contacts_csv',
      'tag_contacts',
    ]);
    for (const tool of withApproval) {
      const field = tool.inputSchema.properties?.['approval'] as { type: string; description: string };
      expect(field.type).toBe('string');
      expect(field.description).toMatch(/approval\.token .*only once the user has agreed/s);
      expect(tool.inputSchema.required ?? []).not.toContain('approval');
      expect(tool.inputSchema.properties ?? {}).not.toHaveProperty('confirm');
    }
    // The threshold the model is told is the one this server applies, not the build's default.
    expect(approvalText(tools, 'tag_contacts')).toContain('Needed above 2 contacts');
    expect(approvalText(tools, 'import_contacts_csv')).toContain(
      'or add tags to, more than 2 existing contacts',
    );
  });

  it('uploads nothing that renames or tags more existing contacts than the threshold without approval', async () => {
    const three = sandbox.contacts().slice(0, 3);
    const csv = ['phone_number,name', ...three.map((c, i) => `${c.phone_number},Imported ${i}`)].join('\n');
    const before = requestMark(sandbox);

    const dryRun = await call(client, 'import_contacts_csv', { csv, dry_run: true });
    expect(structured<{ existing_contacts: unknown }>(dryRun).existing_contacts).toEqual({
      changed: 3,
      names_overwritten: 3,
      tags_added: 0,
      complete: true,
    });
    const refused = await call(client, 'import_contacts_csv', { csv });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(
      /^Not done: this server needs the user's yes to import "the csv text", changing 3 existing contacts \(overwrite the names of 3\), and nothing was changed\..*plus approval: "/s,
    );
    // The refusal previews the upload as the dry run does.
    expect(refused.structuredContent).toMatchObject({ dry_run: true, existing_contacts: { changed: 3 } });
    // add_tags alone changes them too.
    const same = ['phone_number,name', ...three.map((c) => `${c.phone_number},${c.name}`)].join('\n');
    const tagging = await call(client, 'import_contacts_csv', { csv: same, add_tags: ['fair'] });
    expect(textOf(tagging)).toMatch(/changing 3 existing contacts \(add tags to 3\)/);
    expect(requestsSince(sandbox, before).filter((entry) => entry.route === 'import')).toEqual([]);

    const unbound = await call(client, 'import_contacts_csv', { csv, confirm: true });
    expect(unbound.isError).toBe(true);
    expect(requestsSince(sandbox, before).filter((entry) => entry.route === 'import')).toEqual([]);

    const confirmed = await call(client, 'import_contacts_csv', { csv, approval: tokenOf(dryRun) });
    expect(structured<{ updated: number }>(confirmed).updated).toBe(3);
    expect(
      sandbox
        .contacts()
        .slice(0, 3)
        .map((c) => c.name),
    ).toEqual(['Imported 0', 'Imported 1', 'Imported 2']);
    expect(elicited).toEqual([]);
  });
  it('keeps the contact when delete_contact comes without approval, naming whom to ask about', async () => {
    const contact = sandbox.contacts()[0]!;
    const before = requestMark(sandbox);
    let refused: CallToolResult | undefined;
    for (const args of [{ id: contact.id }, { id: contact.id, confirm: true }]) {
      refused = await call(client, 'delete_contact', args);
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toMatch(/^Not done: this server needs the user's yes to delete/);
      expect(textOf(refused)).toContain(JSON.stringify(contact.name));
      expect(textOf(refused)).toMatch(/nothing was changed/);
      expect(textOf(refused)).toContain(`again with the same arguments plus approval: "${tokenOf(refused)}"`);
      expect(refused.structuredContent).toMatchObject({ id: contact.id, contact: { name: contact.name } });
    }
    expect(sandbox.contacts().some((c) => c.id === contact.id)).toBe(true);
    expect(writesSince(before)).toEqual([]);
    expect(elicited).toEqual([]); // the client was never asked: the answer could not come back

    const deleted = await call(client, 'delete_contact', { id: contact.id, approval: tokenOf(refused!) });
    expect(structured(deleted)).toEqual({ id: contact.id, deleted: true });
    expect(sandbox.contacts().some((c) => c.id === contact.id)).toBe(false);
  });

  it('changes no tags above the threshold without approval; at or under it, and in a dry run, needs none', async () => {
    const total = sandbox.contacts().length;
    expect(total).toBeGreaterThan(2);
    const everyone = { ids: sandbox.contacts().map((c) => c.id), add: ['spring-sale'] };
    const before = requestMark(sandbox);

    const refused = await call(client, 'tag_contacts', everyone);
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(new RegExp(`add spring-sale on ${total} contacts`));
    expect(textOf(refused)).toMatch(/plus approval: "/);
    const dryRun = await call(client, 'tag_contacts', { ...everyone, dry_run: true });
    expect(structured<{ changed: number }>(dryRun).changed).toBe(total);
    expect(writesSince(before)).toEqual([]);

    const two = sandbox.contacts().slice(0, 2);
    const small = await call(client, 'tag_contacts', { ids: two.map((c) => c.id), add: ['few'] });
    expect(structured<{ changed: number }>(small).changed).toBe(2);

    const confirmed = await call(client, 'tag_contacts', { ...everyone, approval: tokenOf(dryRun) });
    expect(structured<{ changed: number }>(confirmed).changed).toBe(total);
    expect(sandbox.contacts().every((c) => c.tags.includes('spring-sale'))).toBe(true);
    expect(elicited).toEqual([]);
  });
});

describe('with the default threshold', () => {
  it('answers tools/list from the build: exactly the SDK’s own conversion, the threshold included', async () => {
    const remote = await startRemote(operatorEnv(sandbox));
    const client = await connect(remote.url);
    try {
      const { tools } = await client.listTools();
      expect(tools).toEqual(await listAllTools(true));
      expect(approvalText(tools, 'tag_contacts')).toContain('Needed above 50 contacts');
    } finally {
      await client.close();
      await stopRemote(remote);
    }
  });
});

describe('with VOBIZ_CONFIRM=never', () => {
  it('offers no approval argument and deletes at once', async () => {
    const remote = await startRemote({ ...operatorEnv(sandbox), VOBIZ_CONFIRM: 'never' });
    const client = await connect(remote.url);
    try {
      const { tools } = await client.listTools();
      for (const tool of tools) expect(tool.inputSchema.properties ?? {}).not.toHaveProperty('approval');
      const contact = sandbox.contacts()[0]!;
      structured(await call(client, 'delete_contact', { id: contact.id }));
      expect(sandbox.contacts().some((c) => c.id === contact.id)).toBe(false);
    } finally {
      await client.close();
      await stopRemote(remote);
    }
  });
});
