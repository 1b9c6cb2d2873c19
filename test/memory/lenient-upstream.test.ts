/**
 * Never stricter than the API (issue 11): the docs give no length or count limits for names, tags,
 * attributes or searches, so the tools refuse none. Against an upstream of this test that has no such
 * limits, values longer or more numerous than the sandbox's assumed limits go out and come back stored;
 * against the sandbox, which stands in for limits the API may have, the API's own 422 names the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_FIELD_LIMITS as LIMITS } from '../../src/vobiz/contract.js';
import { requestMark, requestsSince, textOf } from '../support/context.js';
import { linkServer, startMemoryStack, type MemoryLink } from '../support/memory-stack.js';
import { json, startLoopbackApi, uploadedNumbers } from '../unit/scripted-api.js';

const longName = 'N'.repeat(LIMITS.name + 44);
const longTag = 't'.repeat(LIMITS.tag + 6);
const manyTags = Array.from({ length: LIMITS.tagsPerContact + 20 }, (_, i) => `tag-${i}`);
const longKey = 'k'.repeat(LIMITS.customAttributeKey + 10);
const longSearch = 's'.repeat(LIMITS.search + 50);

/** What the lenient upstream received: method, path and query, and the body as text. */
const received: { method: string; url: string; body: string }[] = [];
let upstream: Awaited<ReturnType<typeof startLoopbackApi>>;
let link: MemoryLink;

beforeAll(async () => {
  upstream = await startLoopbackApi((req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    const route = url.pathname.replace('/api/v1/messaging', '');
    received.push({ method: req.method ?? '', url: `${route}${url.search}`, body });
    const now = new Date().toISOString();
    const answer = (status: number, answered: unknown) => json(status, answered)(req, res, body);
    if (req.method === 'POST' && route === '/contacts') {
      const sent = JSON.parse(body) as Record<string, unknown>;
      return answer(201, { id: 'c-1', tags: [], custom_attributes: {}, ...sent, created_at: now });
    }
    if (req.method === 'PUT' && route === '/contacts/c-1') {
      const sent = JSON.parse(body) as Record<string, unknown>;
      const stored = { id: 'c-1', phone_number: '+919812340000', name: 'Asha', tags: [] };
      return answer(200, { ...stored, custom_attributes: {}, ...sent, created_at: now });
    }
    if (req.method === 'GET' && route === '/contacts') {
      return answer(200, { items: [], total: 0, page: 1, limit: 25, has_more: false });
    }
    if (req.method === 'POST' && route === '/contacts/import') {
      // Every data row of the uploaded CSV is taken: count them as created.
      const rows = uploadedNumbers(body).length;
      return answer(200, { total: rows, created: rows, updated: 0, failed: 0, errors: [] });
    }
    answer(404, { status: 'error', error: { code: 'NOT_FOUND', message: 'no such route' } });
  });
  link = await linkServer({
    baseUrl: upstream.baseUrl,
    credentials: { authId: 'MA_TEST', authToken: 'token-for-tests' },
  });
});
afterAll(async () => {
  await link?.close();
  await upstream?.close();
});

describe('an upstream without the assumed limits', () => {
  it('create_contact sends a long name, a long tag, many tags and a long attribute key', async () => {
    const result = await link.call('create_contact', {
      phone_number: '+919812340000',
      name: longName,
      tags: [longTag, ...manyTags],
      custom_attributes: { [longKey]: 'x' },
    });
    expect(result.isError, textOf(result)).toBeFalsy();
    const sent = JSON.parse(received.at(-1)!.body) as { name: string; tags: string[] };
    expect(sent.name).toBe(longName);
    expect(sent.tags).toEqual([longTag, ...manyTags]);
    expect(result.structuredContent).toMatchObject({ name: longName, custom_attributes: { [longKey]: 'x' } });
  });

  it('update_contact and list_contacts send them too', async () => {
    const updated = await link.call('update_contact', { id: 'c-1', tags: manyTags });
    expect(updated.isError, textOf(updated)).toBeFalsy();
    expect(JSON.parse(received.at(-1)!.body)).toEqual({ tags: manyTags });

    const listed = await link.call('list_contacts', { search: longSearch });
    expect(listed.isError, textOf(listed)).toBeFalsy();
    expect(received.at(-1)!.url).toContain(`search=${longSearch}`);
  });

  it('import_contacts_csv uploads rows with them rather than failing the rows itself', async () => {
    const csv = [
      'phone_number,name,tags',
      `+919812340001,${longName},${longTag}`,
      `+919812340002,Ravi,"${manyTags.join(',')}"`,
    ].join('\n');
    const result = await link.call('import_contacts_csv', { csv });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ total: 2, created: 2, failed: 0 });
    const upload = received.filter((r) => r.url === '/contacts/import');
    expect(upload).toHaveLength(1);
    expect(upload[0]!.body).toContain(longName);
    expect(upload[0]!.body).toContain(longTag);
  });
});

describe('the sandbox, which stands in for limits the API may have', () => {
  it("reports the API's 422 naming the field, after the request went out", async () => {
    const stack = await startMemoryStack();
    try {
      const mark = requestMark(stack.sandbox);
      const result = await stack.call('create_contact', { phone_number: '+919812340000', name: longName });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain(`name must be at most ${LIMITS.name} characters`);
      expect(requestsSince(stack.sandbox, mark).map((entry) => [entry.route, entry.status])).toContainEqual([
        'create',
        422,
      ]);
    } finally {
      await stack.close();
    }
  });
});
