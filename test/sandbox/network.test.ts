import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { MAX_LATENCY_MS, TokenBucket } from '../../src/sandbox/network.js';
import {
  api,
  ContactPageSchema,
  expectError,
  useSandboxes,
  waitForTurns,
  type ApiResponse,
} from './helpers.js';

const NEW_CONTACT = { phone_number: '+14155550142', name: 'Network Tester' };

function hasPhone(sandbox: Sandbox, phone: string): boolean {
  return sandbox.contacts().some((contact) => contact.phone_number === phone);
}

/** The request, and whether its answer has come back yet. */
function tracked(response: Promise<ApiResponse>): { answer: Promise<ApiResponse>; done: () => boolean } {
  let done = false;
  const answer = response.finally(() => (done = true));
  return { answer, done: () => done };
}

describe('TokenBucket', () => {
  it('allows a burst, then says how many whole seconds until the next token', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([undefined, undefined, undefined]);
    expect(bucket.take()).toBe(1); // half a second away: rounded up to the whole second HTTP allows
    now += 499;
    expect(bucket.take()).toBe(1);
    now += 1;
    expect(bucket.take()).toBeUndefined();
    expect(bucket.take()).toBe(1);
  });

  it('refills at its rate up to the burst, never beyond', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 5, () => now);
    for (let i = 0; i < 5; i += 1) expect(bucket.take()).toBeUndefined();
    expect(bucket.take()).toBe(1);
    now += 60_000; // a quiet minute refills 5, not 600
    for (let i = 0; i < 5; i += 1) expect(bucket.take()).toBeUndefined();
    expect(bucket.take()).toBe(1);
  });

  it('a slow rate asks for the seconds a token really takes', () => {
    let now = 0;
    const bucket = new TokenBucket(0.25, 1, () => now);
    expect(bucket.take()).toBeUndefined();
    expect(bucket.take()).toBe(4);
    now += 3_000;
    expect(bucket.take()).toBe(1);
  });
});

describe('sandbox network model', () => {
  const start = useSandboxes();

  afterEach(() => {
    vi.useRealTimers();
  });

  it('holds every answer for the round trip, side by side, authenticated or not', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const sandbox = await start({ network: { latencyMs: 5_000 } });
    const requests = [
      tracked(api(sandbox, 'GET', '/contacts')),
      tracked(api(sandbox, 'GET', '/contacts', { auth: false })),
      tracked(api(sandbox, 'POST', '/contacts', { body: NEW_CONTACT })),
    ];
    await waitForTurns(() => sandbox.stats().inFlight === 3, 'three requests in flight');
    // Handled on arrival (the write is applied), answered only when the round trip is over.
    await waitForTurns(() => hasPhone(sandbox, NEW_CONTACT.phone_number), 'the create to be applied');
    await vi.advanceTimersByTimeAsync(4_999);
    expect(requests.map((request) => request.done())).toEqual([false, false, false]);
    // One round trip for all three: concurrent timers, not a queue.
    await vi.advanceTimersByTimeAsync(1);
    const [list, anonymous, created] = await Promise.all(requests.map((request) => request.answer));
    // (The list may have arrived before or after the create.)
    expect(ContactPageSchema.parse(list?.json).items.length).toBeGreaterThanOrEqual(10);
    expectError(anonymous!, 401, 'UNAUTHORIZED');
    expect(created?.status).toBe(201);
    expect(sandbox.stats()).toMatchObject({ requests: 3, inFlight: 0, maxInFlight: 3 });
  });

  it('setNetwork changes the round trip for the requests that arrive after; {} turns it off', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const sandbox = await start();
    expect(sandbox.network()).toEqual({});
    sandbox.setNetwork({ latencyMs: 1_000 });
    expect(sandbox.network()).toEqual({ latencyMs: 1_000 });
    const held = tracked(api(sandbox, 'GET', '/contacts'));
    await waitForTurns(() => sandbox.stats().inFlight === 1, 'the request in flight');
    sandbox.setNetwork({});
    expect(sandbox.network()).toEqual({});
    // Without a round trip, no timer: this answer comes while the earlier one is still held.
    expect((await api(sandbox, 'GET', '/contacts')).status).toBe(200);
    expect(held.done()).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await held.answer).status).toBe(200);
  });

  it('past the rate limit: 429 with Retry-After and details.retryAfter, nothing applied; refills', async () => {
    let now = 0;
    const sandbox = await start({ network: { rateLimit: { perSecond: 2, burst: 3 } }, clock: () => now });
    expect(sandbox.network()).toEqual({ rateLimit: { perSecond: 2, burst: 3 } });
    for (const phone of ['+14155550101', '+14155550102', '+14155550103']) {
      expect(
        (await api(sandbox, 'POST', '/contacts', { body: { ...NEW_CONTACT, phone_number: phone } })).status,
      ).toBe(201);
    }
    const refused = await api(sandbox, 'POST', '/contacts', { body: NEW_CONTACT });
    expect(expectError(refused, 429, 'RATE_LIMIT_EXCEEDED').error.details.retryAfter).toBe(1);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(hasPhone(sandbox, NEW_CONTACT.phone_number)).toBe(false);
    // Reads count against the same account.
    expectError(await api(sandbox, 'GET', '/contacts'), 429, 'RATE_LIMIT_EXCEEDED');

    now += 500; // one token back
    expect((await api(sandbox, 'POST', '/contacts', { body: NEW_CONTACT })).status).toBe(201);
    expectError(await api(sandbox, 'GET', '/contacts'), 429, 'RATE_LIMIT_EXCEEDED');
    expect(sandbox.stats()).toMatchObject({ requests: 7, rateLimited: 3 });
    expect(sandbox.stats().byRoute).toEqual({ list: 2, get: 0, create: 5, update: 0, delete: 0, import: 0 });
  });

  it('limits only authenticated requests to a known route, before any fault', async () => {
    const now = 0;
    const sandbox = await start({ network: { rateLimit: { perSecond: 1 } }, clock: () => now });
    expect((await api(sandbox, 'GET', '/contacts')).status).toBe(200);
    // The bucket is empty now; these never reach the account's limit.
    expectError(await api(sandbox, 'GET', '/contacts', { auth: false }), 401, 'UNAUTHORIZED');
    expectError(await api(sandbox, 'GET', '/nowhere'), 404, 'NOT_FOUND');
    sandbox.faults.inject({ fault: { kind: 'server_error' } });
    expectError(await api(sandbox, 'GET', '/contacts'), 429, 'RATE_LIMIT_EXCEEDED');
    expect(sandbox.faults.pending).toBe(1); // a refused request takes no fault
    // A new model starts with a full bucket; {} turns the limit off.
    sandbox.setNetwork({ rateLimit: { perSecond: 1 } });
    expectError(await api(sandbox, 'GET', '/contacts'), 500, 'INTERNAL_ERROR');
    sandbox.setNetwork({});
    for (let i = 0; i < 5; i += 1) expect((await api(sandbox, 'GET', '/contacts')).status).toBe(200);
    expect(sandbox.stats().rateLimited).toBe(1);
  });

  it('a 429 still costs the round trip', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const now = 0;
    const sandbox = await start({
      network: { latencyMs: 2_000, rateLimit: { perSecond: 1 } },
      clock: () => now,
    });
    const first = tracked(api(sandbox, 'GET', '/contacts'));
    await waitForTurns(() => sandbox.stats().inFlight === 1, 'the first request in flight');
    const second = tracked(api(sandbox, 'POST', '/contacts', { body: NEW_CONTACT }));
    await waitForTurns(() => sandbox.stats().inFlight === 2, 'the second request in flight');
    await vi.advanceTimersByTimeAsync(1_999);
    expect([first.done(), second.done()]).toEqual([false, false]);
    await vi.advanceTimersByTimeAsync(1);
    expect((await first.answer).status).toBe(200);
    expectError(await second.answer, 429, 'RATE_LIMIT_EXCEEDED');
    expect(hasPhone(sandbox, NEW_CONTACT.phone_number)).toBe(false);
  });

  it('close() does not wait out a round trip', async () => {
    const sandbox = await start({ network: { latencyMs: 600_000 } });
    const pending = api(sandbox, 'GET', '/contacts').catch((error: unknown) => error);
    await waitForTurns(() => sandbox.stats().inFlight === 1, 'the request in flight');
    await sandbox.close(); // ten minutes would outlast the test's timeout
    expect(await pending).toBeInstanceOf(Error);
  });

  it('stats count since the start or the last reset', async () => {
    const sandbox = await start();
    await api(sandbox, 'GET', '/contacts');
    await api(sandbox, 'GET', '/nowhere');
    expect(sandbox.stats()).toMatchObject({ requests: 2, rateLimited: 0, inFlight: 0, maxInFlight: 1 });
    expect(sandbox.stats().byRoute.list).toBe(1);
    sandbox.resetStats();
    expect(sandbox.stats()).toEqual({
      requests: 0,
      rateLimited: 0,
      byRoute: { list: 0, get: 0, create: 0, update: 0, delete: 0, import: 0 },
      inFlight: 0,
      maxInFlight: 0,
    });
    sandbox.faults.inject({ fault: { kind: 'rate_limit' } });
    await api(sandbox, 'GET', '/contacts');
    expect(sandbox.stats()).toMatchObject({ requests: 1, rateLimited: 1 }); // a rate_limit fault counts too
    expect(sandbox.requestCount()).toBe(3); // the lifetime count is not reset
  });

  it('refuses a model out of range, keeping the one in force', async () => {
    const sandbox = await start({ network: { latencyMs: 10 } });
    expect(() => sandbox.setNetwork({ latencyMs: -1 })).toThrow(RangeError);
    expect(() => sandbox.setNetwork({ latencyMs: MAX_LATENCY_MS + 1 })).toThrow(RangeError);
    expect(() => sandbox.setNetwork({ latencyMs: NaN })).toThrow(RangeError);
    expect(() => sandbox.setNetwork({ rateLimit: { perSecond: 0 } })).toThrow(RangeError);
    expect(() => sandbox.setNetwork({ rateLimit: { perSecond: Infinity } })).toThrow(RangeError);
    expect(() => sandbox.setNetwork({ rateLimit: { perSecond: 5, burst: 0.5 } })).toThrow(RangeError);
    expect(sandbox.network()).toEqual({ latencyMs: 10 });
    await expect(start({ network: { latencyMs: -5 } })).rejects.toThrow(RangeError);
  });
});
