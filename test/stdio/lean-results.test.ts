/**
 * What a model reads of a result is about the same in every client: the structured content (what
 * Claude Code gives the model, as JSON) costs at most MAX_STRUCTURED_TO_TEXT times the text (what Claude
 * Desktop gives it), for a typical answer of every tool — through the built server over stdio, a real
 * MCP client (which checks each result against the tool's output schema) and the sandbox. And the lean
 * form says the same as the text did: the contacts of a page, whole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answerBytes,
  MAX_STRUCTURED_TO_TEXT,
  typicalAccount,
  typicalAnswers,
  TYPICAL_SERVER_ENV,
  type TypicalAnswer,
} from '../../src/docs/model-reading.js';
import { DEFAULT_SANDBOX_AUTH_ID } from '../../src/sandbox/index.js';
import { TOOL_NAMES } from '../../src/tools/all-tools.js';
import { fromTable } from '../../src/mcp/table.js';
import { startStack, textOf, type Stack } from '../support/context.js';

let stack: Stack;
let answers: TypicalAnswer[];
/** The account as it was before the answers changed it. */
let before: ReturnType<Stack['sandbox']['contacts']>;

beforeAll(async () => {
  stack = await startStack({
    sandbox: { seed: false, contacts: typicalAccount(DEFAULT_SANDBOX_AUTH_ID) },
    env: TYPICAL_SERVER_ENV,
  });
  before = stack.sandbox.contacts();
  answers = await typicalAnswers(stack.call, stack.sandbox);
}, 60_000);
afterAll(() => stack?.close());

const answerOf = (tool: string, answer: string) => {
  const found = answers.find((a) => a.tool === tool && a.answer === answer);
  if (!found) throw new Error(`no typical answer "${answer}" of ${tool}`);
  return found.result;
};

describe('a typical answer of every tool', () => {
  it(`has structured content within ×${MAX_STRUCTURED_TO_TEXT} of its text`, () => {
    expect(new Set(answers.map((a) => a.tool))).toEqual(new Set(TOOL_NAMES));
    for (const { tool, answer, result } of answers) {
      const bytes = answerBytes(result);
      expect(result.structuredContent, `${tool}: ${answer}`).toBeDefined();
      expect(bytes.ratio, `${tool}, ${answer}: ${JSON.stringify(bytes)}`).toBeLessThanOrEqual(
        MAX_STRUCTURED_TO_TEXT,
      );
    }
  });

  it('a page of contacts is a table that holds every field the text shows, and nothing it does not', () => {
    const page = answerOf('list_contacts', 'a page of 100').structuredContent as {
      contacts: { columns: string[]; rows: unknown[][] };
    };
    // No timestamp the text leaves out; the names of the fields once, not once a contact.
    expect(page.contacts.columns).toEqual([
      'id',
      'phone_number',
      'name',
      'tags',
      'custom_attributes',
      'last_active_at',
    ]);
    expect(JSON.stringify(page).match(/"phone_number"/g), 'the field named once, in columns').toHaveLength(1);
    const expected = before.slice(0, 100).map((c) => ({
      id: c.id,
      phone_number: c.phone_number,
      name: c.name,
      ...(c.tags.length > 0 && { tags: c.tags }),
      ...(Object.keys(c.custom_attributes).length > 0 && { custom_attributes: c.custom_attributes }),
      ...(c.last_active_at !== undefined && { last_active_at: c.last_active_at }),
    }));
    expect(fromTable(page.contacts)).toEqual(expected);
  });

  it('the same delete twice: deleted, then already gone — neither an error', () => {
    const [first, again] = answers.filter((a) => a.tool === 'delete_contact').map((a) => a.result);
    expect(first?.structuredContent).toMatchObject({ deleted: true });
    expect(again?.isError).toBeFalsy();
    expect(again?.structuredContent).toMatchObject({ deleted: false });
    expect(textOf(again!)).toMatch(/^No contact has the id .*: nothing to delete, and nothing was changed/);
  });

  it('import errors sharing a reason give it once', () => {
    const imported = answerOf('import_contacts_csv', '20 rows, 2 refused').structuredContent as {
      failed: number;
      errors: { columns: string[]; rows: unknown[][]; same?: Record<string, unknown> };
    };
    expect(imported.failed).toBe(2);
    expect(imported.errors.same?.['reason']).toMatch(/E\.164/);
    expect(fromTable(imported.errors)).toEqual([
      expect.objectContaining({ row: 10, reason: imported.errors.same?.['reason'] }),
      expect.objectContaining({ row: 20, reason: imported.errors.same?.['reason'] }),
    ]);
  });
});
