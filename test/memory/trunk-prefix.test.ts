/**
 * Numbers written with a trunk prefix after the country code — "+44 (0)20 7946 0958", "+44 020 …" — are
 * the same person as their E.164 form: the tools and the CSV checker drop the prefix and say so, and the
 * sandbox, as the API, refuses the string with the 0 in it. A real client, real HTTP to the sandbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textOf } from '../support/context.js';
import { startMemoryStack, type MemoryStack } from '../support/memory-stack.js';

interface ImportResult {
  dry_run: boolean;
  valid: number;
  created: number;
  updated: number;
  failed: number;
  warnings?: string[];
}

let stack: MemoryStack;
beforeAll(async () => {
  stack = await startMemoryStack({ sandbox: { seed: false } });
});
afterAll(async () => {
  await stack?.close();
});

const withNumber = (e164: string) => stack.sandbox.contacts().filter((c) => c.phone_number === e164);

describe('a trunk prefix after the country code', () => {
  it('an import of "+44 (0)20 7946 0958" and then of "+442079460958" makes one contact', async () => {
    const dry = await stack.call('import_contacts_csv', {
      csv: 'phone_number,name\n+44 (0)20 7946 0958,Jane Doe\n',
      dry_run: true,
    });
    const checked = dry.structuredContent as unknown as ImportResult;
    expect(checked).toMatchObject({ valid: 1, failed: 0 });
    expect(checked.warnings?.join('\n')).toContain('"+44 (0)20 7946 0958" → +442079460958');

    const first = await stack.call('import_contacts_csv', {
      csv: 'phone_number,name\n+44 (0)20 7946 0958,Jane Doe\n',
    });
    expect(first.structuredContent).toMatchObject({ created: 1, updated: 0, failed: 0 });
    expect(textOf(first)).toContain('→ +442079460958');

    const second = await stack.call('import_contacts_csv', {
      csv: 'phone_number,name\n+442079460958,Jane Doe\n+44 020 7946 0958,Jane Doe\n',
    });
    expect(second.structuredContent).toMatchObject({ created: 0, updated: 2, failed: 0 });
    expect(withNumber('+442079460958')).toHaveLength(1);
    expect(stack.sandbox.contacts().some((c) => c.phone_number.startsWith('+440'))).toBe(false);
  });

  it('create_contact stores the E.164 number and says what it rewrote; get_contact finds it the same way', async () => {
    const created = await stack.call('create_contact', {
      phone_number: '+49 (0)30 901820',
      name: 'Berlin Office',
    });
    expect(created.isError, textOf(created)).toBeFalsy();
    expect(created.structuredContent).toMatchObject({ phone_number: '+4930901820' });
    expect(textOf(created)).toContain('"+49 (0)30 901820" → +4930901820');
    expect(withNumber('+4930901820')).toHaveLength(1);

    const found = await stack.call('get_contact', { phone_number: '+49 030 901820' });
    expect(found.structuredContent).toMatchObject({ phone_number: '+4930901820', name: 'Berlin Office' });
  });

  it('keeps the 0 where it belongs to the number (Italy)', async () => {
    const created = await stack.call('create_contact', {
      phone_number: '+39 06 6982 1234',
      name: 'Roma',
    });
    expect(created.structuredContent).toMatchObject({ phone_number: '+390669821234' });
    expect(textOf(created)).not.toContain('trunk prefix');
  });

  it('the sandbox refuses an E.164 string with the trunk 0 in it, naming the number meant', async () => {
    const response = await fetch(`${stack.sandbox.baseUrl}/contacts`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-auth-id': stack.sandbox.credentials.authId,
        'x-auth-token': stack.sandbox.credentials.authToken,
      },
      body: JSON.stringify({ phone_number: '+919876543210'.replace('+91', '+910'), name: 'Trunk' }),
    });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: { details: { errors: { message: string }[] } } };
    expect(body.error.details.errors[0]?.message).toContain('+919876543210');
    expect(withNumber('+9109876543210')).toHaveLength(0);
  });
});
