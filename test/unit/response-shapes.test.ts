/**
 * The shapes the contract says the API may answer with, besides the documented ones: the older list
 * envelope, null fields, an error that is a plain string or a top-level message, `Retry-After` as an
 * HTTP date or only in `details.retryAfter`, and a proxy's HTML page. Each must read right, never crash.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VobizClient } from '../../src/vobiz/client.js';
import { VobizHttpError } from '../../src/vobiz/errors.js';
import { json, startScriptedApi, type Responder, type ScriptedApi, clientFor } from './scripted-api.js';

let api: ScriptedApi;
let client: VobizClient;

beforeAll(async () => {
  api = await startScriptedApi();
  client = clientFor(api, {
    retry: { maxRetries: 0 },
  });
});
afterEach(() => api.reset());
afterAll(async () => {
  await client.close();
  await api.close();
});

const contact = (id: string) => ({ id, phone_number: '+919812340000', name: `Contact ${id}` });

async function failureOf(respond: Responder): Promise<VobizHttpError> {
  api.script = [respond];
  const error: unknown = await client.getContact('c1').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(VobizHttpError);
  return error as VobizHttpError;
}

describe('list pages', () => {
  it('reads the older {data, meta} envelope and derives has_more', async () => {
    api.script = [json(200, { data: [contact('a'), contact('b')], meta: { total: 5, page: 1, limit: 2 } })];
    const page = await client.listContacts({ limit: 2 });
    expect(page).toMatchObject({ total: 5, page: 1, limit: 2, has_more: true });
    expect(page.items.map((c) => c.id)).toEqual(['a', 'b']);
  });

  it('reads null fields as absent instead of rejecting the page', async () => {
    const withNulls = {
      ...contact('n'),
      tags: null,
      custom_attributes: null,
      last_active_at: null,
      account_id: null,
    };
    api.script = [json(200, { items: [withNulls], total: 1, page: 1, limit: 25, has_more: false })];
    const [read] = (await client.listContacts({})).items;
    expect(read).toMatchObject({ id: 'n', tags: [], custom_attributes: {} });
    expect(read?.last_active_at).toBeUndefined();
  });
});

describe('error bodies', () => {
  it('`error` as a plain string', async () => {
    const error = await failureOf(json(401, { error: 'Invalid auth token' }));
    expect(error.status).toBe(401);
    expect(error.message).toContain('Invalid auth token');
  });

  it('`message` at the top level', async () => {
    const error = await failureOf(json(404, { message: 'Contact not found' }));
    expect(error.status).toBe(404);
    expect(error.message).toContain('Contact not found');
  });

  it('Retry-After as an HTTP date', async () => {
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    const error = await failureOf(
      json(429, { error: { code: 'RATE_LIMIT_EXCEEDED' } }, { 'retry-after': inAMinute }),
    );
    expect(error.details.retryAfterSeconds).toBeGreaterThanOrEqual(58);
    expect(error.details.retryAfterSeconds).toBeLessThanOrEqual(61);
  });

  it('details.retryAfter without the header', async () => {
    const body = {
      status: 'error',
      error: { code: 'RATE_LIMIT_EXCEEDED', message: 'slow down', details: { retryAfter: 12 } },
    };
    const error = await failureOf(json(429, body));
    expect(error.details.retryAfterSeconds).toBe(12);
    expect(error.code).toBe('RATE_LIMIT_EXCEEDED');
  });

  it("a proxy's HTML page", async () => {
    const error = await failureOf((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
    });
    expect(error.status).toBe(502);
    expect(error.details.unreadableBody).toBe(true);
    expect(error.message).not.toContain('<html>');
  });
});
