/**
 * The client is never stricter than the API about phone numbers. Thousands of numbers drawn across every
 * country calling code — possible lengths, one digit short, one too long, codes that do not exist — go
 * through the tool (import_contacts_csv, which uploads what it accepts to an upstream of this test that
 * takes anything) and through the sandbox (its own import endpoint); the numbers the tool sends must be
 * exactly those the sandbox stores, and every number libphonenumber calls possible must be accepted.
 */
import { Client, InMemoryTransport, type CallToolResult } from '@modelcontextprotocol/client';
import fc from 'fast-check';
import './seed.js';
import examples from 'libphonenumber-js/examples.mobile.json';
import {
  isPossiblePhoneNumber,
  Metadata,
  parsePhoneNumberFromString,
  type CountryCode,
} from 'libphonenumber-js/min';
import metadata from 'libphonenumber-js/min/metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { createServer } from '../../src/mcp/create-server.js';
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
  it('is never stricter than libphonenumber’s "possible", and takes a trunk prefix out, never in', () => {
    fc.assert(
      fc.property(e164ish, (number) => {
        if (!isPossiblePhoneNumber(number)) return;
        const strict = checkPhoneNumber(number);
        const normalised = checkPhoneNumber(number, { normalise: true });
        if (strict.ok) {
          expect(normalised).toMatchObject({ ok: true, e164: number });
          return;
        }
        // Refused only for a trunk prefix, naming the number meant — the one the tools send.
        expect(strict.reason, number).toContain('trunk prefix');
        expect(normalised.ok, number).toBe(true);
        const meant = normalised.ok ? normalised.e164 : '';
        expect(strict.reason.endsWith(`: ${meant}`), strict.reason).toBe(true);
        expect(meant.length, number).toBeLessThan(number.length);
      }),
      { numRuns: 5_000 },
    );
  });

  it('reads the issue’s numbers written with a trunk prefix as their E.164 form, and keeps Italy’s 0', () => {
    const cases: [string, string][] = [
      ['+44 (0)20 7946 0958', '+442079460958'],
      ['+44 020 7946 0958', '+442079460958'],
      ['+4402079460958', '+442079460958'],
      ['0044 (0)20 7946 0958', '+442079460958'],
      ['+49 (0)30 901820', '+4930901820'],
      ['+91 (0) 98765 43210', '+919876543210'],
      ['+33 (0)1 23 45 67 89', '+33123456789'],
      ['+61 (0)2 9374 4000', '+61293744000'],
      ['+7 8 495 123 45 67', '+74951234567'],
      ['+36 06 1 234 5678', '+3612345678'],
    ];
    for (const [written, e164] of cases) {
      const checked = checkPhoneNumber(written, { normalise: true });
      expect(checked, written).toMatchObject({ ok: true, e164, normalised: true });
      expect(checked.ok && checked.rewritten, written).toContain(`→ ${e164}`);
    }
    // Italy's 0 is part of the number; a Russian 8-800 number starts with the digit RU dials as a prefix.
    for (const [written, e164] of [
      ['+39 06 6982 1234', '+390669821234'],
      ['+390669821234', '+390669821234'],
      ['+78001234567', '+78001234567'],
    ]) {
      const checked = checkPhoneNumber(written!, { normalise: true });
      expect(checked, written).toMatchObject({ ok: true, e164 });
      expect(checked.ok && checked.rewritten, written).toBeFalsy();
      expect(checkPhoneNumber(e164!)).toMatchObject({ ok: true, e164 });
    }
  });

  it('in every country: E.164 stays as it is, and the number with its trunk prefix is rewritten or refused', () => {
    const reader = new Metadata() as unknown as {
      selectNumberingPlan(region: string): void;
      numberingPlan: { nationalPrefix(): string | number | undefined };
    };
    let rewritten = 0;
    const regions = Object.entries(examples) as [CountryCode, string][];
    for (const [region, national] of regions) {
      const e164 = parsePhoneNumberFromString(national, region)!.number;
      expect(checkPhoneNumber(e164), `${region} ${e164}`).toMatchObject({ ok: true, e164 });
      expect(checkPhoneNumber(e164, { normalise: true })).toMatchObject({
        ok: true,
        e164,
        normalised: false,
      });
      reader.selectNumberingPlan(region);
      const prefix = reader.numberingPlan.nationalPrefix();
      if (typeof prefix !== 'string' || prefix === '') continue;
      const code = e164.slice(0, e164.length - parsePhoneNumberFromString(e164)!.nationalNumber.length);
      for (const written of [
        `${code}${prefix}${e164.slice(code.length)}`,
        `${code} (${prefix}) ${e164.slice(code.length)}`,
      ]) {
        const checked = checkPhoneNumber(written, { normalise: true });
        // Never stored with the prefix: the E.164 number, or a refusal.
        if (checked.ok) {
          expect(checked.e164, `${region} ${written}`).toBe(e164);
          rewritten++;
        }
        const strict = checkPhoneNumber(written);
        expect(strict.ok, `${region} ${written}`).toBe(false);
      }
    }
    expect(regions.length).toBeGreaterThan(200);
    // Nearly every country with a trunk prefix: libphonenumber keeps only the odd carrier-code case.
    expect(rewritten).toBeGreaterThan(2 * 130);
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

    // Number by number: what the tool sent is what the sandbox stored — except the numbers written with a
    // trunk prefix, which the sandbox refuses (not E.164) and the tool sends without it.
    const rewritten = numbers.flatMap((n) => {
      const checked = checkPhoneNumber(n, { normalise: true });
      return checked.ok && checked.rewritten ? [checked.e164] : [];
    });
    expect(new Set(sent)).toEqual(new Set([...storedBySandbox, ...rewritten]));
    expect(sent).toHaveLength(summary.created + rewritten.length);
    expect(rewritten.length).toBeGreaterThan(0);
    // The draw covers both sides of the rule.
    expect(summary.created).toBeGreaterThan(300);
    expect(summary.failed).toBeGreaterThan(300);
  });
});
