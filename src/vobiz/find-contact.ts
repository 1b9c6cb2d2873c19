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
  return undefined;
}
