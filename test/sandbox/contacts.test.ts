import { describe, expect, it } from 'vitest';
import { ContactSchema, RFC3339_UTC, UUID, api, expectError, fieldErrors, useSandboxes } from './helpers.js';

const RAHUL = {
  phone_number: '+919876500001',
  name: 'Rahul Verma',
  tags: ['vip'],
  custom_attributes: { city: 'Pune' },
};

describe('sandbox contacts: create, get, update, delete', () => {
  const start = useSandboxes();

  it('creates a contact (201, bare Contact) and gets it back', async () => {
    const sandbox = await start({ seed: false });
    const created = await api(sandbox, 'POST', '/contacts', { body: RAHUL });
    expect(created.status).toBe(201);
    const contact = ContactSchema.parse(created.json);
    expect(contact).toMatchObject({ ...RAHUL, account_id: 'MA_SANDBOX1' });
    expect(contact.id).toMatch(UUID);
    expect(contact.created_at).toMatch(RFC3339_UTC);
    expect(contact.updated_at).toBe(contact.created_at);
    expect(contact).not.toHaveProperty('last_active_at');

    const fetched = await api(sandbox, 'GET', `/contacts/${contact.id}`);
    expect(fetched.status).toBe(200);
    expect(ContactSchema.parse(fetched.json)).toEqual(contact);
  });

  it('defaults tags and custom_attributes, trims the name and de-duplicates tags', async () => {
    const sandbox = await start({ seed: false, accountId: 'MA_ACCOUNT9' });
    const created = await api(sandbox, 'POST', '/contacts', {
      body: { phone_number: '+447700900555', name: '  Ada Lovelace ' },
    });
    expect(ContactSchema.parse(created.json)).toMatchObject({
      name: 'Ada Lovelace',
      tags: [],
      custom_attributes: {},
      account_id: 'MA_ACCOUNT9',
    });
    const tagged = await api(sandbox, 'POST', '/contacts', {
      body: { phone_number: '+447700900556', name: 'Grace', tags: ['vip', ' vip ', 'newsletter'] },
    });
    expect(ContactSchema.parse(tagged.json).tags).toEqual(['vip', 'newsletter']);
  });

  it('reports every invalid field at once in details.errors', async () => {
    const sandbox = await start({ seed: false });
    const response = await api(sandbox, 'POST', '/contacts', {
      body: { phone_number: '98765', tags: 'vip', custom_attributes: ['x'], nickname: 'R' },
    });
    expect(fieldErrors(response)).toEqual([
      ['nickname', 'unknown_field'],
      ['phone_number', 'invalid_format'],
      ['name', 'required'],
      ['tags', 'invalid_type'],
      ['custom_attributes', 'invalid_type'],
    ]);
    const details = expectError(response, 422, 'VALIDATION_ERROR').error.details as {
      errors: { field: string; message: string; value: unknown }[];
    };
    expect(details.errors[1]).toMatchObject({
      message: expect.stringMatching(/^invalid phone_number: must be E\.164 format/) as string,
      value: '98765',
    });
    expect(sandbox.contacts()).toHaveLength(0);
  });

  it.each([
    [{ phone_number: '+919876500001', name: '   ' }, [['name', 'empty']]],
    [{ phone_number: '+919876500001', name: 42 }, [['name', 'invalid_type']]],
    [{ phone_number: '+919876500001', name: 'x'.repeat(257) }, [['name', 'too_long']]],
    [{ phone_number: 919876500001, name: 'R' }, [['phone_number', 'invalid_type']]],
    [{ phone_number: '+91 98765 00001', name: 'R' }, [['phone_number', 'invalid_format']]],
    [{ phone_number: '+019876500001', name: 'R' }, [['phone_number', 'invalid_format']]],
    [{ name: 'R' }, [['phone_number', 'required']]],
    [
      { phone_number: '+919876500001', name: 'R', tags: ['ok', 7, ''] },
      [
        ['tags[1]', 'invalid_type'],
        ['tags[2]', 'empty'],
      ],
    ],
    [{ phone_number: '+919876500001', name: 'R', tags: ['t'.repeat(65)] }, [['tags[0]', 'too_long']]],
    [
      { phone_number: '+919876500001', name: 'R', tags: Array.from({ length: 101 }, (_, i) => `t${i}`) },
      [['tags', 'too_many']],
    ],
    [
      { phone_number: '+919876500001', name: 'R', custom_attributes: null },
      [['custom_attributes', 'invalid_type']],
    ],
  ])('refuses %j with 422', async (body, expected) => {
    const sandbox = await start({ seed: false });
    expect(fieldErrors(await api(sandbox, 'POST', '/contacts', { body }))).toEqual(expected);
    expect(sandbox.contacts()).toHaveLength(0);
  });

  it('refuses a second contact with the same phone number: 409 with the existing id', async () => {
    const sandbox = await start({ seed: false });
    const first = ContactSchema.parse((await api(sandbox, 'POST', '/contacts', { body: RAHUL })).json);
    const again = await api(sandbox, 'POST', '/contacts', { body: { ...RAHUL, name: 'Someone Else' } });
    const body = expectError(again, 409, 'CONFLICT');
    expect(body.error.details.existing_id).toBe(first.id);
    expect(sandbox.contacts().map((contact) => contact.name)).toEqual(['Rahul Verma']);
  });

  it('answers 404 NOT_FOUND for an unknown id', async () => {
    const sandbox = await start();
    const body = expectError(
      await api(sandbox, 'GET', '/contacts/0f8fad5b-d9cb-469f-a165-70867728950e'),
      404,
      'NOT_FOUND',
    );
    expect(body.error.message).toMatch(/0f8fad5b-d9cb-469f-a165-70867728950e/);
  });

  it('updates only the fields given, and moves updated_at', async () => {
    const sandbox = await start({ seed: false });
    const created = ContactSchema.parse((await api(sandbox, 'POST', '/contacts', { body: RAHUL })).json);

    const renamed = await api(sandbox, 'PUT', `/contacts/${created.id}`, { body: { name: 'Rahul V.' } });
    expect(renamed.status).toBe(200);
    const afterRename = ContactSchema.parse(renamed.json);
    expect(afterRename).toMatchObject({
      name: 'Rahul V.',
      tags: ['vip'],
      custom_attributes: { city: 'Pune' },
    });
    expect(afterRename.created_at).toBe(created.created_at);
    expect(Date.parse(afterRename.updated_at ?? '')).toBeGreaterThan(Date.parse(created.updated_at ?? ''));

    const retagged = await api(sandbox, 'PUT', `/contacts/${created.id}`, {
      body: { tags: ['newsletter'], custom_attributes: { plan: 'pro' } },
    });
    // tags and custom_attributes replace what was there (contract.ts).
    expect(ContactSchema.parse(retagged.json)).toMatchObject({
      name: 'Rahul V.',
      tags: ['newsletter'],
      custom_attributes: { plan: 'pro' },
    });
    expect(ContactSchema.parse((await api(sandbox, 'GET', `/contacts/${created.id}`)).json).tags).toEqual([
      'newsletter',
    ]);
  });

  it('refuses to change the phone number, an empty update and unknown fields', async () => {
    const sandbox = await start({ seed: false });
    const created = ContactSchema.parse((await api(sandbox, 'POST', '/contacts', { body: RAHUL })).json);
    const path = `/contacts/${created.id}`;

    const phone = await api(sandbox, 'PUT', path, { body: { phone_number: '+919876500002', name: 'X' } });
    expect(fieldErrors(phone)).toEqual([['phone_number', 'not_updatable']]);
    expect(fieldErrors(await api(sandbox, 'PUT', path, { body: {} }))).toEqual([['body', 'no_changes']]);
    expect(fieldErrors(await api(sandbox, 'PUT', path, {}))).toEqual([['body', 'no_changes']]);
    expect(fieldErrors(await api(sandbox, 'PUT', path, { body: { id: 'other' } }))).toEqual([
      ['id', 'unknown_field'],
    ]);
    expect(fieldErrors(await api(sandbox, 'PUT', path, { body: { name: '' } }))).toEqual([['name', 'empty']]);

    expect(sandbox.contacts()).toEqual([created]);
  });

  it('answers 404 when updating a contact that does not exist', async () => {
    const sandbox = await start();
    const response = await api(sandbox, 'PUT', '/contacts/does-not-exist', { body: { name: 'X' } });
    expectError(response, 404, 'NOT_FOUND');
  });

  it('deletes: 204 without a body, then 404 for get and for a second delete', async () => {
    const sandbox = await start();
    const [victim] = sandbox.contacts();
    if (!victim) throw new Error('the seed is empty');
    const deleted = await api(sandbox, 'DELETE', `/contacts/${victim.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expectError(await api(sandbox, 'GET', `/contacts/${victim.id}`), 404, 'NOT_FOUND');
    expectError(await api(sandbox, 'DELETE', `/contacts/${victim.id}`), 404, 'NOT_FOUND');
    expect(sandbox.contacts().some((contact) => contact.id === victim.id)).toBe(false);
    // Its phone number is free again.
    const recreated = await api(sandbox, 'POST', '/contacts', {
      body: { phone_number: victim.phone_number, name: victim.name },
    });
    expect(recreated.status).toBe(201);
  });
});

describe('sandbox request bodies and routing', () => {
  const start = useSandboxes();

  it('answers 400 BAD_REQUEST for malformed JSON and for a body that is not an object', async () => {
    const sandbox = await start({ seed: false });
    const headers = { 'content-type': 'application/json' };
    const malformed = await api(sandbox, 'POST', '/contacts', { body: '{"name": "R",', headers });
    expect(expectError(malformed, 400, 'BAD_REQUEST').error.message).toMatch(/not valid JSON/);
    expectError(await api(sandbox, 'POST', '/contacts', { body: '[1,2]', headers }), 400, 'BAD_REQUEST');
    expect(sandbox.contacts()).toHaveLength(0);
  });

  it('answers 415 for a JSON body sent as another content type', async () => {
    const sandbox = await start({ seed: false });
    const body = JSON.stringify(RAHUL);
    const response = await api(sandbox, 'POST', '/contacts', {
      body,
      headers: { 'content-type': 'text/plain' },
    });
    expectError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const vendorJson = await api(sandbox, 'POST', '/contacts', {
      body,
      headers: { 'content-type': 'application/vnd.api+json; charset=utf-8' },
    });
    expect(vendorJson.status).toBe(201);
  });

  it('answers 413 for a body over 1 MB, and keeps serving on the same connection', async () => {
    const sandbox = await start({ seed: false });
    const huge = { ...RAHUL, custom_attributes: { notes: 'x'.repeat(1024 * 1024) } };
    const body = expectError(
      await api(sandbox, 'POST', '/contacts', { body: huge }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    expect(body.error.details.max_bytes).toBe(1024 * 1024);
    expect((await api(sandbox, 'POST', '/contacts', { body: RAHUL })).status).toBe(201);
  });

  it('answers 404 for unknown paths and 405 with Allow for a wrong method', async () => {
    const sandbox = await start();
    expectError(await api(sandbox, 'GET', '/contacts/a/b'), 404, 'NOT_FOUND');
    expectError(await api(sandbox, 'GET', '/campaigns'), 404, 'NOT_FOUND');
    // An encoded slash stays inside the id: it names no contact, and no other route.
    expectError(await api(sandbox, 'GET', '/contacts/import%2Fx'), 404, 'NOT_FOUND');

    const patch = await api(sandbox, 'PATCH', '/contacts/some-id', { body: { name: 'X' } });
    expectError(patch, 405, 'METHOD_NOT_ALLOWED');
    expect(patch.headers.get('allow')).toBe('GET, PUT, DELETE');
    const deleteAll = await api(sandbox, 'DELETE', '/contacts');
    expectError(deleteAll, 405, 'METHOD_NOT_ALLOWED');
    expect(deleteAll.headers.get('allow')).toBe('GET, POST');
    const getImport = await api(sandbox, 'GET', '/contacts/import');
    expectError(getImport, 405, 'METHOD_NOT_ALLOWED');
    expect(getImport.headers.get('allow')).toBe('POST');
  });

  it('logs every request with its raw path, route and status', async () => {
    const sandbox = await start();
    await api(sandbox, 'GET', '/contacts?limit=2');
    await api(sandbox, 'GET', '/contacts/caf%C3%A9');
    await api(sandbox, 'GET', '/nope');
    await api(sandbox, 'POST', '/contacts', { auth: false, body: RAHUL });
    expect(sandbox.requestLog).toEqual([
      { method: 'GET', path: '/api/v1/messaging/contacts', route: 'list', status: 200 },
      { method: 'GET', path: '/api/v1/messaging/contacts/caf%C3%A9', route: 'get', status: 404 },
      { method: 'GET', path: '/api/v1/messaging/nope', route: null, status: 404 },
      { method: 'POST', path: '/api/v1/messaging/contacts', route: 'create', status: 401 },
    ]);
  });

  it('close() ends keep-alive connections and later requests fail', async () => {
    const sandbox = await start();
    expect((await api(sandbox, 'GET', '/contacts')).status).toBe(200);
    const started = Date.now();
    await sandbox.close();
    expect(Date.now() - started).toBeLessThan(3_000); // not the 5 s a keep-alive connection idles

    await expect(api(sandbox, 'GET', '/contacts')).rejects.toThrow();
  });
});
