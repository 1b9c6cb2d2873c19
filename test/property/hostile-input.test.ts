/**
 * Hostile input, generated: every tool is called with what a model might make up — ids with `../`,
 * `%2F`, NUL, unicode or 10 kB of text, `__proto__`/`constructor` keys, ten thousand tags, numbers where
 * strings belong, unknown fields. Each call must end in a clear error or a correct call: never a crash
 * or protocol error, never a request to a path outside the contacts API, never a polluted prototype.
 *
 * In process for speed: createServer() linked to an SDK Client through InMemoryTransport, with a real
 * VobizClient against a sandbox on loopback. Arguments travel as JSON text, as they do over stdio, so
 * a `"__proto__"` key arrives as an own property the way a real client would send it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, InMemoryTransport, type CallToolResult } from '@modelcontextprotocol/client';
import fc from 'fast-check';
import './seed.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { createServer } from '../../src/mcp/create-server.js';
import { VobizClient } from '../../src/vobiz/client.js';
import { SANDBOX_FIELD_LIMITS as LIMITS } from '../../src/vobiz/contract.js';
import { requestMark, requestsSince, textOf } from '../support/context.js';
import {
  expectClearOutcome,
  expectPrototypeIntact,
  expectSafeRequests,
  MAX_ERROR_TEXT,
} from './after-call.js';

/** Runs per tool; the whole file stays within a few seconds. */
const NUM_RUNS = 60;

let sandbox: Sandbox;
let vobiz: VobizClient;
let client: Client;
let importDir: string;
let seededId: string;
const tried = new Map<string, number>();
let created = 0;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  seededId = sandbox.contacts()[0]!.id;
  importDir = await mkdtemp(path.join(os.tmpdir(), 'vobiz-property-'));
  vobiz = new VobizClient({
    baseUrl: sandbox.baseUrl,
    credentials: sandbox.credentials,
    timeoutMs: 5_000,
    retry: { maxRetries: 0 },
  });
  const server = createServer({
    client: vobiz,
    import: {
      allowedDirs: [importDir],
      maxFileBytes: 1024 * 1024,
      maxInlineBytes: 256 * 1024,
      chunkRows: 500,
    },
    confirm: { mode: 'never', bulkThreshold: 50 },
    bulkConcurrency: 4,
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: 'property-test', version: '1.0.0' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  await client.listTools(); // so that the client checks every structured result against its schema
});
afterAll(async () => {
  await client?.close();
  await vobiz?.close();
  await sandbox?.close();
  await rm(importDir, { recursive: true, force: true });
  if (process.env['VOBIZ_PRINT_COVERAGE']) {
    const total = [...tried.values()].reduce((a, b) => a + b, 0);
    process.stderr.write(
      `hostile inputs: ${total} calls (${[...tried].map(([tool, n]) => `${tool} ${n}`).join(', ')})\n`,
    );
  }
});

// ---------------------------------------------------------------------------------------------------
// What a model might send.
// ---------------------------------------------------------------------------------------------------

const NASTY_STRINGS = [
  '',
  ' ',
  '../contacts',
  '../../etc/passwd',
  '..%2F..%2Fcontacts',
  '%2F',
  '%2e%2e',
  'a/b',
  'import',
  'x?limit=100',
  'a#b',
  'id\u0000',
  '\u0000',
  '%00',
  '\r\nX-Injected: 1',
  'ü',
  '😀',
  '\u202egnp.exe',
  '\ud800',
  '__proto__',
  'constructor',
  'prototype',
  '+919876543210',
  '9876543210',
  'x'.repeat(10_000),
  'é'.repeat(5_000),
  '+' + '9'.repeat(10_000),
];

const nastyString = fc.constantFrom(...NASTY_STRINGS);
const anyString = fc.oneof(
  nastyString,
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const anyJson = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(-1, 0, 1.5, 2 ** 53, -(2 ** 31), 1e308, true, null),
);
/** A field's value: often plausible, often hostile, sometimes the wrong type altogether. */
const field = <T>(plausible: fc.Arbitrary<T>) =>
  fc.oneof(
    { arbitrary: plausible, weight: 4 },
    { arbitrary: anyString, weight: 1 },
    { arbitrary: anyJson, weight: 1 },
  );

const id = field(fc.oneof(fc.constant('SEEDED'), fc.uuid(), fc.stringMatching(/^[A-Za-z0-9_-]{1,140}$/)));
const phone = field(
  fc.oneof(
    fc.integer({ min: 10_000_000, max: 99_999_999 }).map((n) => `+9196${n}`),
    fc.constantFrom('+919876543210', '+1 (415) 555-2671', '0091 98765 43210', '+0123456789'),
  ),
);
const name = field(fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constant('n'.repeat(300))));
const tags = field(
  fc.oneof(
    fc.array(fc.oneof(fc.constantFrom('vip', 'newsletter', ' vip ', 'VIP'), anyString), { maxLength: 6 }),
    fc.constant(Array.from({ length: 10_000 }, (_, i) => `t${i}`)),
    fc.constant(Array.from({ length: 101 }, () => 'same')),
    fc.constant('["vip","newsletter"]'),
  ),
);
const smallInt = field(fc.oneof(fc.integer({ min: -5, max: 200 }), fc.constant(100_001)));

/** custom_attributes as raw JSON text: `"__proto__"` must reach the server as an own key. */
const attributeKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'polluted', 'city'),
  anyString,
);
const attributesText = fc.oneof(
  fc
    .array(fc.tuple(attributeKey, anyJson), { maxLength: 6 })
    .map((pairs) => `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`),
  fc.constant(`{${Array.from({ length: 150 }, (_, i) => `"k${i}":${i}`).join(',')}}`),
  fc.constant('{"__proto__":{"polluted":"yes"}}'),
  fc.constant('{"constructor":{"prototype":{"polluted":"yes"}}}'),
  anyJson.map((value) => JSON.stringify(value)),
);

/** Values every check (the sandbox's limits included) accepts, however odd: unicode, edge lengths, keys that look like code. */
const validText = (max: number) =>
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: max })
    .filter((t) => t.trim().length > 0 && t.length <= max);
const strangeButValid = fc
  .record({
    name: validText(LIMITS.name),
    tags: fc.uniqueArray(validText(LIMITS.tag), { maxLength: LIMITS.tagsPerContact, size: 'small' }),
    attributes: fc.dictionary(
      validText(LIMITS.customAttributeKey).filter(
        (k) => !['__proto__', 'constructor', 'prototype'].includes(k),
      ),
      fc.oneof(
        fc.string({ unit: 'grapheme', maxLength: 50 }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
      ),
      { maxKeys: 8 },
    ),
  })
  .map(({ name, tags, attributes }) => ({ args: { name, tags }, attributes: JSON.stringify(attributes) }));

/** What a contact must hold after a create or update with these values: the same, names and tags trimmed. */
function expectStoredAsSent(
  id: string,
  sent: { args: { name: string; tags: string[] }; attributes: string },
): void {
  const stored = sandbox.contacts().find((contact) => contact.id === id);
  expect(stored?.name).toBe(sent.args.name.trim());
  expect(stored?.tags).toEqual([...new Set(sent.args.tags.map((tag) => tag.trim()))]);
  expect(stored?.custom_attributes).toEqual(JSON.parse(sent.attributes));
}

type Args = Record<string, unknown>;
const optional = { requiredKeys: [] as never[] };
const extraKeys = fc.dictionary(fc.oneof(anyString, fc.constantFrom('__proto__', 'toolCallId')), anyJson, {
  maxKeys: 2,
});

const TOOL_ARGS: Record<string, fc.Arbitrary<{ args: Args; attributes?: string }>> = {
  list_contacts: fc
    .record({ page: smallInt, limit: smallInt, search: field(anyString), tag: field(anyString) }, optional)
    .map((args) => ({ args })),
  get_contact: fc.record({ id, phone_number: phone }, optional).map((args) => ({ args })),
  list_tags: fc.record({ max_contacts: smallInt }, optional).map((args) => ({ args })),
  create_contact: fc
    .tuple(
      fc.record({ phone_number: phone, name, tags }, optional),
      fc.option(attributesText, { nil: undefined }),
    )
    .map(([args, attributes]) => ({ args, ...(attributes !== undefined && { attributes }) })),
  update_contact: fc
    .tuple(fc.record({ id, name, tags }, optional), fc.option(attributesText, { nil: undefined }))
    .map(([args, attributes]) => ({ args, ...(attributes !== undefined && { attributes }) })),
  tag_contacts: fc
    .record(
      {
        ids: field(fc.array(id, { maxLength: 4 })),
        search: field(anyString),
        tag: field(anyString),
        add: tags,
        remove: tags,
        dry_run: field(fc.boolean()),
        max_contacts: smallInt,
      },
      optional,
    )
    .map((args) => ({ args })),
  delete_contact: fc.record({ id }, optional).map((args) => ({ args })),
  // A job id is account text like any id: made up, hostile, or another account's, it finds nothing.
  get_job: fc.record({ id: field(anyString) }, optional).map((args) => ({ args })),
  cancel_job: fc.record({ id: field(anyString) }, optional).map((args) => ({ args })),
  import_contacts_csv: fc
    .record(
      {
        file_path: field(fc.constantFrom('/etc/passwd', '/proc/self/environ', '../secret.csv', 'C:\\x.csv')),
        csv: field(
          fc.oneof(
            fc.constant('phone_number,name,tags\n+919612345678,Imported,"vip,x"\n'),
            fc.constant('phone_number,name\n' + '"unclosed\n'.repeat(3)),
            fc.constant(`phone_number,name\n+919612345679,${'z'.repeat(70_000)}\n`),
          ),
        ),
        dry_run: field(fc.boolean()),
      },
      optional,
    )
    .map((args) => ({ args })),
};

/** The arguments as a client sends them: JSON text, parsed. */
function wire({ args, attributes }: { args: Args; attributes?: string }): Args {
  const resolved = Object.fromEntries(
    Object.entries(args).map(([key, value]) => [key, value === 'SEEDED' ? seededId : value]),
  );
  const text = JSON.stringify(resolved);
  if (attributes === undefined) return JSON.parse(text) as Args;
  const body = text === '{}' ? '' : `,${text.slice(1, -1)}`;
  return JSON.parse(`{"custom_attributes":${attributes}${body}}`) as Args;
}

// ---------------------------------------------------------------------------------------------------
// What must hold after every call.
// ---------------------------------------------------------------------------------------------------

async function callAndCheck(tool: string, args: Args): Promise<CallToolResult> {
  tried.set(tool, (tried.get(tool) ?? 0) + 1);
  const logFrom = requestMark(sandbox);
  // A crash or protocol error rejects here; every failure must be an isError result instead.
  const result = (await client.callTool({ name: tool, arguments: args })) as CallToolResult;

  expectClearOutcome(result);
  if (!result.isError) await expectCorrect(tool, result.structuredContent as Record<string, unknown>);
  expectSafeRequests(requestsSince(sandbox, logFrom));
  expectPrototypeIntact();
  return result;
}

/** A successful write is what the sandbox now holds. */
async function expectCorrect(tool: string, output: Record<string, unknown>): Promise<void> {
  if (tool !== 'create_contact' && tool !== 'update_contact') return;
  const stored = sandbox.contacts().find((contact) => contact.id === output['id']);
  expect(stored).toBeDefined();
  // Empty tags and attributes are left out of a result, as its text leaves them out.
  expect(output).toEqual({
    id: stored!.id,
    phone_number: stored!.phone_number,
    name: stored!.name,
    ...(stored!.tags.length > 0 && { tags: stored!.tags }),
    ...(Object.keys(stored!.custom_attributes).length > 0 && {
      custom_attributes: stored!.custom_attributes,
    }),
    ...(stored!.last_active_at !== undefined && { last_active_at: stored!.last_active_at }),
    ...(output['warnings'] !== undefined && { warnings: output['warnings'] }),
  });
  expect(Object.getPrototypeOf(stored!.custom_attributes)).toBe(Object.prototype);
}

// Generous: the time a run takes depends on the machine's load, and a timeout here says nothing about the server.
describe(
  'every tool, fed hostile input, answers with a clear error or a correct call',
  { timeout: 60_000 },
  () => {
    for (const [tool, arbitrary] of Object.entries(TOOL_ARGS)) {
      it(tool, async () => {
        await fc.assert(
          fc.asyncProperty(arbitrary, extraKeys, async (generated, extra) => {
            const args = wire({ ...generated, args: { ...extra, ...generated.args } });
            await callAndCheck(tool, args);
          }),
          { numRuns: NUM_RUNS },
        );
      });
    }

    it('create_contact and update_contact with valid but strange values: always a correct call', async () => {
      await fc.assert(
        fc.asyncProperty(strangeButValid, strangeButValid, async (first, second) => {
          // +9195…: apart from the +9196… numbers the hostile arguments create, so the two never collide.
          const phone = `+9195${String(10_000_000 + ++created).slice(-8)}`;
          const made = await callAndCheck(
            'create_contact',
            wire({ args: { phone_number: phone, ...first.args }, attributes: first.attributes }),
          );
          expect(made.isError, textOf(made)).toBeFalsy();
          const id = (made.structuredContent as { id: string }).id;
          expectStoredAsSent(id, first);
          const changed = await callAndCheck(
            'update_contact',
            wire({ args: { id, ...second.args }, attributes: second.attributes }),
          );
          expect(changed.isError, textOf(changed)).toBeFalsy();
          expectStoredAsSent(id, second);
        }),
        { numRuns: NUM_RUNS / 2 },
      );
    });

    it('does not echo a 10 kB custom_attributes key back to the model', async () => {
      const key = 'k'.repeat(10_000);
      const result = (await client.callTool({
        name: 'update_contact',
        arguments: { id: seededId, custom_attributes: { [key]: 1 } },
      })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content).length).toBeLessThan(MAX_ERROR_TEXT);
    });

    it('covers every tool the server offers', async () => {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(Object.keys(TOOL_ARGS).sort());
    });

    it('no phone number is held twice, and the server still serves', async () => {
      const phones = sandbox.contacts().map((contact) => contact.phone_number);
      expect(new Set(phones).size).toBe(phones.length);
      const result = (await client.callTool({
        name: 'list_contacts',
        arguments: { limit: 1 },
      })) as CallToolResult;
      expect(result.isError).toBeFalsy();
    });
  },
);
