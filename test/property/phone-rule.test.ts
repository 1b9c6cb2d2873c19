/**
 * The client is never stricter than the API about phone numbers. Thousands of numbers drawn across every
 * country calling code — possible lengths, one digit short, one too long, codes that do not exist — go
 * through the tool (import_contacts_csv, which uploads what it accepts to an upstream of this test that
 * takes anything) and through the sandbox (its own import endpoint); the numbers the tool sends must be
 * exactly those the sandbox stores, and every number libphonenumber calls possible must be accepted.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import fc from 'fast-check';
import './seed.js';
import { isPossiblePhoneNumber } from 'libphonenumber-js/min';
import metadata from 'libphonenumber-js/min/metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { createServer } from '../../src/server.js';
import { VobizClient } from '../../src/vobiz/client.js';
import { checkPhoneNumber } from '../../src/vobiz/phone.js';
import { json, startLoopbackApi, uploadedNumbers } from '../unit/scripted-api.js';

const codes = Object.keys(
  (metadata as unknown as { country_calling_codes: Record<string, string[]> }).country_calling_codes,
);

/** A number under a real or made-up calling code, with 1 to 14 digits after it. */
const e164ish = fc
  .tuple(
    fc.oneof(fc.constantFrom(...codes), fc.integer({ min: 1, max: 999 }).map(String)),
    fc.integer({ min: 1, max: 14 }),
    fc.infiniteStream(fc.integer({ min: 0, max: 9 })),
  )
  .map(([code, length, digits]) => `+${code}${[...digits.take(length)].join('')}`)
  .filter((n) => n.length <= 16);

let sandbox: Sandbox;
let vobiz: VobizClient;
let client: Client;
/** Takes any import, recording the numbers of the rows the tool sent. */
let capture: Awaited<ReturnType<typeof startLoopbackApi>>;
const sent: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: false });
  capture = await startLoopbackApi((req, res, body) => {
    const numbers = uploadedNumbers(body);
    sent.push(...numbers);
    const n = numbers.length;
    json(200, { total: n, created: n, updated: 0, failed: 0, errors: [] })(req, res, body);
  });
  vobiz = new VobizClient({
    baseUrl: capture.baseUrl,
    credentials: sandbox.credentials,
    timeoutMs: 10_000,
  });
  const server = createServer({
    client: vobiz,
    import: { allowedDirs: [], maxFileBytes: 1 << 20, maxInlineBytes: 1 << 20, chunkRows: 5_000 },
    confirm: { mode: 'never', bulkThreshold: 1_000 },
    bulkConcurrency: 2,
  });
  client = new Client({ name: 'phone-rule', version: '1.0.0' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
});
afterAll(async () => {
  await client?.close();
  await vobiz?.close();
  await sandbox?.close();
  await capture?.close();
});

describe('the phone rule', () => {
  it('is never stricter than libphonenumber’s "possible"', () => {
    fc.assert(
      fc.property(e164ish, (number) => {
        if (isPossiblePhoneNumber(number)) expect(checkPhoneNumber(number).ok, number).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });

  it('accepts the numbers the issue found refused: unallocated ranges and short plans', () => {
    for (const number of ['+447700900123', '+15555550123', '+6834002']) {
      expect(checkPhoneNumber(number)).toMatchObject({ ok: true, e164: number });
    }
  });

  it('is the same in the tools and in the sandbox, over thousands of numbers across calling codes', async () => {
    const numbers = [...new Set(fc.sample(e164ish, { numRuns: 3_000 }))];
    const csv = `phone_number,name\n${numbers.map((n, i) => `${n},N${i}`).join('\n')}\n`;

    const result = (await client.callTool({
      name: 'import_contacts_csv',
      arguments: { csv },
    })) as CallToolResult;
    expect(result.isError).toBeFalsy();

    const form = new FormData();
    form.append('file', new Blob([csv], { type: 'text/csv' }), 'numbers.csv');
    const response = await fetch(`${sandbox.baseUrl}/contacts/import`, {
      method: 'POST',
      headers: { 'x-auth-id': sandbox.credentials.authId, 'x-auth-token': sandbox.credentials.authToken },
      body: form,
    });
    const summary = (await response.json()) as { created: number; failed: number };
    const storedBySandbox = sandbox.contacts().map((c) => c.phone_number);

    // Number by number: what the tool sent is what the sandbox stored.
    expect(new Set(sent)).toEqual(new Set(storedBySandbox));
    expect(sent).toHaveLength(summary.created);
    // The draw covers both sides of the rule.
    expect(summary.created).toBeGreaterThan(300);
    expect(summary.failed).toBeGreaterThan(300);
  });
});
