/**
 * create_contact's never-twice logic against exact upstream sequences the sandbox cannot produce on
 * demand: a create that lands late and meets its own retry as a 409, a number taken by a different
 * contact, a lookup that fails too, a search that matches a longer number.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWithoutDuplicates } from '../../src/tools/create-contact.js';
import { VobizClient, type NewContact } from '../../src/vobiz/client.js';
import { apiError, hang, json, page, startScriptedApi, type ScriptedApi, clientFor } from './scripted-api.js';

let api: ScriptedApi;
let client: VobizClient;

const sent: NewContact = {
  phone_number: '+919812340000',
  name: 'Asha',
  tags: ['vip'],
  custom_attributes: { city: 'Pune' },
};
const stored = { id: 'c1', ...sent, account_id: 'MA_TEST', created_at: '2025-01-01T00:00:00Z' };
const unavailable = apiError(503, 'SERVICE_UNAVAILABLE');

beforeAll(async () => {
  api = await startScriptedApi();
  client = clientFor(api, {
    timeoutMs: 200,
    retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 1_000 },
  });
});
afterEach(() => api.reset());
afterAll(async () => {
  await client.close();
  await api.close();
});

const create = () => createWithoutDuplicates(client, sent, client.startCall());
const calls = () => api.received.map((r) => `${r.method} ${r.url.replace('/api/v1/messaging', '')}`);
const LOOKUP = 'GET /contacts?search=%2B919812340000&limit=100&page=1';

describe('createWithoutDuplicates', () => {
  it('after a 503 the lookup finds nothing, so it creates again', async () => {
    api.script = [unavailable, page(), json(201, stored)];
    await expect(create()).resolves.toMatchObject({ kind: 'created', contact: { id: 'c1' } });
    expect(calls()).toEqual(['POST /contacts', LOOKUP, 'POST /contacts']);
  });

  it('after a 503 the lookup finds the contact as sent: the first attempt landed, no second POST', async () => {
    api.script = [unavailable, page(stored)];
    await expect(create()).resolves.toMatchObject({ kind: 'found_applied', contact: { id: 'c1' } });
    expect(calls()).toEqual(['POST /contacts', LOOKUP]);
  });

  it('a timed-out create that lands late meets its retry as a 409, and is recognised as ours', async () => {
    api.script = [hang, page(), apiError(409, 'CONFLICT', {}, { existing_id: 'c1' }), page(stored)];
    await expect(create()).resolves.toMatchObject({ kind: 'found_applied', contact: { id: 'c1' } });
    expect(calls()).toEqual(['POST /contacts', LOOKUP, 'POST /contacts', LOOKUP]);
  });

  it('a contact with the number that is not the one sent is reported, not adopted', async () => {
    api.script = [unavailable, page({ ...stored, id: 'other', name: 'Somebody Else' })];
    await expect(create()).resolves.toMatchObject({ kind: 'found_different', contact: { id: 'other' } });
  });

  it('a search hit on a longer number is not the contact', async () => {
    api.script = [
      unavailable,
      page({ ...stored, id: 'near', phone_number: '+9198123400001' }),
      json(201, stored),
    ];
    await expect(create()).resolves.toMatchObject({ kind: 'created', contact: { id: 'c1' } });
  });

  it('when the lookup fails too, the outcome stays unknown', async () => {
    api.script = [unavailable, apiError(500, 'INTERNAL_ERROR')];
    await expect(create()).resolves.toMatchObject({
      kind: 'lookup_failed',
      error: { status: 503 },
      lookupError: { status: 500 },
    });
  });

  it('gives up after maxRetries re-creates, each checked first', async () => {
    api.script = [unavailable, page(), unavailable, page(), unavailable, page(), unavailable, page()];
    await expect(create()).resolves.toMatchObject({
      kind: 'failed',
      error: { status: 503 },
      verifiedNotApplied: true,
      requests: 4,
    });
    expect(calls().filter((c) => c.startsWith('POST'))).toHaveLength(4);
  });

  it('a rejection is final at once, with no lookup: 422, and a 409 on the first attempt', async () => {
    api.script = [apiError(422, 'VALIDATION_ERROR')];
    await expect(create()).resolves.toMatchObject({
      kind: 'failed',
      error: { status: 422 },
      verifiedNotApplied: false,
    });
    api.reset();
    api.script = [apiError(409, 'CONFLICT', {}, { existing_id: 'c9' })];
    await expect(create()).resolves.toMatchObject({ kind: 'failed', error: { status: 409 } });
    expect(calls()).toEqual(['POST /contacts']);
  });
});
