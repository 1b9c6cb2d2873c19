/**
 * The client's retries over real HTTP on loopback, against a scripted server that answers each request
 * as the test says: what is sent again and what is not, that a retried upload sends the whole file
 * again, that a DELETE whose first attempt landed reads as deleted, and that cancellation, the deadline
 * and close() each end a request at once — on the wire, not only in the promise.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvalidContactIdError, VobizClient } from '../../src/vobiz/client.js';
import { VobizCancelledError, VobizHttpError, VobizNetworkError } from '../../src/vobiz/errors.js';
import { DEADLINE_CAUSE, retryRecordOf } from '../../src/vobiz/retry.js';
import {
  apiError,
  drop,
  hang,
  json,
  noContent,
  startScriptedApi,
  waitFor,
  type ScriptedApi,
  clientFor,
} from './scripted-api.js';

let api: ScriptedApi;
const clients: VobizClient[] = [];

const contact = { id: 'c1', phone_number: '+919812340000', name: 'A', tags: [], custom_attributes: {} };

beforeAll(async () => {
  api = await startScriptedApi();
});
afterEach(async () => {
  api.reset();
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(() => api.close());

function newClient(options: Partial<ConstructorParameters<typeof VobizClient>[0]> = {}) {
  const client = clientFor(api, {
    retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 2_000 },
    ...options,
  });
  clients.push(client);
  return client;
}

describe('what is sent again', () => {
  it('a GET through 503 and a dropped connection, to the answer', async () => {
    api.script = [apiError(503, 'SERVICE_UNAVAILABLE'), drop, json(200, contact)];
    await expect(newClient().getContact('c1')).resolves.toMatchObject({ id: 'c1' });
    expect(api.received.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
  });

  it('a create: once after a 502, but again after a 429', async () => {
    api.script = [apiError(502, 'BAD_GATEWAY')];
    const error = await newClient()
      .createContact({ phone_number: '+919812340000', name: 'A' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VobizHttpError);
    expect(api.received).toHaveLength(1);

    api.received = [];
    api.script = [apiError(429, 'RATE_LIMIT_EXCEEDED', { 'retry-after': '0' }), json(201, contact)];
    await expect(
      newClient().createContact({ phone_number: '+919812340000', name: 'A' }),
    ).resolves.toMatchObject({
      id: 'c1',
    });
    expect(api.received.map((r) => r.method)).toEqual(['POST', 'POST']);
    expect(api.received[1]!.body).toBe(api.received[0]!.body);
  });

  it('a create when the connection was refused (nothing was sent)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const client = newClient({ baseUrl: `http://127.0.0.1:${port}/api/v1/messaging` });
    const error = await client
      .createContact({ phone_number: '+919812340000', name: 'A' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VobizNetworkError);
    expect(retryRecordOf(error)).toMatchObject({ attempts: 4, stoppedBecause: 'attempts' });
  });

  it('an import after a 503, with the whole file in the second upload', async () => {
    const csv = 'phone_number,name\n+919812340000,A\n';
    api.script = [
      apiError(503, 'SERVICE_UNAVAILABLE'),
      json(200, { total: 1, created: 1, updated: 0, failed: 0 }),
    ];
    const summary = await newClient().importContactsCsv(new Blob([csv]), 'c.csv');
    expect(summary.created).toBe(1);
    expect(api.received).toHaveLength(2);
    expect(api.received[1]!.body).toContain(csv);
  });

  it('a GET after its own timeout, not a PUT', async () => {
    api.script = [hang, json(200, contact)];
    await expect(newClient({ timeoutMs: 1_000 }).getContact('c1')).resolves.toMatchObject({ id: 'c1' });
    expect(api.received).toHaveLength(2);

    api.received = [];
    api.script = [hang];
    const error = await newClient({ timeoutMs: 1_000 })
      .updateContact('c1', { name: 'B' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'timeout' });
    expect(api.received).toHaveLength(1);
  });
});

describe('ids never change the route called', () => {
  it('refuses, before sending, an id that is another route or outside the safe charset', async () => {
    const client = newClient();
    for (const id of ['import', 'IMPORT', '../contacts', 'a/b', '%2F', 'x?limit=1', '']) {
      await expect(client.getContact(id), id).rejects.toBeInstanceOf(InvalidContactIdError);
      await expect(client.deleteContact(id), id).rejects.toBeInstanceOf(InvalidContactIdError);
      await expect(client.updateContact(id, { name: 'X' }), id).rejects.toBeInstanceOf(InvalidContactIdError);
    }
    expect(api.received).toEqual([]);
  });
});

describe('DELETE', () => {
  // Whether such a 404 means "deleted by the lost attempt" only a caller that saw the contact before can
  // tell (delete_contact, tested in delete-contact.test.ts); the client reports what happened.
  it('a 404 on the retry after a 503 carries a record of the unknown earlier outcome', async () => {
    api.script = [apiError(503, 'SERVICE_UNAVAILABLE'), apiError(404, 'NOT_FOUND')];
    const error: unknown = await newClient()
      .deleteContact('c1')
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 404 });
    expect(retryRecordOf(error)).toMatchObject({ attempts: 2, earlierOutcomeUnknown: true });
    expect(api.received.map((r) => r.method)).toEqual(['DELETE', 'DELETE']);
  });

  it('a 404 after a 429 (nothing applied) carries no such record', async () => {
    api.script = [apiError(429, 'RATE_LIMIT_EXCEEDED'), apiError(404, 'NOT_FOUND')];
    const error: unknown = await newClient()
      .deleteContact('c1')
      .catch((caught: unknown) => caught);
    expect(retryRecordOf(error)).toMatchObject({ attempts: 2, earlierOutcomeUnknown: false });
  });

  it('a plain 204 is a plain delete', async () => {
    api.script = [noContent];
    await expect(newClient().deleteContact('c1')).resolves.toBeUndefined();
  });
});

describe('a body larger than the client reads', () => {
  const big = 'x'.repeat(4_000);
  it('is refused from its declared length, before it is read', async () => {
    api.script = [json(200, { items: [], note: big })];
    const error: unknown = await newClient({ maxResponseBytes: 1_000 })
      .listContacts()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 200, code: 'RESPONSE_TOO_LARGE', details: { tooLarge: true } });
  });

  it('is cut off as it streams when no length is declared, and not retried', async () => {
    api.script = [
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no content-length
        res.write(`{"items":[],"note":"${big}`);
        res.end('"}');
      },
    ];
    const error: unknown = await newClient({ maxResponseBytes: 1_000 })
      .listContacts()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
    expect(api.received).toHaveLength(1);
  });
});

describe('ending a request at once', () => {
  it('the caller cancelling aborts the HTTP request itself', async () => {
    api.script = [hang];
    const controller = new AbortController();
    const call = newClient().getContact('c1', { signal: controller.signal });
    await waitFor(() => api.received.length === 1);
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(VobizCancelledError);
    await api.received[0]!.abandoned; // the server saw the connection go
    expect(api.received).toHaveLength(1);
  });

  it('the deadline bounds the whole call, the last attempt included', async () => {
    api.script = [apiError(503, 'SERVICE_UNAVAILABLE'), hang];
    const started = Date.now();
    const error = await newClient({ timeoutMs: 10_000 })
      .getContact('c1', { deadline: Date.now() + 2_000 })
      .catch((e: unknown) => e);
    // Ended by the 2 s deadline, long before the 10 s timeout of the hanging attempt.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({ kind: 'timeout', causeCode: DEADLINE_CAUSE });
    expect(retryRecordOf(error)?.attempts).toBe(2);
  });

  it('close() ends what is in flight instead of waiting for it', async () => {
    api.script = [hang];
    const client = newClient({ timeoutMs: 10_000 });
    const call = client.listContacts().catch((e: unknown) => e);
    await waitFor(() => api.received.length === 1);
    const started = Date.now();
    await client.close();
    expect(await call).toBeInstanceOf(VobizCancelledError);
    // Not the 10 s the request could still wait.
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
