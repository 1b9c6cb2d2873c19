/**
 * Results stay within bounds whatever the account holds: list_tags lists the most used tags and counts
 * the rest; a where too long for a cursor gets one that carries its digest; a contact whose attributes
 * nest thousands of levels deep is shown with a placeholder instead of failing every page that holds it,
 * and the sandbox refuses to store one. A real client, real HTTP to the sandbox (or to an upstream of the
 * test's own for what the sandbox refuses to hold).
 */
import type { ReadResourceResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateContacts } from '../../src/sandbox/index.js';
import { MAX_RENDERED_DEPTH, TOO_DEEP } from '../../src/render.js';
import { MAX_LISTED_TAGS } from '../../src/tools/list-tags.js';
import { MAX_CURSOR_LENGTH } from '../../src/tools/list-contacts/list-cursor.js';
import { SANDBOX_FIELD_LIMITS } from '../../src/vobiz/contract.js';
import { startLoopbackApi } from '../unit/scripted-api.js';
import { contactsOf, textOf } from '../support/context.js';
import { linkServer, startMemoryStack, type MemoryStack } from '../support/memory-stack.js';

const CONTACTS = 300;
/** Each contact: one tag all share, one of ten groups, and 18 of its own — 5,411 distinct tags. */
const DISTINCT = 1 + 10 + CONTACTS * 18;

let stack: MemoryStack;
beforeAll(async () => {
  const contacts = generateContacts(CONTACTS, { accountId: 'MA_SANDBOX1' }).map((contact, i) => ({
    ...contact,
    tags: ['everyone', `group-${i % 10}`, ...Array.from({ length: 18 }, (_, k) => `own-${i}-${k}`)],
  }));
  stack = await startMemoryStack({ sandbox: { contacts } });
});
afterAll(async () => {
  await stack?.close();
});

interface TagsOutput {
  /** [tag, contacts] pairs. */
  tags: [string, number][];
  tags_omitted?: number;
  complete: boolean;
}

describe('list_tags on an account with thousands of distinct tags', () => {
  it('lists the most used, says how many it left out, and keeps the text short', async () => {
    const result = await stack.call('list_tags', {});
    const out = result.structuredContent as unknown as TagsOutput;
    expect(out.complete).toBe(true);
    expect(out.tags).toHaveLength(MAX_LISTED_TAGS);
    expect(out.tags_omitted).toBe(DISTINCT - MAX_LISTED_TAGS);
    expect(out.tags[0]).toEqual(['everyone', CONTACTS]);
    expect(
      out.tags.slice(1, 11).every(([tag, contacts]) => tag.startsWith('group-') && contacts === 30),
    ).toBe(true);
    const text = textOf(result);
    expect(text).toContain(`${DISTINCT} tags on ${CONTACTS} contacts`);
    expect(text).toContain(`${DISTINCT - MAX_LISTED_TAGS} less used tags, not listed`);
    expect(JSON.stringify(result).length).toBeLessThan(200_000);
  });
});

describe('a where too long for a cursor to carry', () => {
  // 3,000 tags of 30 characters: a cursor holding them would be some 130 kB.
  const where = {
    tags_none: Array.from({ length: 3_000 }, (_, i) => `not-this-one-${String(i).padStart(16, '0')}`),
  };

  it('gets a short cursor that goes on when sent with the same where, and a clear error without it', async () => {
    const first = await stack.call('list_contacts', { where, limit: 5 });
    const page1 = first.structuredContent as { next_cursor?: string };
    expect(contactsOf(first)).toHaveLength(5);
    const cursor = page1.next_cursor!;
    expect(cursor.length).toBeLessThan(1_000);
    expect(textOf(first)).toContain('and the same where');

    const second = await stack.call('list_contacts', { cursor, where, limit: 5 });
    const ids = stack.sandbox.contacts().map((c) => c.id);
    expect(contactsOf(second).map((c) => c.id)).toEqual(ids.slice(5, 10));

    const alone = await stack.call('list_contacts', { cursor, limit: 5 });
    expect(alone.isError).toBe(true);
    expect(textOf(alone)).toContain('send it with the same where');

    const other = await stack.call('list_contacts', {
      cursor,
      where: { tags_none: where.tags_none.slice(1) },
      limit: 5,
    });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toContain('another query');
  });

  it('a where that fits still gets a cursor that carries it', async () => {
    const first = await stack.call('list_contacts', { where: { tags_all: ['everyone'] }, limit: 5 });
    const cursor = (first.structuredContent as { next_cursor: string }).next_cursor;
    expect(cursor.length).toBeLessThan(MAX_CURSOR_LENGTH);
    const second = await stack.call('list_contacts', { cursor, limit: 5 });
    expect(second.isError, textOf(second)).toBeFalsy();
  });
});

/** JSON text of `{"a":{"a":…"deep"…}}` nested `depth` levels, written by hand: JSON.stringify cannot. */
function nestedJson(depth: number): string {
  return `${'{"a":'.repeat(depth)}"deep"${'}'.repeat(depth)}`;
}

describe('attributes nested 6,000 levels deep', () => {
  it('a page holding such a contact is shown, with a placeholder for the part too deep', async () => {
    const contact = (attributes: string) =>
      `{"id":"deep-1","phone_number":"+919800000001","name":"Deep","tags":[],"custom_attributes":${attributes}}`;
    const upstream = await startLoopbackApi((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        req.url?.includes('/contacts/deep-1')
          ? contact(nestedJson(6_000))
          : `{"items":[${contact(nestedJson(6_000))}],"total":1,"page":1,"limit":25,"has_more":false}`,
      );
    });
    const link = await linkServer({ baseUrl: upstream.baseUrl, credentials: stack.sandbox.credentials });
    try {
      for (const [tool, args] of [
        ['list_contacts', {}],
        ['get_contact', { id: 'deep-1' }],
      ] as const) {
        const result = await link.call(tool, args);
        expect(result.isError, textOf(result)).toBeFalsy();
        expect(textOf(result)).toContain(TOO_DEEP);
        expect(JSON.stringify(result.structuredContent)).toContain(TOO_DEEP);
      }
      const read = (await link.client.readResource({ uri: 'vobiz://contacts/deep-1' })) as ReadResourceResult;
      const text = read.contents[0] && 'text' in read.contents[0] ? read.contents[0].text : '';
      expect(text).toContain(TOO_DEEP);
      expect(text.split('"a":').length - 1).toBe(MAX_RENDERED_DEPTH);
    } finally {
      await link.close();
      await upstream.close();
    }
  });

  it('the sandbox refuses to store them (422), and its list keeps answering', async () => {
    const headers = {
      'content-type': 'application/json',
      'x-auth-id': stack.sandbox.credentials.authId,
      'x-auth-token': stack.sandbox.credentials.authToken,
    };
    const response = await fetch(`${stack.sandbox.baseUrl}/contacts`, {
      method: 'POST',
      headers,
      body: `{"phone_number":"+919800000002","name":"Deep","custom_attributes":${nestedJson(6_000)}}`,
    });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: { details: { errors: { code: string }[] } } };
    expect(body.error.details.errors[0]?.code).toBe('too_deep');
    expect((await fetch(`${stack.sandbox.baseUrl}/contacts`, { headers })).status).toBe(200);
  });

  it('update_contact: the sandbox’s depth limit comes back as its 422; past what can be sent, a clear error', async () => {
    const id = stack.sandbox.contacts()[0]!.id;
    const tooDeepForTheApi = JSON.parse(nestedJson(SANDBOX_FIELD_LIMITS.customAttributesDepth + 1)) as object;
    const refused = await stack.call('update_contact', { id, custom_attributes: tooDeepForTheApi });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain(
      `nest deeper than ${SANDBOX_FIELD_LIMITS.customAttributesDepth} levels`,
    );

    const unsendable = await stack.call('update_contact', {
      id,
      custom_attributes: JSON.parse(nestedJson(6_000)) as object,
    });
    expect(unsendable.isError).toBe(true);
    expect(textOf(unsendable)).toContain('more than this server can send');
  });
});
