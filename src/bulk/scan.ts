/**
 * Walking the contact list page by page — bounded, whatever the API answers. The walk stops, and says
 * why, when:
 * - the last page was read (`end`), or the caller had what it needed (`enough`);
 * - `maxScan` contacts were read, or a ceiling of pages derived from it was reached;
 * - the call's deadline came, or the caller cancelled;
 * - the API does not advance: it answers another page than the one asked for, a page that holds only
 *   contacts already read, an empty page while saying more follow, or keeps saying more follow past
 *   its own `total`;
 * - a request failed for good (after the client's retries).
 * A contact is given to the caller once, however often pages repeat it. What a page is assumed to be:
 * contract.ts, LIST_PAGES_ARE_POSITIONS.
 */
import type { CallOptions, VobizClient } from '../vobiz/client.js';
import { MAX_PAGE_SIZE } from '../vobiz/contract.js';
import { VobizCancelledError, VobizNetworkError } from '../vobiz/errors.js';
import { DEADLINE_CAUSE } from '../vobiz/retry.js';
import type { Contact, ContactPage } from '../vobiz/schemas.js';

/** What the API itself filters by: the narrowing done before any page reaches us. */
export interface ApiFilter {
  search?: string;
  tag?: string;
}

/** Where a scan stands in the filtered list, so that a later call can go on from there. */
export interface ScanPosition {
  /** How many contacts of the filtered list lie before the next one to read. */
  offset: number;
  /** The id of the last contact read: a later scan looks for it, in case the list has shifted. */
  lastId?: string;
  /** Contacts per page, as the API answered. */
  pageSize: number;
}

export type ScanStop =
  | 'end'
  | 'enough'
  | 'max_scan'
  | 'page_ceiling'
  | 'deadline'
  | 'cancelled'
  | 'not_advancing'
  | 'past_total'
  | 'api_error';

export interface ScanReport {
  /** Contacts read, each counted once. */
  scanned: number;
  /** The API's count of the contacts its filter selects, from the latest page. */
  total: number;
  /** List requests sent. */
  requests: number;
  stop: ScanStop;
  /** Every contact the API filter selects was read. */
  complete: boolean;
  /** For `not_advancing` and `past_total`: what the API did, in words. */
  detail?: string;
  /** For `api_error`: the failure. */
  error?: unknown;
  /** Where a further scan would start. */
  position: ScanPosition;
  /** A resumed scan did not find its last contact where it was: the list changed in between. */
  shifted: boolean;
}

export interface ScanOptions {
  filter: ApiFilter;
  maxScan: number;
  /** The signal and the one deadline of the tool call (client.startCall). */
  call: CallOptions & { deadline: number };
  /** Go on from a position a previous scan reported. */
  from?: ScanPosition;
  /** Told after each page that more pages follow (for progress notifications). */
  onPage?: (state: { scanned: number; total: number }) => Promise<void> | void;
}

/** Told each contact once, in list order; returns true when it has what it needs. */
export type Visit = (contact: Contact, state: { total: number }) => boolean | void;

/** Pages allowed beyond what maxScan needs: the re-read page of a resumed scan, a short page or two. */
const PAGE_SLACK = 3;

export async function scanContacts(
  client: VobizClient,
  options: ScanOptions,
  visit: Visit,
): Promise<ScanReport> {
  const { filter, maxScan, call, from } = options;
  let pageSize = from?.pageSize ?? MAX_PAGE_SIZE;
  let offset = from?.offset ?? 0;
  let lastId = from?.lastId;
  // A resumed scan reads again the page that holds the last contact read, to find it there.
  let page = offset > 0 ? Math.floor((offset - 1) / pageSize) + 1 : 1;
  let skip = offset - (page - 1) * pageSize;
  let resuming = offset > 0 && lastId !== undefined;
  let scanned = 0;
  let total = 0;
  let requests = 0;
  let shifted = false;
  const seen = new Set<string>();
  const done = (stop: ScanStop, more: { detail?: string; error?: unknown } = {}): ScanReport => ({
    scanned,
    total,
    requests,
    stop,
    complete: stop === 'end',
    ...more,
    position: { offset, ...(lastId !== undefined && { lastId }), pageSize },
    shifted,
  });

  for (;;) {
    if (call.signal?.aborted) return done('cancelled');
    if (Date.now() >= call.deadline) return done('deadline');
    if (requests >= Math.ceil(maxScan / pageSize) + PAGE_SLACK) {
      return done('page_ceiling', { detail: `${requests} pages read without reaching the end` });
    }
    let result: ContactPage;
    try {
      result = await client.listContacts({ ...filter, page, limit: pageSize }, call);
    } catch (error) {
      if (error instanceof VobizCancelledError || call.signal?.aborted) return done('cancelled');
      if (error instanceof VobizNetworkError && error.causeCode === DEADLINE_CAUSE) return done('deadline');
      return done('api_error', { error });
    }
    requests++;
    total = result.total;
    const { items } = result;

    if (result.page !== page) {
      return done('not_advancing', {
        detail: `asked for page ${page}, the API answered page ${result.page}`,
      });
    }
    if (result.limit !== pageSize || items.length > result.limit) {
      // An API that caps pages lower than asked is followed, if it says so on the first page.
      if (requests === 1 && offset === 0 && result.limit < pageSize && items.length <= result.limit) {
        pageSize = result.limit;
      } else {
        const answered = `${items.length} contacts and limit ${result.limit}`;
        return done('not_advancing', {
          detail: `asked for ${pageSize} per page, the API answered ${answered}`,
        });
      }
    }
    if (resuming) {
      resuming = false;
      if (items[skip - 1]?.id !== lastId) {
        const found = items.findIndex((contact) => contact.id === lastId);
        if (found === -1) shifted = true;
        else skip = found + 1;
      }
    }

    let enough = false;
    let fresh = 0;
    let index = skip;
    for (; index < items.length && scanned < maxScan && !enough; index++) {
      const contact = items[index]!;
      offset = (page - 1) * pageSize + index + 1;
      if (seen.has(contact.id)) continue;
      seen.add(contact.id);
      fresh++;
      scanned++;
      lastId = contact.id;
      if (visit(contact, { total }) === true) enough = true;
    }
    const pageRead = index >= items.length;
    if (pageRead && !result.has_more) return done('end');
    if (enough) return done('enough');
    if (!pageRead) return done('max_scan');
    if (items.length > skip && fresh === 0) {
      return done('not_advancing', { detail: `page ${page} held only contacts already read` });
    }
    if (items.length === 0) {
      return done('not_advancing', { detail: `page ${page} was empty, yet the API said more pages follow` });
    }
    if ((page - 1) * pageSize + items.length >= total) {
      return done('past_total', {
        detail: `the API said more pages follow after page ${page}, past its own total of ${total}`,
      });
    }
    if (scanned >= maxScan) return done('max_scan');
    await options.onPage?.({ scanned, total });
    page++;
    skip = 0;
  }
}
