/**
 * create_contact's never-twice, never-a-false-report logic against exact upstream sequences the sandbox
 * cannot produce on demand. Each sequence is tried both ways: the lost attempt applied, and not applied.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VobizClient, type NewContact } from '../../src/vobiz/client.js';
import { createContactOnce } from '../../src/vobiz/create-once.js';
import {
  apiError,
  clientFor,
  crowdedSearchPage,
  hang,
  json,
  page,
  startScriptedApi,
  type ScriptedApi,
} from './scripted-api.js';

let api: ScriptedApi;
let client: VobizClient;

const sent: NewContact = {
  phone_number: '+919812340000',
  name: 'Asha',
  tags: ['vip'],
  custom_attributes: { city: 'Pune' },
};
/** The contact as the API stores it, created `agoMs` before now on the API's clock. */
const stored = (agoMs = 0) => ({
  id: 'c1',
  ...sent,
  account_id: 'MA_TEST',
  created_at: new Date(Date.now() - agoMs).toISOString(),
});
const LAST_YEAR = 365 * 24 * 3600 * 1000;
const unavailable = apiError(503, 'SERVICE_UNAVAILABLE');

beforeAll(async () => {
  api = await startScriptedApi();
  client = clientFor(api, {
    timeoutMs: 1_000,
    retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 1_000 },
  });
});
afterEach(() => api.reset());
afterAll(async () => {
  await client.close();
  await api.close();
});

const create = () => createContactOnce(client, sent, client.startCall());
const calls = () => api.received.map((r) => `${r.method} ${r.url.replace('/api/v1/messaging', '')}`);
const LOOKUP = 'GET /contacts?search=%2B919812340000&limit=100&page=1';

describe('after a 503 on the create', () => {
  it('not applied: the lookup finds nothing, so it creates again', async () => {
    api.script = [unavailable, page(), json(201, stored())];
    await expect(create()).resolves.toMatchObject({ kind: 'created', confirmedBy: 'answer' });
    expect(calls()).toEqual(['POST /contacts', LOOKUP, 'POST /contacts']);
  });

  it('applied: the lookup finds the contact as sent, created during this call; no second POST', async () => {
    api.script = [unavailable, page(stored())];
    await expect(create()).resolves.toMatchObject({
      kind: 'created',
      confirmedBy: 'lookup',
      contact: { id: 'c1' },
    });
    expect(calls()).toEqual(['POST /contacts', LOOKUP]);
  });

  it('a number that existed since last year, even as sent, is not reported as created', async () => {
    api.script = [unavailable, page(stored(LAST_YEAR))];
    await expect(create()).resolves.toMatchObject({ kind: 'existed', contact: { id: 'c1' } });
    expect(calls()).toEqual(['POST /contacts', LOOKUP]);
  });

  it('a contact under the number that is not the one sent existed already', async () => {
    api.script = [unavailable, page({ ...stored(), id: 'other', name: 'Somebody Else' })];
    await expect(create()).resolves.toMatchObject({ kind: 'existed', contact: { id: 'other' } });
  });

  it('without a creation time to compare, it says it cannot tell', async () => {
    const { created_at: _dropped, ...undated } = stored();
    api.script = [unavailable, page(undated)];
    await expect(create()).resolves.toMatchObject({ kind: 'unclear', contact: { id: 'c1' } });
  });

  it('a search hit on a longer number is not the contact', async () => {
    api.script = [
      unavailable,
      page({ ...stored(), id: 'near', phone_number: '+9198123400001' }),
      json(201, stored()),
    ];
    await expect(create()).resolves.toMatchObject({
      kind: 'created',
      confirmedBy: 'answer',
      contact: { id: 'c1' },
    });
  });

  it('when the lookup fails too, the outcome stays unknown', async () => {
    api.script = [unavailable, apiError(500, 'INTERNAL_ERROR')];
    await expect(create()).resolves.toMatchObject({
      kind: 'lookup_failed',
      error: { status: 503 },
      lookupError: { status: 500 },
    });
  });

  it('a lookup that reads its five pages of near matches without reaching the end cannot tell: no second POST', async () => {
    // A hundred contacts whose numbers contain the one sent, on every page, and always more.
    const crowded = crowdedSearchPage(stored(LAST_YEAR));
    api.script = [unavailable, crowded, crowded, crowded, crowded, crowded];
    const outcome = await create();
    expect(outcome).toMatchObject({ kind: 'lookup_failed', error: { status: 503 } });
    expect(String((outcome as { lookupError: Error }).lookupError.message)).toMatch(
      /matched more than 500 contacts.*cannot be told/,
    );
    expect(calls().filter((c) => c.startsWith('POST'))).toHaveLength(1);
  });

  it('gives up after maxRetries re-creates, each checked first, and knows nothing was applied', async () => {
    api.script = [unavailable, page(), unavailable, page(), unavailable, page(), unavailable, page()];
    const outcome = await create();
    expect(outcome).toMatchObject({ kind: 'failed', error: { status: 503 } });
    const { retryRecordOf } = await import('../../src/vobiz/retry.js');
    expect(retryRecordOf((outcome as { error: unknown }).error)).toMatchObject({
      attempts: 4,
      verifiedNotApplied: true,
      earlierOutcomeUnknown: false,
    });
    expect(calls().filter((c) => c.startsWith('POST'))).toHaveLength(4);
  });
});

describe('after a timeout on the create', () => {
  it('applied late: the retry meets a 409, and the contact it names, read by id, is this call’s', async () => {
    api.script = [hang, page(), apiError(409, 'CONFLICT', {}, { existing_id: 'c1' }), json(200, stored())];
    await expect(create()).resolves.toMatchObject({
      kind: 'created',
      confirmedBy: 'lookup',
      contact: { id: 'c1' },
    });
    expect(calls()).toEqual(['POST /contacts', LOOKUP, 'POST /contacts', 'GET /contacts/c1']);
  });

  it('applied late, a 409 without an id: the lookup by number finds the contact as this call’s', async () => {
    api.script = [hang, page(), apiError(409, 'CONFLICT'), page(stored())];
    await expect(create()).resolves.toMatchObject({ kind: 'created', contact: { id: 'c1' } });
    expect(calls()).toEqual(['POST /contacts', LOOKUP, 'POST /contacts', LOOKUP]);
  });

  it('a 409 after an unknown outcome, the contact nowhere to be read: the number is taken, not "failed"', async () => {
    api.script = [hang, page(), apiError(409, 'CONFLICT'), page()];
    await expect(create()).resolves.toMatchObject({
      kind: 'taken',
      cause: { kind: 'timeout' },
      conflict: { status: 409 },
    });
  });

  it('not applied: the retry is created normally', async () => {
    api.script = [hang, page(), json(201, stored())];
    await expect(create()).resolves.toMatchObject({ kind: 'created', confirmedBy: 'answer' });
  });
});

describe('answers that decide at once', () => {
  it('a rejection is final, with no lookup: 422, and a 409 on the first attempt', async () => {
    api.script = [apiError(422, 'VALIDATION_ERROR')];
    await expect(create()).resolves.toMatchObject({ kind: 'failed', error: { status: 422 } });
    api.reset();
    api.script = [apiError(409, 'CONFLICT', {}, { existing_id: 'c9' })];
    await expect(create()).resolves.toMatchObject({ kind: 'failed', error: { status: 409 } });
    expect(calls()).toEqual(['POST /contacts']);
  });
});
