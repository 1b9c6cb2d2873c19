/**
 * Creating a contact without ever creating it twice, and without claiming more than the API's state shows.
 *
 * POST /contacts is not safe to repeat: an attempt whose outcome is unknown (a 5xx, a timeout, a dropped
 * connection, an unreadable answer) may have been applied. So after one — and after any failure that
 * follows one, such as a 409 from an attempt that landed late — the retry policy lets `settle` look the
 * number up (retry.ts), and the POST is sent again only if the number is not there. When it is there:
 * - as sent, and created no earlier than this call's first attempt (on the API's clock, read from its
 *   `Date` header): an earlier attempt of this call created it;
 * - created before this call, or not as sent: it existed already (what a 409 would have said);
 * - as sent, but when it was created cannot be told (no `created_at`, no `Date`): it says so.
 */
import type { CallOptions, NewContact, VobizClient } from './client.js';
import { findContactByPhone } from './find-contact.js';
import type { Settle } from './retry.js';
import type { Contact } from './schemas.js';

export type CreateOutcome =
  /** Created by this call: Vobiz confirmed it, or (`confirmedBy: 'lookup'`) a lookup after an unknown outcome showed it. */
  | { kind: 'created'; contact: Contact; confirmedBy: 'answer' | 'lookup'; cause?: unknown }
  /** After an unknown outcome, the lookup found the number on a contact that existed before this call. */
  | { kind: 'existed'; contact: Contact; cause: unknown }
  /** After an unknown outcome, the lookup found the contact as sent, but not when it was created. */
  | { kind: 'unclear'; contact: Contact; cause: unknown }
  /** Not created; the error's retry record says whether a lookup showed that nothing was applied. */
  | { kind: 'failed'; error: unknown }
  /** An attempt's outcome was unknown and the lookup that should have told failed too. */
  | { kind: 'lookup_failed'; error: unknown; lookupError: unknown };

/** How much earlier than our first attempt (on the API's clock) a contact may be dated and still be ours. */
const CLOCK_TOLERANCE_MS = 2_000;

export async function createContactOnce(
  client: VobizClient,
  contact: NewContact,
  call: CallOptions,
): Promise<CreateOutcome> {
  const firstAttemptAt = Date.now();
  let found: CreateOutcome | undefined;
  const settle: Settle<Contact> = async (cause) => {
    let existing: Contact | undefined;
    try {
      existing = await findContactByPhone(client, contact.phone_number, call);
    } catch (lookupError) {
      throw new LookupFailed(cause, lookupError);
    }
    if (!existing) return { applied: false };
    const offset = client.serverClockOffsetMs();
    const kind = judge(existing, contact, offset === undefined ? undefined : firstAttemptAt + offset);
    found =
      kind === 'created'
        ? { kind, contact: existing, confirmedBy: 'lookup', cause }
        : { kind, contact: existing, cause };
    return { applied: true, result: existing };
  };
  try {
    const created = await client.createContact(contact, call, settle);
    return found ?? { kind: 'created', contact: created, confirmedBy: 'answer' };
  } catch (error) {
    if (error instanceof LookupFailed) {
      return { kind: 'lookup_failed', error: error.attemptError, lookupError: error.lookupError };
    }
    return { kind: 'failed', error };
  }
}

class LookupFailed extends Error {
  constructor(
    readonly attemptError: unknown,
    readonly lookupError: unknown,
  ) {
    super('the lookup after an unknown outcome failed');
  }
}

/** Whose is the contact found under the number: this call's, one that existed before, or unknown. */
function judge(found: Contact, sent: NewContact, firstAttemptOnApiClock: number | undefined) {
  if (!matchesSent(found, sent)) return 'existed' as const;
  const createdAt = found.created_at === undefined ? NaN : Date.parse(found.created_at);
  if (Number.isNaN(createdAt) || firstAttemptOnApiClock === undefined) return 'unclear' as const;
  return createdAt >= firstAttemptOnApiClock - CLOCK_TOLERANCE_MS
    ? ('created' as const)
    : ('existed' as const);
}

/** Whether a contact found by phone number is the one that was sent (the API may add to it, not differ). */
function matchesSent(found: Contact, sent: NewContact): boolean {
  if (found.name !== sent.name) return false;
  const foundTags = new Set(found.tags); // a Set: both lists may be long
  if (!(sent.tags ?? []).every((tag) => foundTags.has(tag))) return false;
  return Object.entries(sent.custom_attributes ?? {}).every(
    ([key, value]) =>
      Object.hasOwn(found.custom_attributes, key) &&
      JSON.stringify(found.custom_attributes[key]) === JSON.stringify(value),
  );
}
