import { describe, expect, it } from 'vitest';
import { ContactPageSchema, api, expectError, useSandboxes } from './helpers.js';

describe('sandbox auth', () => {
  const start = useSandboxes();

  it('accepts X-Auth-ID with X-Auth-Token', async () => {
    const sandbox = await start();
    const response = await api(sandbox, 'GET', '/contacts');
    expect(response.status).toBe(200);
    expect(ContactPageSchema.parse(response.json).total).toBeGreaterThan(0);
  });

  it('accepts Authorization: Bearer alone', async () => {
    const sandbox = await start();
    const response = await api(sandbox, 'GET', '/contacts', {
      auth: false,
      headers: { authorization: `Bearer ${sandbox.credentials.bearerToken}` },
    });
    expect(response.status).toBe(200);
  });

  it('refuses a wrong token with the documented 401 body', async () => {
    const sandbox = await start();
    const response = await api(sandbox, 'GET', '/contacts', {
      auth: false,
      headers: { 'x-auth-id': sandbox.credentials.authId, 'x-auth-token': 'not-the-token' },
    });
    const body = expectError(response, 401, 'UNAUTHORIZED');
    expect(body.error.message).toMatch(/invalid credentials/);
  });

  it('refuses a wrong bearer token and a token of another sandbox', async () => {
    const sandbox = await start();
    const other = await start();
    const wrong = await api(sandbox, 'GET', '/contacts', {
      auth: false,
      headers: { authorization: 'Bearer nope' },
    });
    expectError(wrong, 401, 'UNAUTHORIZED');
    const foreign = await api(sandbox, 'GET', '/contacts', {
      auth: false,
      headers: { 'x-auth-id': other.credentials.authId, 'x-auth-token': other.credentials.authToken },
    });
    expectError(foreign, 401, 'UNAUTHORIZED');
  });

  it('says which header is missing', async () => {
    const sandbox = await start();
    const none = expectError(await api(sandbox, 'GET', '/contacts', { auth: false }), 401, 'UNAUTHORIZED');
    expect(none.error.message).toMatch(/X-Auth-ID and X-Auth-Token.*Bearer/);
    const idOnly = await api(sandbox, 'GET', '/contacts', {
      auth: false,
      headers: { 'x-auth-id': sandbox.credentials.authId },
    });
    expect(expectError(idOnly, 401, 'UNAUTHORIZED').error.message).toMatch(/X-Auth-Token header is missing/);
  });

  it('checks auth before routing, and refuses a write without applying it', async () => {
    const sandbox = await start();
    expectError(await api(sandbox, 'GET', '/no-such-thing', { auth: false }), 401, 'UNAUTHORIZED');
    const before = sandbox.contacts().length;
    const create = await api(sandbox, 'POST', '/contacts', {
      auth: false,
      body: { phone_number: '+14155550999', name: 'Mallory' },
    });
    expectError(create, 401, 'UNAUTHORIZED');
    expect(sandbox.contacts()).toHaveLength(before);
  });

  it('gives every error a fresh request id, also in the X-Request-Id header', async () => {
    const sandbox = await start();
    const first = await api(sandbox, 'GET', '/contacts', { auth: false });
    const second = await api(sandbox, 'GET', '/contacts', { auth: false });
    const firstId = expectError(first, 401, 'UNAUTHORIZED').requestId;
    expect(first.headers.get('x-request-id')).toBe(firstId);
    expect(expectError(second, 401, 'UNAUTHORIZED').requestId).not.toBe(firstId);
  });

  it('uses the configured credentials, and random tokens per start otherwise', async () => {
    const configured = await start({ authId: 'MA_TEST1234', authToken: 'secret-1', bearerToken: 'jwt-1' });
    expect(configured.credentials).toEqual({
      authId: 'MA_TEST1234',
      authToken: 'secret-1',
      bearerToken: 'jwt-1',
    });
    expect((await api(configured, 'GET', '/contacts')).status).toBe(200);

    const a = await start();
    const b = await start();
    expect(a.credentials.authId).toMatch(/^MA_[A-Z0-9]{8}$/);
    expect(a.credentials.authToken).not.toBe(b.credentials.authToken);
    expect(a.credentials.bearerToken).not.toBe(b.credentials.bearerToken);
    expect(a.credentials.authToken.length).toBeGreaterThanOrEqual(32);
  });
});
