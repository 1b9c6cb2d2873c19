/**
 * Custom attributes from an import's columns (`attributes_from`). The CSV endpoint takes only phone,
 * name and tags, so these are written after the upload, one PUT per contact whose attributes change.
 * A PUT replaces the whole map, so each is the contact's current attributes with the file's values laid
 * over them — and a contact that already has them is not written: running the import again writes nothing.
 *
 * Keys are matched without regard to case, as segments read them (bulk/segment.ts): a column's key
 * (`city`, from "City") is written under the spelling the contact already has (`City`), under every
 * spelling when it has several, and as the column's key only when it has none — never as a second key
 * that differs only in case.
 *
 * The values wait on disk (attribute-spill.ts) and are read back one number at a time; the contacts are
 * found as find-existing.ts finds them; the writes are bounded by a pool.
 */
import type { CallOptions, VobizClient } from '../vobiz/client.js';
import { MAX_PAGE_SIZE } from '../vobiz/contract.js';
import type { Contact } from '../vobiz/schemas.js';
import type { AttributeSpill } from './attribute-spill.js';
import { findExisting } from './find-existing.js';

export type { AttributeWrite } from './attribute-spill.js';

/** What the attribute phase needs of the values: the numbers, and each number's values on demand. */
export type AttributeSource = Pick<AttributeSpill, 'size' | 'phones' | 'has' | 'valuesOf'>;

export interface AttributeOutcome {
  /** Contacts whose attributes were written. */
  written: number;
  /** Contacts that had the values already: not written. */
  unchanged: number;
  /**
   * Numbers with attributes not found when the contacts were read (their row failed, or the contact was
   * deleted, or the list changed while it was read).
   */
  notFound: number;
  failures: { row: number; phone_number: string; error: unknown }[];
  failed: number;
  /** Requests made, lookups and writes. */
  requests: number;
  cancelled: boolean;
  /** Why the contacts could not all be looked at, when they could not (a failed or endless listing). */
  incomplete?: unknown;
}

export interface AttributeOptions {
  concurrency: number;
  signal: AbortSignal;
  /** Options for each request (its own deadline). */
  call: () => CallOptions;
  onProgress: (done: number, total: number) => Promise<void> | void;
}

const MAX_KEPT_FAILURES = 50;

/**
 * About how many requests the writes will cost, for the dry run: the reads (the first page, then a
 * lookup per number or every other page, whichever is fewer, as writeAttributes chooses) and one PUT per
 * contact. A lookup in an account crowded with near matches may read a few pages more.
 */
export function attributeRequestEstimate(contacts: number, accountTotal: number): number {
  const pages = Math.ceil(accountTotal / MAX_PAGE_SIZE);
  const reads = contacts < pages ? 1 + contacts : Math.max(1, pages);
  return reads + contacts;
}

export async function writeAttributes(
  client: VobizClient,
  wanted: AttributeSource,
  { concurrency, signal, call, onProgress }: AttributeOptions,
): Promise<AttributeOutcome> {
  const outcome: AttributeOutcome = {
    written: 0,
    unchanged: 0,
    notFound: 0,
    failures: [],
    failed: 0,
    requests: 0,
    cancelled: false,
  };
  const seen = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let done = 0;
  /** One number dealt with, whichever way. */
  const advance = () => onProgress(++done, wanted.size);

  const fail = (row: number, phoneNumber: string, error: unknown) => {
    outcome.failed++;
    if (outcome.failures.length < MAX_KEPT_FAILURES) {
      outcome.failures.push({ row, phone_number: phoneNumber, error });
    }
  };

  const update = async (contact: Contact) => {
    let row = 0;
    try {
      const write = await wanted.valuesOf(contact.phone_number);
      if (!write) return;
      row = write.row;
      const merged = mergeAttributes(contact.custom_attributes, write.values);
      if (merged === undefined) {
        outcome.unchanged++;
      } else {
        outcome.requests++;
        await client.updateContact(contact.id, { custom_attributes: merged }, call());
        outcome.written++;
      }
    } catch (error) {
      fail(row, contact.phone_number, error);
    }
    await advance();
  };
  /** Starts an update when a slot is free; false once the caller cancelled. */
  const schedule = async (contact: Contact): Promise<boolean> => {
    seen.add(contact.phone_number);
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (signal.aborted) return false;
    const task = update(contact).finally(() => inFlight.delete(task));
    inFlight.add(task);
    return true;
  };

  const found = await findExisting(
    client,
    wanted,
    {
      found: schedule,
      unknown: async (phone, error) => {
        seen.add(phone);
        fail((await wanted.valuesOf(phone))?.row ?? 0, phone, error);
        await advance();
      },
    },
    { signal, call, onRequest: () => outcome.requests++ },
  );
  if (found.incomplete !== undefined) outcome.incomplete = found.incomplete;
  await Promise.all(inFlight);
  outcome.cancelled = signal.aborted;
  outcome.notFound = outcome.cancelled || outcome.incomplete ? 0 : wanted.size - seen.size;
  return outcome;
}

/**
 * The contact's attributes with the file's values laid over them, keys matched without regard to case;
 * undefined when the contact has every value already. A value goes under each key the contact spells
 * that way (`City` for `city`), or under the file's key when it has none.
 */
export function mergeAttributes(
  current: Readonly<Record<string, unknown>>,
  values: Readonly<Record<string, string>>,
): Record<string, unknown> | undefined {
  const spellings = new Map<string, string[]>();
  for (const key of Object.keys(current)) {
    const lower = key.toLowerCase();
    const known = spellings.get(lower);
    if (known) known.push(key);
    else spellings.set(lower, [key]);
  }
  const merged: Record<string, unknown> = { ...current };
  let changed = false;
  for (const [key, value] of Object.entries(values)) {
    for (const spelling of spellings.get(key.toLowerCase()) ?? [key]) {
      if (merged[spelling] !== value) {
        merged[spelling] = value;
        changed = true;
      }
    }
  }
  return changed ? merged : undefined;
}
