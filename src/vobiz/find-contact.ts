/**
 * Finding a contact by its exact phone number. The API has no such lookup, only `search` over names
 * and numbers, so the search is narrowed to the number and its results are matched exactly
 * (SEARCH_FINDS_FULL_PHONE_NUMBER in contract.ts).
 */
import type { CallOptions, VobizClient } from './client.js';
import { MAX_PAGE_SIZE } from './contract.js';
import type { Contact } from './schemas.js';

/** The lookup reads at most this many pages of search results (a full E.164 number matches few). */
const LOOKUP_MAX_PAGES = 5;

/**
 * The lookup read its pages without reaching the end of the results: whether a contact has the number
 * cannot be told. Never read as "no contact has it", which would turn into "create it" or "not applied".
 */
export class LookupIncompleteError extends Error {
  override readonly name = 'LookupIncompleteError';
  constructor(readonly phoneNumber: string) {
    super(
      `the search for ${phoneNumber} matched more than ${LOOKUP_MAX_PAGES * MAX_PAGE_SIZE} contacts, none of them with exactly that number, so whether a contact has it cannot be told`,
    );
  }
}

/** The contact with exactly this number; undefined when the search ended without it. */
export async function findContactByPhone(
  client: VobizClient,
  phoneNumber: string,
  call: CallOptions,
): Promise<Contact | undefined> {
  for (let page = 1; page <= LOOKUP_MAX_PAGES; page++) {
    const result = await client.listContacts({ search: phoneNumber, limit: MAX_PAGE_SIZE, page }, call);
    const match = result.items.find((item) => item.phone_number === phoneNumber);
    if (match || !result.has_more) return match;
  }
  throw new LookupIncompleteError(phoneNumber);
}
