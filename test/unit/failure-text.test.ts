/**
 * What a model reads when Vobiz rejects a request with the documented 422 body: the status, the code,
 * each field error and the request id, and that nothing changed. The sandbox's own validation matches
 * the tools', so a 422 with field details is produced here by a scripted API.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { failureResult } from '../../src/mcp/results.js';
import { VobizClient } from '../../src/vobiz/client.js';
import { json, startScriptedApi, type ScriptedApi, clientFor } from './scripted-api.js';

let api: ScriptedApi;
let client: VobizClient;

beforeAll(async () => {
  api = await startScriptedApi();
  client = clientFor(api, {
    retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 10 },
  });
});
afterAll(async () => {
  await client.close();
  await api.close();
});

it('a 422 names every rejected field and the request id, says nothing changed, and is not retried', async () => {
  api.script = [
    json(422, {
      status: 'error',
      error: {
        code: 'VALIDATION_ERROR',
        message: 'Request validation failed',
        details: {
          errors: [
            { field: 'phone_number', message: 'invalid phone_number: must be E.164 format', value: '98765' },
            { field: 'name', message: 'name is required', code: 'required' },
          ],
        },
      },
      timestamp: '2025-10-12T10:30:00.000Z',
      requestId: 'req_7a8b9c0d1e2f',
    }),
  ];
  const error = await client.createContact({ phone_number: '+919876543210', name: 'Rahul' }).catch((e) => e);
  const text = failureResult(error, { action: 'create the contact', writes: true }).content[0];
  expect(text).toMatchObject({ type: 'text' });
  const message = (text as { text: string }).text;
  expect(message).toContain('HTTP 422 VALIDATION_ERROR');
  // The API's own words, quoted: they are upstream text, kept on one line.
  expect(message).toContain('phone_number: "invalid phone_number: must be E.164 format"');
  expect(message).toContain('name: "name is required"');
  expect(message).toContain('req_7a8b9c0d1e2f');
  expect(message).toMatch(/Nothing was changed/);
  expect(message).not.toContain('token-for-tests');
  expect(api.received).toHaveLength(1);
});
