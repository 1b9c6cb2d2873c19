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
 * A 409 after an unknown outcome says the number is taken now, whatever a lookup before it found (a
 * search index may lag behind a create): the contact is read by the id the 409 names, and judged as above.
 * If it cannot be read, the result says the number is taken — most likely by the first attempt — never
 * that nothing was changed.
 */
import type { CallOptions, NewContact, VobizClient } from './client.js';
import { DUPLICATE_CONTACT_STATUS } from './contract.js';
import { VobizHttpError } from './errors.js';
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
  | { kind: 'lookup_failed'; error: unknown; lookupError: unknown }
  /**
   * After an attempt of unknown outcome (`cause`), a retry got a 409 (`conflict`): the number is taken
   * now, but the contact holding it could not be read (`lookupError` when reading it failed).
   */
  | { kind: 'taken'; cause: unknown; conflict: unknown; lookupError?: unknown };

/** How much earlier than our first attempt (on the API's clock) a contact may be dated and still be ours. */
const CLOCK_TOLERANCE_MS = 2_000;

export async function createContactOnce(
  client: VobizClient,
  contact: NewContact,
  call: CallOptions,
): Promise<CreateOutcome> {
  const firstAttemptAt = Date.now();
  let found: CreateOutcome | undefined;
  /** The first failure whose outcome was unknown: what a later 409 is weighed against. */
  let unknownCause: unknown;
  const settle: Settle<Contact> = async (failure) => {
    const conflict = isConflict(failure) ? failure : undefined;
    unknownCause ??= conflict ? undefined : failure;
    const cause = unknownCause ?? failure;
    let existing: Contact | undefined;
    try {
      existing = conflict
        ? await readConflicting(client, conflict, contact.phone_number, call)
        : await findContactByPhone(client, contact.phone_number, call);
    } catch (lookupError) {
      if (conflict) throw new NumberTaken(cause, conflict, lookupError);
      throw new LookupFailed(cause, lookupError);
    }
    // A 409 is the API's word that the number is taken: not finding the contact does not undo it.
    if (!existing && conflict) throw new NumberTaken(cause, conflict);
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
    if (error instanceof NumberTaken) {
      const { unknownAttempt: cause, conflict, lookupError } = error;
      return { kind: 'taken', cause, conflict, ...(lookupError !== undefined && { lookupError }) };
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

class NumberTaken extends Error {
  constructor(
    readonly unknownAttempt: unknown,
    readonly conflict: unknown,
    readonly lookupError?: unknown,
  ) {
    super('the number is taken, and the contact holding it could not be read');
  }
}

function isConflict(error: unknown): error is VobizHttpError {
  return error instanceof VobizHttpError && error.status === DUPLICATE_CONTACT_STATUS;
}

/**
 * The contact a 409 says holds the number: by the id it names (a read by id does not depend on a search
 * index that may lag behind a create), else by a lookup; undefined when neither finds it.
 */
async function readConflicting(
  client: VobizClient,
  conflict: VobizHttpError,
  phoneNumber: string,
  call: CallOptions,
): Promise<Contact | undefined> {
  const id = conflict.details.extra?.['existing_id'];
  if (typeof id === 'string' && id !== '') {
    try {
      const contact = await client.getContact(id, call);
      if (contact.phone_number === phoneNumber) return contact;
    } catch (error) {
      if (!(error instanceof VobizHttpError && error.status === 404)) throw error;
    }
  }
  return findContactByPhone(client, phoneNumber, call);
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
