import { request } from 'undici';
import { describe, expect, it, vi } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { ContactBodySchema, ImportSummarySchema, toContact } from '../../src/vobiz/schemas.js';
import { waitFor } from '../support/context.js';
import { api, authHeaders, csvForm, expectError, useSandboxes, waitForTurns } from './helpers.js';

const NEW_CONTACT = { phone_number: '+14155550142', name: 'Fault Tester' };

function hasPhone(sandbox: Sandbox, phone: string): boolean {
  return sandbox.contacts().some((contact) => contact.phone_number === phone);
}

describe('sandbox faults', () => {
  const start = useSandboxes();

  it('latency delays the answer, then handles the request normally', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const sandbox = await start();
      sandbox.faults.inject({ fault: { kind: 'latency', ms: 150 }, route: 'create' });
      let answered = false;
      const pending = api(sandbox, 'POST', '/contacts', { body: NEW_CONTACT }).finally(
        () => (answered = true),
      );
      await waitForTurns(() => sandbox.requestCount() === 1, 'the request to arrive');
      await vi.advanceTimersByTimeAsync(149);
      // Waited before handling: nothing applied yet, nothing answered.
      expect(answered).toBe(false);
      expect(hasPhone(sandbox, NEW_CONTACT.phone_number)).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect((await pending).status).toBe(201);
      expect(hasPhone(sandbox, NEW_CONTACT.phone_number)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('rate_limit answers 429 with Retry-After and details.retryAfter, applying nothing', async () => {
    const sandbox = await start();
    sandbox.faults.inject({ fault: { kind: 'rate_limit', retryAfterSeconds: 3 } });
    sandbox.faults.inject({ fault: { kind: 'rate_limit' } });
    const first = await api(sandbox, 'POST', '/contacts', { body: NEW_CONTACT });
    expect(expectError(first, 429, 'RATE_LIMIT_EXCEEDED').error.details.retryAfter).toBe(3);
    expect(first.headers.get('retry-after')).toBe('3');
    const second = await api(sandbox, 'POST', '/contacts', { body: NEW_CONTACT });
    expect(expectError(second, 429, 'RATE_LIMIT_EXCEEDED').error.details.retryAfter).toBe(1);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(hasPhone(sandbox, NEW_CONTACT.phone_number)).toBe(false);
    expect((await api(sandbox, 'POST', '/contacts', { body: NEW_CONTACT })).status).toBe(201);
  });

  it('server_error answers the documented 5xx body and applies nothing', async () => {
    const sandbox = await start();
    sandbox.faults.inject({ fault: { kind: 'server_error', status: 503 }, route: 'create' });
    sandbox.faults.inject({ fault: { kind: 'server_error' }, route: 'create' });
    expectError(await api(sandbox, 'POST', '/contacts', { body: NEW_CONTACT }), 503, 'SERVICE_UNAVAILABLE');
    expectError(await api(sandbox, 'POST', '/contacts', { body: NEW_CONTACT }), 500, 'INTERNAL_ERROR');
    expect(hasPhone(sandbox, NEW_CONTACT.phone_number)).toBe(false);
  });

  it('error_after_write applies create, update, delete and import, then answers 5xx', async () => {
    const sandbox = await start();
    sandbox.faults.inject({ fault: { kind: 'error_after_write' }, times: 4 });

    expectError(await api(sandbox, 'POST', '/contacts', { body: NEW_CONTACT }), 500, 'INTERNAL_ERROR');
    const created = sandbox.contacts().find((contact) => contact.phone_number === NEW_CONTACT.phone_number);
    expect(created).toBeDefined();

    const updated = await api(sandbox, 'PUT', `/contacts/${created?.id}`, { body: { name: 'Renamed' } });
    expectError(updated, 500, 'INTERNAL_ERROR');
    expect(sandbox.contacts().find((contact) => contact.id === created?.id)?.name).toBe('Renamed');

    expectError(await api(sandbox, 'DELETE', `/contacts/${created?.id}`), 500, 'INTERNAL_ERROR');
    expect(hasPhone(sandbox, NEW_CONTACT.phone_number)).toBe(false);

    const imported = await api(sandbox, 'POST', '/contacts/import', {
      body: csvForm('phone_number,name\n+14155550143,Imported Anyway\n'),
    });
    expectError(imported, 500, 'INTERNAL_ERROR');
    expect(hasPhone(sandbox, '+14155550143')).toBe(true);
    expect(sandbox.faults.pending).toBe(0);
  });

  it('error_after_write can answer a gateway status', async () => {
    const sandbox = await start();
    sandbox.faults.inject({ fault: { kind: 'error_after_write', status: 504 }, route: 'create' });
    expectError(await api(sandbox, 'POST', '/contacts', { body: NEW_CONTACT }), 504, 'GATEWAY_TIMEOUT');
    expect(hasPhone(sandbox, NEW_CONTACT.phone_number)).toBe(true);
  });

  it('malformed_body answers truncated JSON after applying the request', async () => {
    const sandbox = await start();
    sandbox.faults.inject({ fault: { kind: 'malformed_body' }, route: 'create' });
    const response = await api(sandbox, 'POST', '/contacts', { body: NEW_CONTACT });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.text.startsWith('{"id":"')).toBe(true);
    expect(() => JSON.parse(response.text)).toThrow();
    expect(hasPhone(sandbox, NEW_CONTACT.phone_number)).toBe(true);

    sandbox.faults.inject({ fault: { kind: 'malformed_body', status: 502 }, route: 'delete' });
    const [victim] = sandbox.contacts();
    const deleted = await api(sandbox, 'DELETE', `/contacts/${victim?.id}`);
    expect(deleted.status).toBe(502);
    expect(deleted.text).toBe('{"id": "abc');
  });

  it('html answers a proxy error page instead of JSON, applying nothing', async () => {
    const sandbox = await start();
    sandbox.faults.inject({ fault: { kind: 'html' }, route: 'create' });
    const response = await api(sandbox, 'POST', '/contacts', { body: NEW_CONTACT });
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(response.text).toContain('<h1>502 Bad Gateway</h1>');
    expect(hasPhone(sandbox, NEW_CONTACT.phone_number)).toBe(false);

    sandbox.faults.inject({ fault: { kind: 'html', status: 504 } });
    expect((await api(sandbox, 'GET', '/contacts')).text).toContain('504 Gateway Timeout');
  });

  it('drop_connection closes the socket without an answer, applying nothing', async () => {
    const sandbox = await start();
    sandbox.faults.inject({ fault: { kind: 'drop_connection' }, route: 'create' });
    const failure = request(`${sandbox.baseUrl}/contacts`, {
      method: 'POST',
      headers: { ...authHeaders(sandbox), 'content-type': 'application/json' },
      body: JSON.stringify(NEW_CONTACT),
    });
    await expect(failure).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(hasPhone(sandbox, NEW_CONTACT.phone_number)).toBe(false);
    expect(sandbox.requestLog.at(-1)).toMatchObject({ route: 'create', status: 0 });
    // The next request is served normally.
    expect((await api(sandbox, 'POST', '/contacts', { body: NEW_CONTACT })).status).toBe(201);
  });

  it('matches route and method, serves `times` requests, in order of injection', async () => {
    const sandbox = await start();
    sandbox.faults.inject({ fault: { kind: 'server_error', status: 502 }, route: 'list', times: 2 });
    sandbox.faults.inject({ fault: { kind: 'server_error', status: 503 }, method: 'get' });
    sandbox.faults.inject({ fault: { kind: 'rate_limit' }, route: 'import' });
    expect(sandbox.faults.pending).toBe(3);

    const [someone] = sandbox.contacts();
    // `get` is not `list`: the first rule skips it, the second (method GET) takes it.
    expectError(await api(sandbox, 'GET', `/contacts/${someone?.id}`), 503, 'SERVICE_UNAVAILABLE');
    expectError(await api(sandbox, 'GET', '/contacts'), 502, 'BAD_GATEWAY');
    expect((await api(sandbox, 'POST', '/contacts', { body: NEW_CONTACT })).status).toBe(201);
    expectError(await api(sandbox, 'GET', '/contacts'), 502, 'BAD_GATEWAY');
    expect((await api(sandbox, 'GET', '/contacts')).status).toBe(200);
    expect(sandbox.faults.pending).toBe(1);

    sandbox.faults.clear();
    expect(sandbox.faults.pending).toBe(0);
    const imported = await api(sandbox, 'POST', '/contacts/import', { body: csvForm('phone_number,name\n') });
    expect(ImportSummarySchema.parse(imported.json).total).toBe(0);
  });

  it('times: Infinity lasts until clear()', async () => {
    const sandbox = await start();
    sandbox.faults.inject({ fault: { kind: 'server_error' }, route: 'get', times: Infinity });
    const [someone] = sandbox.contacts();
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expectError(await api(sandbox, 'GET', `/contacts/${someone?.id}`), 500, 'INTERNAL_ERROR');
    }
    expect(sandbox.faults.pending).toBe(1);
    sandbox.faults.clear();
    const fetched = await api(sandbox, 'GET', `/contacts/${someone?.id}`);
    expect(toContact(ContactBodySchema.parse(fetched.json)).id).toBe(someone?.id);
  });

  it('checks auth first: an unauthenticated request is 401 and does not use up a fault', async () => {
    const sandbox = await start();
    sandbox.faults.inject({ fault: { kind: 'server_error' } });
    expectError(await api(sandbox, 'GET', '/contacts', { auth: false }), 401, 'UNAUTHORIZED');
    expect(sandbox.faults.pending).toBe(1);
    expectError(await api(sandbox, 'GET', '/nope'), 404, 'NOT_FOUND');
    expect(sandbox.faults.pending).toBe(1);
    expectError(await api(sandbox, 'GET', '/contacts'), 500, 'INTERNAL_ERROR');
  });

  it('refuses a rule that could never be served', async () => {
    const sandbox = await start();
    expect(() => sandbox.faults.inject({ fault: { kind: 'server_error' }, times: 0 })).toThrow(RangeError);
    expect(() => sandbox.faults.inject({ fault: { kind: 'server_error' }, times: 1.5 })).toThrow(RangeError);
    expect(() => sandbox.faults.inject({ fault: { kind: 'latency', ms: -1 } })).toThrow(RangeError);
    expect(sandbox.faults.pending).toBe(0);
  });

  it('close() does not wait out a latency fault', async () => {
    const sandbox = await start();
    sandbox.faults.inject({ fault: { kind: 'latency', ms: 10_000 } });
    const pending = api(sandbox, 'GET', '/contacts').catch((error: unknown) => error);
    await waitFor(() => sandbox.requestCount() === 1, 'the request to arrive');
    const started = performance.now();
    await sandbox.close();
    expect(performance.now() - started).toBeLessThan(5_000); // half the latency it did not wait out
    expect(await pending).toBeInstanceOf(Error);
  });
});
