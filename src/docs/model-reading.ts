/**
 * What a model reads of this server, measured one way for `npm run bench` (bench/model-reading.js) and
 * the tests that hold it to its budgets (test/stdio/surface.test.ts, test/stdio/lean-results.test.ts):
 * - of tools/list, each tool's name, description and input schema (toolListModelBytes);
 * - of a tool result, its text or its structured content, depending on the client (answerBytes), for
 *   one typical answer of every tool (typicalAnswers), called through a real MCP client against a
 *   sandbox holding TYPICAL_CONTACTS contacts.
 */
import type { CallToolResult, Tool } from '@modelcontextprotocol/client';
import { generateContactsCsv } from '../demo/sample-csv.js';
import { generateContacts, type Sandbox, type SandboxContact } from '../sandbox/index.js';

/** Most bytes a model may read of tools/list, all tools listed, in either variant (stdio, remote). */
export const TOOL_LIST_BUDGET_BYTES = 12_000;

/** Most bytes of structured content per byte of text, for a typical answer of any tool. */
export const MAX_STRUCTURED_TO_TEXT = 1.3;

/**
 * What a model reads of one tool in tools/list: its name, description and input schema — what the
 * model APIs take for a tool (Anthropic's `name`, `description`, `input_schema`; OpenAI's function
 * `name`, `description`, `parameters`). Title, annotations and output schema are for the client.
 */
export function modelViewOfTool({ name, description, inputSchema }: Tool) {
  return { name, description, input_schema: inputSchema };
}

/** The bytes of what a model reads of these tools: the JSON of their model views, as one list. */
export function toolListModelBytes(tools: readonly Tool[]): number {
  return Buffer.byteLength(JSON.stringify(tools.map(modelViewOfTool)));
}

export interface AnswerBytes {
  /** The text blocks, as Claude Desktop gives them to the model. */
  text: number;
  /** `JSON.stringify(structuredContent)`, as Claude Code gives it to the model instead of the text. */
  structured: number;
  /** structured / text. */
  ratio: number;
}

export function answerBytes(result: CallToolResult): AnswerBytes {
  const text = Buffer.byteLength(
    result.content.map((block) => (block.type === 'text' ? block.text : '')).join('\n'),
  );
  const structured = Buffer.byteLength(JSON.stringify(result.structuredContent ?? {}));
  return { text, structured, ratio: structured / text };
}

/** Contacts of the account typical answers are measured on. */
export const TYPICAL_CONTACTS = 500;

/** The account: the generated contacts (cities, plans, emails, tags, activity), the same on every run. */
export function typicalAccount(accountId: string): SandboxContact[] {
  return generateContacts(TYPICAL_CONTACTS, { accountId, seed: 25 });
}

/**
 * The server typical answers need: a call budget of one second, so that a bulk change held up by one
 * slow write goes on as a job (get_job, cancel_job); no confirmation asked.
 */
export const TYPICAL_SERVER_ENV = { VOBIZ_CALL_BUDGET_MS: '1000', VOBIZ_CONFIRM: 'never' };

export interface TypicalAnswer {
  tool: string;
  /** What was asked, in a few words. */
  answer: string;
  result: CallToolResult;
}

type Call = (name: string, args: Record<string, unknown>) => Promise<CallToolResult>;

/**
 * One typical answer of every tool (and of the ways a tool answers differently), in order, from a
 * server started with TYPICAL_SERVER_ENV against `sandbox` holding typicalAccount(). Changes the
 * account; throws on an answer that is not the kind expected, so that no figure measures an error.
 */
export async function typicalAnswers(call: Call, sandbox: Sandbox): Promise<TypicalAnswer[]> {
  const answers: TypicalAnswer[] = [];
  const ask = async (tool: string, answer: string, args: Record<string, unknown>, isError = false) => {
    const result = await call(tool, args);
    if (Boolean(result.isError) !== isError) {
      throw new Error(`${tool} (${answer}) answered ${JSON.stringify(result.content).slice(0, 500)}`);
    }
    answers.push({ tool, answer, result });
    return result;
  };
  const slowWrite = () => sandbox.faults.inject({ fault: { kind: 'latency', ms: 1_500 }, route: 'update' });
  const jobOf = (result: CallToolResult) => {
    const job = (result.structuredContent as { job?: { id: string } } | undefined)?.job;
    if (!job) throw new Error('a slow bulk change did not go on as a job');
    return job.id;
  };

  const contact =
    sandbox
      .contacts()
      .find((c) => c.tags.length > 0 && Object.keys(c.custom_attributes).length > 1 && c.last_active_at) ??
    sandbox.contacts()[0]!;
  await ask('list_contacts', 'a page of 100', { limit: 100 });
  await ask('list_contacts', 'a segment (where), 25 matches', {
    where: { attributes: { city: 'Pune' } },
    limit: 25,
  });
  await ask('get_contact', 'one contact by id', { id: contact.id });
  await ask('list_tags', 'every tag of the account', {});
  const created = await ask('create_contact', 'a contact with tags and attributes', {
    phone_number: '+91 98200 55501',
    name: 'Meera Nair',
    tags: ['demo'],
    custom_attributes: { city: 'Kochi' },
  });
  const createdId = (created.structuredContent as { id: string }).id;
  await ask('update_contact', 'new tags', { id: contact.id, tags: ['vip', 'newsletter'] });
  await ask('tag_contacts', 'dry run on a tag', { tag: 'trial', add: ['spring-sale'], dry_run: true });
  await ask('tag_contacts', 'add a tag to a segment', { tag: 'trial', add: ['spring-sale'] });
  slowWrite();
  const running = await ask('tag_contacts', 'outlasting the call: a job', {
    tag: 'trial',
    remove: ['spring-sale'],
  });
  const followed = jobOf(running);
  for (let calls = 0; ; calls++) {
    const state = await call('get_job', { id: followed });
    const job = (state.structuredContent as { job: { state: string } }).job;
    if (job.state !== 'running') {
      answers.push({ tool: 'get_job', answer: 'the ended job, with its result', result: state });
      break;
    }
    if (calls >= 30) throw new Error('the job did not end in 30 get_job calls');
  }
  slowWrite();
  const stopped = jobOf(await call('tag_contacts', { tag: 'trial', add: ['spring-sale'] }));
  await ask('cancel_job', 'a running job, cancelled', { id: stopped }, true);
  await ask('delete_contact', 'a contact', { id: createdId });
  await ask('delete_contact', 'the same again', { id: createdId });
  const { csv } = generateContactsCsv(20, { invalidEvery: 10, offset: 9_000 });
  await ask('import_contacts_csv', 'dry run, 20 rows', { csv, default_country: 'IN', dry_run: true });
  await ask('import_contacts_csv', '20 rows, 2 refused', { csv, default_country: 'IN' });
  const clean = generateContactsCsv(20, { offset: 9_500 }).csv;
  await ask('import_contacts_csv', '20 rows, all good', { csv: clean, default_country: 'IN' });
  return answers;
}
