/**
 * The approval token itself (src/tools/approval.ts): what it is bound to, what a tampered or foreign
 * one gets, and the bound on the redeemed tokens it remembers. The tools' use of it is tested end to
 * end in test/e2e/approvals.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { Approvals, canonicalJson, refusalReason, type ApprovalBinding } from '../../src/mcp/approval.js';

const SECRET = 'the-same-secret-on-every-instance-32+';

function binding(more: Partial<ApprovalBinding> = {}): ApprovalBinding {
  return {
    tool: 'tag_contacts',
    account: 'account-a',
    args: { tag: 'fair', add: ['expo'] },
    selection: ['c3', 'c1', 'c2'],
    counts: { matched: 3, to_change: 3 },
    ...more,
  };
}

describe('an approval token', () => {
  it('tells nothing of the account, the arguments or the contacts', () => {
    const { token } = new Approvals({ secret: SECRET }).issue(binding({ account: 'MA_SECRET1' }));
    const payload = Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8');
    for (const word of ['MA_SECRET1', 'fair', 'expo', 'c1']) expect(payload).not.toContain(word);
  });

  it('is bound to the account, and to the selection whatever its order', async () => {
    const approvals = new Approvals({ secret: SECRET });
    const { token } = approvals.issue(binding());
    expect(await approvals.redeem(token, binding({ account: 'account-b' }))).toEqual({
      ok: false,
      reason: 'other_account',
    });
    expect(await approvals.redeem(token, binding({ tool: 'delete_contact' }))).toEqual({
      ok: false,
      reason: 'other_tool',
    });
    expect(await approvals.redeem(token, binding({ selection: ['c2', 'c3', 'c1'] }))).toEqual({ ok: true });
  });

  it('with its payload altered (a later expiry) is not this server’s', async () => {
    const approvals = new Approvals({ secret: SECRET });
    const [body, signature] = approvals.issue(binding()).token.split('.');
    const payload = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as { exp: number };
    payload.exp += 3_600_000;
    const forged = `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
    expect(await approvals.redeem(forged, binding())).toEqual({ ok: false, reason: 'foreign' });
    expect(await approvals.redeem('not a token', binding())).toEqual({ ok: false, reason: 'malformed' });
  });

  it('is remembered once redeemed only until it expires, and at most maxRedeemed at once', async () => {
    let now = 0;
    const approvals = new Approvals({ secret: SECRET, now: () => now, ttlMs: 60_000, maxRedeemed: 2 });
    const tokens = [1, 2, 3].map(() => approvals.issue(binding()).token);
    expect(await approvals.redeem(tokens[0]!, binding())).toEqual({ ok: true });
    expect(await approvals.redeem(tokens[1]!, binding())).toEqual({ ok: true });
    expect(await approvals.redeem(tokens[2]!, binding())).toEqual({ ok: false, reason: 'busy' });
    expect(refusalReason('busy', approvals)).toMatch(/taken 2 approvals within the last 1 minutes/);
    // Once the first two have expired they are forgotten, and there is room again.
    now = 60_000;
    const fresh = approvals.issue(binding()).token;
    expect(await approvals.redeem(fresh, binding())).toEqual({ ok: true });
  });
});

describe('with a store shared by the instances', () => {
  it('is spent once across them, and falls back to the instance alone when the store cannot tell', async () => {
    const spent = new Set<string>();
    let storeUp = true;
    const spendShared = async (id: string) => {
      if (!storeUp) return undefined;
      if (spent.has(id)) return false;
      spent.add(id);
      return true;
    };
    const a = new Approvals({ secret: SECRET, spendShared });
    const b = new Approvals({ secret: SECRET, spendShared });
    const { token } = a.issue(binding());
    expect(await a.redeem(token, binding())).toEqual({ ok: true });
    expect(await b.redeem(token, binding())).toEqual({ ok: false, reason: 'used' });
    storeUp = false;
    const other = a.issue(binding()).token;
    expect(await b.redeem(other, binding())).toEqual({ ok: true });
    expect(await b.redeem(other, binding())).toEqual({ ok: false, reason: 'used' });
  });
});

describe('canonicalJson', () => {
  it('writes one text for one value, whatever the order of its keys', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: undefined } })).toBe(
      canonicalJson({ a: { d: [1, { e: 3, f: 2 }] }, b: 1 }),
    );
    expect(canonicalJson({ a: ['x', 'y'] })).not.toBe(canonicalJson({ a: ['y', 'x'] }));
  });
});
