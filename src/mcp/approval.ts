/**
 * Bound approvals: a token that lets one exact change go ahead, once, for a while.
 *
 * A dry run, or a change refused for want of the user's yes, answers with `approval.token`. The change
 * is made by calling the same tool with the same arguments plus `approval: "<token>"`. The token is bound
 * to what the user was shown: the tool, its arguments (canonical JSON, `dry_run` and `approval` left
 * out), the account, the contacts the change selects (a digest of their sorted ids, or phone numbers for
 * an import) and its counts. When any of these differs at the time of the change (the arguments were
 * altered, the segment grew), the token does not match and nothing is changed: the tool answers with the
 * new preview and a new token instead.
 *
 * Signed with HMAC-SHA256 (node:crypto) under a key derived from MCP_HTTP_SESSION_SECRET, so that any
 * instance with the same secret checks it; random per process when the secret is not set. No JWT library
 * (jose): the token is read only by the server that wrote it or its siblings, so a standard envelope
 * buys no interoperability, and a fixed format of our own has no algorithm to negotiate.
 *
 * A token expires (ten minutes by default) and is single-use: the ids of redeemed tokens are kept until
 * they expire, in a bounded set of the instance, and — with several instances on Redis (REDIS_URL) — in
 * the shared store too, so that a token is spent once across them (while Redis answers).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** How long an approval holds by default: time enough to ask a person, not to forget what was shown. */
export const DEFAULT_APPROVAL_TTL_MS = 10 * 60_000;

/**
 * Redeemed tokens remembered at once, each until it expires. Every one is a change already made: a
 * hundred thousand changes approved within one token's lifetime is far beyond any person reviewing them.
 */
export const MAX_REDEEMED_APPROVALS = 100_000;

/** What a token is bound to: everything the person was shown about the change. */
export interface ApprovalBinding {
  tool: string;
  /** Whose account the change is made on (VobizClient.account). */
  account: string;
  /** The tool's arguments as parsed; `dry_run`, `approval` and `confirm` are left out. */
  args: Record<string, unknown>;
  /** What the change selects: contact ids, or an import's phone numbers. Order does not matter. */
  selection: Iterable<string>;
  /** The counts the preview showed, e.g. `{ matched: 75, to_change: 75 }`. */
  counts: Record<string, number>;
  /** What the question named, when more than ids: a contact renamed since is asked about again. */
  shown?: string;
}

/** What a result carries: the token, and when it stops being accepted (ISO 8601). */
export interface Approval {
  token: string;
  expires_at: string;
}

export const approvalOutput = z
  .object({
    token: z
      .string()
      .describe('Send it back as `approval`, with the same arguments, once the user has said yes.'),
    expires_at: z.string().describe('When the token stops being accepted (ISO 8601).'),
  })
  .describe(
    'A token for exactly the change previewed (this tool, these arguments, these contacts), valid once. ' +
      'Present when the change needs the user’s yes.',
  );

/** Why a token was not accepted. */
export type ApprovalRefusal =
  | 'malformed'
  | 'foreign'
  | 'expired'
  | 'used'
  | 'other_tool'
  | 'other_account'
  | 'arguments'
  | 'selection'
  | 'busy';

export interface ApprovalOptions {
  /** MCP_HTTP_SESSION_SECRET; a random key of this process when absent. */
  secret?: string | undefined;
  ttlMs?: number;
  /** The clock (epoch ms): tests move it. */
  now?: () => number;
  maxRedeemed?: number;
  /**
   * Spends a token id in the store shared by the instances until `expiresAt` (epoch ms): true when this
   * call spent it, false when it was spent before, undefined when the store cannot tell (Redis down:
   * the instance's own set still holds).
   */
  spendShared?: (id: string, expiresAt: number) => Promise<boolean | undefined>;
}

interface Payload {
  v: 1;
  id: string;
  /** Expiry, epoch ms. */
  exp: number;
  tool: string;
  acct: string;
  args: string;
  sel: string;
}

export class Approvals {
  private readonly key: Buffer;
  readonly ttlMs: number;
  private readonly now: () => number;
  readonly maxRedeemed: number;
  /** Redeemed token ids and their expiry, in the order redeemed. */
  private readonly redeemed = new Map<string, number>();

  constructor(options: ApprovalOptions = {}) {
    // Its own key, derived: the session secret also signs session ids and in-request questions.
    this.key =
      options.secret === undefined
        ? randomBytes(32)
        : createHash('sha256').update(`approval\0${options.secret}`).digest();
    this.ttlMs = options.ttlMs ?? DEFAULT_APPROVAL_TTL_MS;
    this.now = options.now ?? Date.now;
    this.maxRedeemed = options.maxRedeemed ?? MAX_REDEEMED_APPROVALS;
    this.spendShared = options.spendShared;
  }

  private readonly spendShared: ApprovalOptions['spendShared'];

  /** A new token for this change. */
  issue(binding: ApprovalBinding): Approval {
    const exp = this.now() + this.ttlMs;
    const payload: Payload = {
      v: 1,
      id: randomBytes(16).toString('base64url'),
      exp,
      tool: binding.tool,
      ...this.digests(binding),
    };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return { token: `${body}.${this.sign(body)}`, expires_at: new Date(exp).toISOString() };
  }

  /**
   * Whether `token` approves this change; when it does, it is spent. Checked in an order that names the
   * most useful reason: a token that is not ours, then one that is stale, then what differs.
   */
  async redeem(
    token: string,
    binding: ApprovalBinding,
  ): Promise<{ ok: true } | { ok: false; reason: ApprovalRefusal }> {
    const payload = this.verified(token);
    if (typeof payload === 'string') return { ok: false, reason: payload };
    const now = this.now();
    if (payload.exp <= now) return { ok: false, reason: 'expired' };
    this.forgetExpired(now);
    if (this.redeemed.has(payload.id)) return { ok: false, reason: 'used' };
    if (payload.tool !== binding.tool) return { ok: false, reason: 'other_tool' };
    const digests = this.digests(binding);
    if (payload.acct !== digests.acct) return { ok: false, reason: 'other_account' };
    if (payload.args !== digests.args) return { ok: false, reason: 'arguments' };
    if (payload.sel !== digests.sel) return { ok: false, reason: 'selection' };
    if (this.redeemed.size >= this.maxRedeemed) return { ok: false, reason: 'busy' };
    // Spent here first: a second call with the same token on this instance, meanwhile, is refused.
    this.redeemed.set(payload.id, payload.exp);
    if ((await this.spendShared?.(payload.id, payload.exp)) === false) return { ok: false, reason: 'used' };
    return { ok: true };
  }

  /** The tool a well-signed token names (the review app's apply tool dispatches by it), else undefined. */
  toolOf(token: string): string | undefined {
    const payload = this.verified(token);
    return typeof payload === 'string' ? undefined : payload.tool;
  }

  private verified(token: string): Payload | 'malformed' | 'foreign' {
    const [body, signature, extra] = token.split('.');
    if (!body || !signature || extra !== undefined) return 'malformed';
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'foreign';
    try {
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
      return payload.v === 1 ? payload : 'malformed';
    } catch {
      return 'malformed';
    }
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(`token\0${body}`).digest('base64url');
  }

  /**
   * Keyed digests, so that the token, which the model reads, tells nothing of the account or the
   * contacts. The selection is sorted first: the same contacts found in another order are the same.
   */
  private digests({ account, args, selection, counts, shown = '' }: ApprovalBinding) {
    const digest = (label: string, ...parts: string[]) => {
      const mac = createHmac('sha256', this.key).update(`${label}\0`);
      for (const part of parts) mac.update(part).update('\0');
      return mac.digest('base64url').slice(0, 22); // 128 bits
    };
    return {
      acct: digest('account', account),
      args: digest('arguments', canonicalJson(args)),
      sel: digest('selection', canonicalJson(counts), shown, ...[...selection].sort()),
    };
  }

  /** Drops the redeemed ids whose tokens have expired (a spent token could not be reused by then). */
  private forgetExpired(now: number): void {
    for (const [id, exp] of this.redeemed) if (exp <= now) this.redeemed.delete(id);
  }
}

/** JSON with object keys sorted at every level: one text for one value, whatever order it was built in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Why a token was refused, as a clause: "the approval …". */
export function refusalReason(
  reason: ApprovalRefusal,
  { ttlMs, maxRedeemed }: Pick<Approvals, 'ttlMs' | 'maxRedeemed'>,
): string {
  switch (reason) {
    case 'malformed':
      return 'the approval given is not an approval token of this server';
    case 'foreign':
      return 'the approval given was not issued by this server (or by one sharing its MCP_HTTP_SESSION_SECRET)';
    case 'expired':
      return `the approval given has expired (an approval holds ${Math.round(ttlMs / 60_000)} minutes)`;
    case 'used':
      return 'the approval given has been used already (each approves one change, once)';
    case 'other_tool':
      return 'the approval given was issued for another tool';
    case 'other_account':
      return 'the approval given was issued for another account';
    case 'arguments':
      return 'the approval given was issued for other arguments';
    case 'selection':
      return 'the contacts this change selects, or their counts, are not those the approval was issued for: they changed since';
    case 'busy':
      return `this server has taken ${maxRedeemed} approvals within the last ${Math.round(ttlMs / 60_000)} minutes, the most it keeps track of; try again in a few minutes`;
  }
}
