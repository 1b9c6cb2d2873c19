/**
 * The fault suite: the server, linked in memory to the SDK's Client, against the sandbox's fault
 * injection over HTTP. For every fault kind × every contact tool it checks what a user would notice — the
 * tool's answer, the sandbox's final state (no duplicate phone, nothing lost, a write applied exactly
 * once), no token in any result or log, and no protocol error. The table below is the suite: the
 * table in docs/reliability.md is written from these same arrays (`npm run docs`, which runs this file
 * with VOBIZ_UPDATE_DOCS=1; `VOBIZ_PRINT_COVERAGE=1` prints it). What the process does on a cancel or a
 * signal while a request hangs is process.test.ts, over stdio.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Fault, SandboxRoute } from '../../src/sandbox/index.js';
import { replaceSection } from '../../src/docs/pages.js';
import type { VobizClientOptions } from '../../src/vobiz/client.js';
import { requestMark, requestsSince, textOf } from '../support/context.js';
import { startMemoryStack, type MemoryStack } from '../support/memory-stack.js';

/** Small, honest settings: the same code paths as the defaults, in milliseconds instead of seconds. */
// Long enough that a loaded 2-core CI machine never times out a request the case did not slow down.
const TIMEOUT_MS = 1_000;
const MAX_RETRIES = 3;
const CLIENT: Partial<VobizClientOptions> = {
  timeoutMs: TIMEOUT_MS,
  retry: { maxRetries: MAX_RETRIES, baseDelayMs: 10, maxDelayMs: 2_000 },
  deadlineMs: 10_000,
};
const ATTEMPTS = MAX_RETRIES + 1;

const TOOLS = ['create_contact', 'update_contact', 'delete_contact', 'get_contact', 'list_contacts'] as const;
type Tool = (typeof TOOLS)[number];
const ROUTE: Record<Tool, SandboxRoute> = {
  create_contact: 'create',
  update_contact: 'update',
  delete_contact: 'delete',
  get_contact: 'get',
  list_contacts: 'list',
};
const WRITES: readonly Tool[] = ['create_contact', 'update_contact', 'delete_contact'];

/**
 * What the user sees. `applied`: whether the write took effect (created once / renamed / deleted),
 * checked in the sandbox after the call — and after any delayed request has landed. Reads must leave
 * the state as it was. `requests`: how many requests reached the tool's own route.
 */
interface Expect {
  ok: boolean;
  text: RegExp[];
  applied?: boolean;
  requests?: number;
}

interface FaultCase {
  name: string;
  fault: Fault;
  times: number;
  expect: Record<Tool, Expect>;
}

const ok = (text: RegExp[] = [], more: Partial<Expect> = {}): Expect => ({
  ok: true,
  text,
  applied: true,
  ...more,
});
const fail = (text: RegExp[], more: Partial<Expect> = {}): Expect => ({ ok: false, text, ...more });
/** The same expectation for every tool, with per-tool overrides. */
const all = (expectation: Expect, overrides: Partial<Record<Tool, Expect>> = {}) =>
  Object.fromEntries(
    TOOLS.map((tool) => [
      tool,
      overrides[tool] ?? { ...expectation, ...(!WRITES.includes(tool) && { applied: undefined }) },
    ]),
  ) as Record<Tool, Expect>;

const UNKNOWN = /outcome is unknown/;
const UNCHANGED = /[Nn]othing was changed/;
const FIRST_APPLIED = /the first attempt had been applied/;

export const FAULT_CASES: readonly FaultCase[] = [
  {
    name: '429 once (Retry-After: 0)',
    fault: { kind: 'rate_limit', retryAfterSeconds: 0 },
    times: 1,
    expect: all(ok([], { requests: 2 })),
  },
  {
    name: '429 on every attempt',
    fault: { kind: 'rate_limit', retryAfterSeconds: 0 },
    times: Infinity,
    expect: all(
      fail([/rate limit/, new RegExp(`after ${ATTEMPTS} attempts`)], { applied: false, requests: ATTEMPTS }),
      {
        create_contact: fail([/rate limit/, new RegExp(`after ${ATTEMPTS} attempts`), UNCHANGED], {
          applied: false,
          requests: ATTEMPTS,
        }),
      },
    ),
  },
  {
    name: '429 with Retry-After: 120 (over the cap)',
    fault: { kind: 'rate_limit', retryAfterSeconds: 120 },
    times: Infinity,
    expect: all(fail([/Wait 120 s/], { applied: false, requests: 1 })),
  },
  {
    name: '503 once',
    fault: { kind: 'server_error', status: 503 },
    times: 1,
    expect: all(ok([], { requests: 2 })),
  },
  {
    name: '503 on every attempt',
    fault: { kind: 'server_error', status: 503 },
    times: Infinity,
    expect: all(
      fail([/503/, new RegExp(`after ${ATTEMPTS} attempts`), /Try again/], { requests: ATTEMPTS }),
      {
        create_contact: fail(
          [/503/, new RegExp(`after ${ATTEMPTS} attempts`), /had not been applied/, UNCHANGED],
          {
            applied: false,
            requests: ATTEMPTS,
          },
        ),
        update_contact: fail([/503/, UNKNOWN], { applied: false, requests: ATTEMPTS }),
        delete_contact: fail([/503/, UNKNOWN, /safe/], { applied: false, requests: ATTEMPTS }),
      },
    ),
  },
  {
    name: '500 once (not retried: usually repeats)',
    fault: { kind: 'server_error', status: 500 },
    times: 1,
    expect: all(fail([/500/, /Try again/], { requests: 1 }), {
      create_contact: ok([/Created/], { requests: 2 }),
      update_contact: fail([/500/, UNKNOWN], { applied: false, requests: 1 }),
      delete_contact: fail([/500/, UNKNOWN, /safe to repeat|Repeating the same call is safe/], {
        applied: false,
        requests: 1,
      }),
    }),
  },
  {
    name: 'applied, then 503',
    fault: { kind: 'error_after_write', status: 503 },
    times: 1,
    expect: all(ok([], { requests: 2 }), {
      create_contact: ok([FIRST_APPLIED], { requests: 1 }),
      delete_contact: ok([FIRST_APPLIED], { requests: 2 }),
    }),
  },
  {
    name: 'applied, then 500',
    fault: { kind: 'error_after_write', status: 500 },
    times: 1,
    expect: all(fail([/500/], { requests: 1 }), {
      create_contact: ok([FIRST_APPLIED], { requests: 1 }),
      update_contact: fail([/500/, UNKNOWN], { applied: true, requests: 1 }),
      delete_contact: fail([/500/, UNKNOWN], { applied: true, requests: 1 }),
    }),
  },
  {
    name: 'applied, then a truncated JSON body',
    fault: { kind: 'malformed_body' },
    times: 1,
    expect: all(fail([/not the expected JSON/], { requests: 1 }), {
      create_contact: ok([FIRST_APPLIED], { requests: 1 }),
      update_contact: fail([/not the expected JSON/, UNKNOWN], { applied: true, requests: 1 }),
      // A DELETE's success has no body to read: the status says it all.
      delete_contact: ok([/Deleted/], { requests: 1 }),
    }),
  },
  {
    name: "a proxy's HTML 502 page",
    fault: { kind: 'html', status: 502 },
    times: 1,
    expect: all(ok([], { requests: 2 })),
  },
  {
    name: 'dropped connection once',
    fault: { kind: 'drop_connection' },
    times: 1,
    expect: all(ok([], { requests: 2 })),
  },
  {
    name: 'dropped connection every time',
    fault: { kind: 'drop_connection' },
    times: Infinity,
    expect: all(
      fail([/Could not reach the Vobiz API/, new RegExp(`after ${ATTEMPTS} attempts`)], {
        requests: ATTEMPTS,
      }),
      {
        create_contact: fail([/Could not reach/, /had not been applied/, UNCHANGED], {
          applied: false,
          requests: ATTEMPTS,
        }),
        update_contact: fail([/Could not reach/, UNKNOWN], { applied: false, requests: ATTEMPTS }),
        delete_contact: fail([/Could not reach/, UNKNOWN], { applied: false, requests: ATTEMPTS }),
      },
    ),
  },
  {
    name: `latency ${TIMEOUT_MS * 2} ms (over the ${TIMEOUT_MS} ms timeout), once`,
    fault: { kind: 'latency', ms: TIMEOUT_MS * 2 },
    times: 1,
    expect: all(ok([], { requests: 2 }), {
      // The sandbox drops a create or update whose client left before its body was read: the create's
      // lookup finds nothing and it is sent again; the update is reported as unknown, and was not applied.
      // A DELETE has no body to wait for: it lands after the client gave up.
      create_contact: ok([/Created/], { requests: 2 }),
      update_contact: fail([/did not answer in time/, UNKNOWN], { applied: false, requests: 1 }),
      delete_contact: fail([/did not answer in time/, UNKNOWN], { applied: true, requests: 1 }),
    }),
  },
  {
    name: 'latency 100 ms (under the timeout)',
    fault: { kind: 'latency', ms: 100 },
    times: 1,
    expect: all(ok([], { requests: 1 })),
  },
];

let stack: MemoryStack;
let serial = 0;
const covered = new Set<string>();
/** What the process wrote to stderr while the cases ran: the server logs there, in this process. */
let stderr = '';

beforeAll(async () => {
  stack = await startMemoryStack({ vobiz: CLIENT });
  const write = process.stderr.write.bind(process.stderr);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk, ...rest) => {
    stderr += String(chunk);
    return write(chunk, ...(rest as []));
  });
});
afterAll(async () => {
  vi.restoreAllMocks();
  await stack?.close();
  if (process.env['VOBIZ_PRINT_COVERAGE']) process.stderr.write(`${coverageMarkdown()}\n`);
});

/** A phone number no other case uses (Indian mobile numbers: +91 97xxxxxxxx). */
function freshPhone(): string {
  serial += 1;
  return `+9197${String(10_000_000 + serial).slice(-8)}`;
}

async function createTarget(): Promise<{ id: string; phone: string; name: string }> {
  const phone = freshPhone();
  const name = `Target ${serial}`;
  const result = await stack.call('create_contact', { phone_number: phone, name, tags: ['faults'] });
  expect(result.isError, textOf(result)).toBeFalsy();
  return { id: (result.structuredContent as { id: string }).id, phone, name };
}

async function runCase(c: FaultCase, tool: Tool): Promise<void> {
  const expected = c.expect[tool];
  const target = tool === 'create_contact' ? undefined : await createTarget();
  const phone = target?.phone ?? freshPhone();
  const newName = `Renamed ${serial}`;
  const args: Record<Tool, Record<string, unknown>> = {
    create_contact: {
      phone_number: phone,
      name: `Created ${serial}`,
      tags: ['faults'],
      custom_attributes: { n: serial },
    },
    update_contact: { id: target?.id, name: newName },
    delete_contact: { id: target?.id },
    get_contact: { id: target?.id },
    list_contacts: { search: phone },
  };
  const before = stack.sandbox.contacts();
  const logFrom = requestMark(stack.sandbox);

  stack.sandbox.faults.inject({ fault: c.fault, route: ROUTE[tool], times: c.times });
  let result: CallToolResult;
  try {
    result = await stack.call(tool, args[tool]);
  } finally {
    stack.sandbox.faults.clear();
  }
  // A request that timed out may still land: let it, before looking at the state.
  await stack.sandbox.idle();

  const text = textOf(result);
  expect(Boolean(result.isError), text).toBe(!expected.ok);
  for (const pattern of expected.text) expect(text).toMatch(pattern);
  if (expected.ok && tool !== 'list_contacts' && tool !== 'delete_contact') {
    expect(result.structuredContent).toMatchObject({ phone_number: phone });
  }

  const after = stack.sandbox.contacts();
  const withPhone = after.filter((contact) => contact.phone_number === phone);
  switch (tool) {
    case 'create_contact':
      // Exactly once, or not at all: never twice.
      expect(withPhone.length).toBe(expected.applied ? 1 : 0);
      if (expected.applied)
        expect(withPhone[0]).toMatchObject({ name: `Created ${serial}`, tags: ['faults'] });
      break;
    case 'update_contact':
      expect(withPhone).toHaveLength(1);
      expect(withPhone[0]!.name).toBe(expected.applied ? newName : target!.name);
      break;
    case 'delete_contact':
      expect(withPhone).toHaveLength(expected.applied ? 0 : 1);
      break;
    default:
      expect(after).toEqual(before);
  }
  // Nothing else changed: every other contact is as it was.
  const others = (list: typeof after) => list.filter((contact) => contact.phone_number !== phone);
  expect(others(after)).toEqual(others(before));

  const requests = requestsSince(stack.sandbox, logFrom);
  if (expected.requests !== undefined) {
    expect(requests.filter((r) => r.route === ROUTE[tool]).length, JSON.stringify(requests)).toBe(
      expected.requests,
    );
  }
  for (const r of requests) expect(r.path).toMatch(/^\/api\/v1\/messaging\/contacts(\/[A-Za-z0-9_-]+)?$/);
  expect(JSON.stringify(result)).not.toContain(stack.sandbox.credentials.authToken);
  covered.add(`${c.name}|${tool}`);
}

describe.each(FAULT_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  it.each(TOOLS)('%s', async (tool) => {
    await runCase(c, tool);
  });
});

describe('after every fault', () => {
  it('no phone number twice, no token in the log, no protocol error, and the server still serves', async () => {
    expect(covered.size).toBe(FAULT_CASES.length * TOOLS.length);
    const phones = stack.sandbox.contacts().map((contact) => contact.phone_number);
    expect(new Set(phones).size).toBe(phones.length);
    expect(stderr).not.toContain(stack.sandbox.credentials.authToken);
    expect(stack.logs.join('\n')).not.toContain(stack.sandbox.credentials.authToken);
    expect(stack.protocolErrors).toEqual([]);
    const result = await stack.call('list_contacts', { limit: 1 });
    expect(result.isError, textOf(result)).toBeFalsy();
  });

  it("docs/reliability.md's fault table is this suite's table", async () => {
    const page = new URL('../../docs/reliability.md', import.meta.url);
    const text = await readFile(page, 'utf8');
    const current = replaceSection(text, 'fault-table', faultTable(), 'docs/reliability.md');
    // `npm run docs` runs this with VOBIZ_UPDATE_DOCS=1: the table is written from the cases above.
    if (process.env['VOBIZ_UPDATE_DOCS'] === '1') await writeFile(page, current);
    else expect(text).toBe(current);
  });
});

/** docs/reliability.md's table of faults survived, from the arrays above. */
function faultTable(): string {
  const mark = (e: Expect) => (e.ok ? 'ok' : 'isError');
  return [
    `| Fault | ${TOOLS.join(' | ')} |`,
    `|---|${TOOLS.map(() => '---').join('|')}|`,
    ...FAULT_CASES.map((c) => `| ${c.name} | ${TOOLS.map((tool) => mark(c.expect[tool])).join(' | ')} |`),
  ].join('\n');
}

function coverageMarkdown(): string {
  return `${FAULT_CASES.length} faults × ${TOOLS.length} tools = ${FAULT_CASES.length * TOOLS.length} cases (${covered.size} run)\n\n${faultTable()}`;
}
