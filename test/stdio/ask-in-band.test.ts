/**
 * A 2026-07-28 client that declares elicitation is asked within the request: the server answers the
 * call with a question (input_required), the client puts it to its user and calls again with the
 * answer, and only a yes to that very question lets the change through — over stdio and over stateless
 * HTTP, where no server-to-client request can travel. A client without elicitation still sends
 * an approval: the token the refused call answered with.
 */
import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { CLI, textOf } from '../support/context.js';
import { operatorEnv, startRemote, stopRemote, type Remote } from '../support/remote-stack.js';

let sandbox: Sandbox;
let remote: Remote;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: false });
  remote = await startRemote(operatorEnv(sandbox));
}, 20_000);
afterAll(async () => {
  await stopRemote(remote);
  await sandbox.close();
});

type Answer = 'accept' | 'decline';

/** A modern client whose user answers each question with `answer(question)`; the questions are kept. */
async function modernClient(over: 'stdio' | 'http', answer: (question: string) => Promise<Answer> | Answer) {
  const questions: string[] = [];
  const client = new Client(
    { name: 'asks-its-user', version: '1.0.0' },
    { versionNegotiation: { mode: 'auto' }, capabilities: { elicitation: { form: {} } } },
  );
  client.setRequestHandler('elicitation/create', async (request) => {
    const message = (request.params as { message: string }).message;
    questions.push(message);
    const action = await answer(message);
    return action === 'accept' ? { action, content: { confirm: true } } : { action };
  });
  await client.connect(
    over === 'stdio'
      ? new StdioClientTransport({
          command: process.execPath,
          args: [CLI],
          env: operatorEnv(sandbox),
          stderr: 'pipe',
        })
      : new StreamableHTTPClientTransport(new URL(remote.url)),
  );
  expect(client.getProtocolEra()).toBe('modern');
  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  return { client, questions, call };
}

let serial = 0;
async function seedGroup(tag: string, count: number): Promise<void> {
  const base = 10_000 + 100 * serial++;
  const csv = ['phone_number,name,tags'];
  for (let i = 0; i < count; i++) csv.push(`+9197${String(base + i).padStart(8, '0')},Q${i},${tag}`);
  const form = new FormData();
  form.append('file', new Blob([csv.join('\n')], { type: 'text/csv' }), 'seed.csv');
  const { baseUrl, credentials } = sandbox;
  const response = await fetch(`${baseUrl}/contacts/import`, {
    method: 'POST',
    headers: { 'x-auth-id': credentials.authId, 'x-auth-token': credentials.authToken },
    body: form,
  });
  expect(response.status).toBe(200);
}

const carrying = (tag: string) => sandbox.contacts().filter((c) => c.tags.includes(tag)).length;

describe.each(['stdio', 'http'] as const)('a 2026-07-28 client over %s', (over) => {
  it('is asked before a delete; a yes deletes, a no changes nothing', async () => {
    await seedGroup(`del-${over}`, 2);
    const [keep, remove] = sandbox.contacts().filter((c) => c.tags.includes(`del-${over}`));
    const { client, questions, call } = await modernClient(over, (question) =>
      question.includes(keep!.name) && question.includes(keep!.phone_number) ? 'decline' : 'accept',
    );
    try {
      const declined = await call('delete_contact', { id: keep!.id });
      expect(declined.isError).toBe(true);
      expect(textOf(declined)).toMatch(/^Not done: the user declined/);
      expect(sandbox.contacts().some((c) => c.id === keep!.id)).toBe(true);

      const deleted = await call('delete_contact', { id: remove!.id });
      expect(deleted.isError, textOf(deleted)).toBeFalsy();
      expect(sandbox.contacts().some((c) => c.id === remove!.id)).toBe(false);
      expect(questions).toHaveLength(2);
      expect(questions[1]).toMatch(/Permanently delete/);
    } finally {
      await client.close();
    }
  });

  it('a yes counts for the question it answered: a selection that grew meanwhile is asked again', async () => {
    const tag = `grow-${over}`;
    await seedGroup(tag, 60);
    let grown = false;
    const { client, questions, call } = await modernClient(over, async (): Promise<Answer> => {
      if (!grown) {
        grown = true;
        await seedGroup(tag, 15); // while the user reads the first question, the segment grows
      }
      return 'accept';
    });
    try {
      const result = await call('tag_contacts', { tag, add: [`asked-${over}`] });
      expect(result.isError, textOf(result)).toBeFalsy();
      expect(questions).toHaveLength(2);
      expect(questions[0]).toMatch(/up to 60 contacts/);
      expect(questions[1]).toMatch(/up to 75 contacts/);
      expect(carrying(`asked-${over}`)).toBe(75);
    } finally {
      await client.close();
    }
  });
});

it('a 2026-07-28 client without elicitation still needs an approval, and gets nothing changed without', async () => {
  await seedGroup('no-elicitation', 1);
  const [contact] = sandbox.contacts().filter((c) => c.tags.includes('no-elicitation'));
  const client = new Client(
    { name: 'cannot-ask', version: '1.0.0' },
    { versionNegotiation: { mode: 'auto' } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(remote.url)));
  try {
    const refused = (await client.callTool({
      name: 'delete_contact',
      arguments: { id: contact!.id },
    })) as CallToolResult;
    expect(textOf(refused)).toMatch(/^Not done: this server needs the user's yes.*approval: "/s);
    expect(sandbox.contacts().some((c) => c.id === contact!.id)).toBe(true);
  } finally {
    await client.close();
  }
});
