/**
 * Finding the account's contacts among an import's phone numbers, for the phases that look at the
 * contacts an import touches (the attribute writes, the count of changes a confirmation asks about).
 * The contacts are found by paging through the account once, at the page size the API answers, or,
 * when the numbers are fewer than the pages, by a lookup per number — whichever costs fewer requests.
 * Every loop is bounded: the pages by the account's total (and stop when a page does not advance).
 */
import type { CallOptions, VobizClient } from '../vobiz/client.js';
import { MAX_PAGE_SIZE } from '../vobiz/contract.js';
import { findContactByPhone, LookupIncompleteError } from '../vobiz/find-contact.js';
import type { Contact } from '../vobiz/schemas.js';

/** The numbers looked for. */
export interface PhoneSet {
  readonly size: number;
  phones(): Iterable<string>;
  has(phone: string): boolean;
}

export interface FindOptions {
  signal: AbortSignal;
  /** Options for each request (its own deadline). */
  call: () => CallOptions;
  /** Counts each request made. */
  onRequest: () => void;
}

export interface FoundVisitor {
  /** A contact holding one of the numbers, once per number; false stops the walk (the caller cancelled). */
  found(contact: Contact): Promise<boolean> | boolean;
  /** A lookup that could not tell (a search too crowded): this number only is unknown. */
  unknown(phone: string, error: LookupIncompleteError): Promise<void> | void;
}

/**
 * Visits the contacts holding the numbers; resolves with why not every contact could be looked at,
 * when that is so (a failed request, a page that does not advance or is not the size it should be).
 */
export async function findExisting(
  client: VobizClient,
  numbers: PhoneSet,
  visitor: FoundVisitor,
  { signal, call, onRequest }: FindOptions,
): Promise<{ incomplete?: unknown }> {
  const seen = new Set<string>();
  const visit = async (contact: Contact): Promise<boolean> => {
    if (!numbers.has(contact.phone_number) || seen.has(contact.phone_number)) return true;
    seen.add(contact.phone_number);
    return visitor.found(contact);
  };
  try {
    onRequest();
    const first = await client.listContacts({ page: 1, limit: MAX_PAGE_SIZE }, call());
    // An API that serves fewer per page than asked says so in `limit` (contract.ts,
    // LIST_PAGES_ARE_POSITIONS): pages are counted, and asked for, at that size.
    const pageSize = first.limit >= 1 && first.limit < MAX_PAGE_SIZE ? first.limit : MAX_PAGE_SIZE;
    const pages = Math.ceil(first.total / pageSize);
    if (numbers.size < pages) {
      // Few numbers in a large account: one lookup each beats reading every page.
      for (const phone of numbers.phones()) {
        if (signal.aborted) break;
        onRequest();
        let contact: Contact | undefined;
        try {
          contact = await findContactByPhone(client, phone, call());
        } catch (error) {
          // A search too crowded to tell fails this number only; any other failure ends the walk.
          if (!(error instanceof LookupIncompleteError)) throw error;
          await visitor.unknown(phone, error);
          continue;
        }
        if (contact && !(await visit(contact))) break;
      }
      return {};
    }
    let page = first;
    let previousFirstId: string | undefined;
    for (let number = 1; number <= pages; number++) {
      if (number > 1) {
        if (signal.aborted) break;
        onRequest();
        page = await client.listContacts({ page: number, limit: pageSize }, call());
      }
      // Pages are positions: one holding more than its size, or fewer while more follow, would shift
      // every later page and skip contacts. Stop, and say so, rather than report them as not found.
      if (page.items.length > pageSize || (page.has_more && page.items.length < pageSize)) {
        return {
          incomplete: new Error(
            `page ${number} of the contact list held ${page.items.length} contacts where ${pageSize} were expected`,
          ),
        };
      }
      // An upstream that ignores `page` would serve the same page for ever: stop, and say so.
      const firstId = page.items[0]?.id;
      if (page.items.length === 0) break;
      if (firstId === previousFirstId) {
        return {
          incomplete: new Error(
            `the contact list did not advance at page ${number} (the API repeated a page)`,
          ),
        };
      }
      previousFirstId = firstId;
      let go = true;
      for (const contact of page.items) if (!(go = await visit(contact))) break;
      if (!go || !page.has_more) break;
    }
    return {};
  } catch (error) {
    return { incomplete: error };
  }
}
