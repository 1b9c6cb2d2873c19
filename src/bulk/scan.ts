/**
 * Walking the contact list page by page — bounded, whatever the API answers. The walk stops, and says
 * why, when:
 * - the last page was read (`end`), or the caller had what it needed (`enough`);
 * - `maxScan` contacts were read, or a ceiling of pages derived from it was reached;
 * - the call's deadline came, or the caller cancelled;
 * - the API does not advance: it answers another page than the one asked for, a page that holds only
 *   contacts already read, an empty or short page while saying more follow, or keeps saying more follow
 *   past its own `total`;
 * - the API says no page follows while its `total` counts more contacts than its pages held
 *   (`short_of_total`), or the list shrank while it was read (`list_changed`): neither is complete.
 * - a request failed for good (after the client's retries).
 * A contact is given to the caller once, however often pages repeat it. What a page is assumed to be:
 * contract.ts, LIST_PAGES_ARE_POSITIONS.
 */
import { setMaxListeners } from 'node:events';
import type { CallOptions, VobizClient } from '../vobiz/client.js';
import { MAX_PAGE_SIZE } from '../vobiz/contract.js';
import { linkedController } from '../vobiz/abort.js';
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
  | 'short_of_total'
  | 'list_changed'
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
  /** Pages read at once at most; default the account's ceiling (client.pace). */
  concurrency?: number;
  /**
   * The caller reads every page unless the scan itself stops (list_tags, the selection of tag_contacts):
   * pages are read ahead at full width from the second on, instead of two at first.
   */
  readsToEnd?: boolean;
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
  const concurrency = Math.max(1, options.concurrency ?? client.pace.ceiling);
  let pageSize = from?.pageSize ?? MAX_PAGE_SIZE;
  let offset = from?.offset ?? 0;
  let lastId = from?.lastId;
  // A resumed scan reads again the page that holds the last contact read, to find it there.
  let page = offset > 0 ? Math.floor((offset - 1) / pageSize) + 1 : 1;
  const firstPage = page;
  let skip = offset - (page - 1) * pageSize;
  let resuming = offset > 0 && lastId !== undefined;
  let scanned = 0;
  let total = 0;
  /** The smallest total any page gave: a later page counting fewer means contacts were deleted. */
  let leastTotal = Infinity;
  let firstTotal: number | undefined;
  let pagesRead = 0;
  let shifted = false;
  const seen = new Set<string>();
  const reader = new PageReader(client, filter, call, options.readsToEnd ? concurrency : 2);
  const done = async (
    stop: ScanStop,
    more: { detail?: string; error?: unknown } = {},
  ): Promise<ScanReport> => {
    await reader.stop({ abort: stop === 'cancelled' || stop === 'deadline' });
    return {
      scanned,
      total,
      requests: reader.requests,
      stop,
      complete: stop === 'end',
      ...more,
      position: { offset, ...(lastId !== undefined && { lastId }), pageSize },
      shifted,
    };
  };

  for (;;) {
    if (call.signal?.aborted) return done('cancelled');
    if (Date.now() >= call.deadline) return done('deadline');
    if (pagesRead >= Math.ceil(maxScan / pageSize) + PAGE_SLACK) {
      return done('page_ceiling', { detail: `${pagesRead} pages read without reaching the end` });
    }
    const read = await reader.read(page, pageSize);
    if (!read.ok) {
      const { error } = read;
      if (error instanceof VobizCancelledError || call.signal?.aborted) return done('cancelled');
      if (error instanceof VobizNetworkError && error.causeCode === DEADLINE_CAUSE) return done('deadline');
      return done('api_error', { error });
    }
    const result = read.page;
    pagesRead++;
    total = result.total;
    firstTotal ??= total;
    leastTotal = Math.min(leastTotal, total);
    const { items } = result;

    if (result.page !== page) {
      return done('not_advancing', {
        detail: `asked for page ${page}, the API answered page ${result.page}`,
      });
    }
    if (result.limit !== pageSize || items.length > result.limit) {
      // An API that caps pages lower than asked is followed, if it says so on the first page.
      if (pagesRead === 1 && offset === 0 && result.limit < pageSize && items.length <= result.limit) {
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
    const reached = (page - 1) * pageSize + items.length;
    if (pageRead && !result.has_more) {
      // The API's count is the check on its pages: a page cut short, or an end declared early, leaves
      // contacts it counts unread. (A scan that started mid-list can only check the positions.)
      const held = firstPage === 1 && !from ? seen.size : reached;
      if (held < total) {
        return done('short_of_total', {
          detail: `the API said no page follows page ${page}, yet counts ${total} contacts, of which its pages held ${held}`,
        });
      }
      // Pages are positions: a contact deleted while the list was read moves the ones after it to an
      // earlier page, which may have been read already. Only a list that did not shrink was read whole.
      if (leastTotal < firstTotal) {
        return done('list_changed', {
          detail: `${firstTotal - leastTotal} contacts were deleted while the list was read (${firstTotal} → ${leastTotal})`,
        });
      }
      return done('end');
    }
    if (enough) return done('enough');
    if (!pageRead) return done('max_scan');
    if (items.length > skip && fresh === 0) {
      return done('not_advancing', { detail: `page ${page} held only contacts already read` });
    }
    if (items.length === 0) {
      return done('not_advancing', { detail: `page ${page} was empty, yet the API said more pages follow` });
    }
    if (reached >= total) {
      return done('past_total', {
        detail: `the API said more pages follow after page ${page}, past its own total of ${total}`,
      });
    }
    if (scanned >= maxScan) return done('max_scan');
    // The pages this scan can still need, by the API's count and by max_scan, are read side by side.
    const lastByTotal = Math.ceil(total / pageSize);
    const lastByMaxScan = firstPage + Math.ceil((skip + maxScan) / pageSize) - 1;
    reader.readAhead(page + 1, Math.min(lastByTotal, lastByMaxScan), pageSize, concurrency);
    await options.onPage?.({ scanned, total });
    page++;
    skip = 0;
  }
}

type PageRead = { ok: true; page: ContactPage } | { ok: false; error: unknown };

/**
 * The list requests of one scan. A page is read when the scan needs it, or earlier, side by side with
 * others, once the scan knows it will need it: a whole-account scan then takes (pages ÷ concurrency)
 * round trips instead of one per page. The pages read ahead start at two and double with each page
 * the scan uses, so that a scan that has what it needs after a page or two (list_contacts) asks for
 * little it will not use. Every read goes through the account's pace like any request.
 */
class PageReader {
  /** List requests answered (a read cancelled before it was sent is not one). */
  requests = 0;
  private readonly pending = new Map<number, Promise<PageRead>>();
  private readonly reading: ReturnType<typeof linkedController>;

  constructor(
    private readonly client: VobizClient,
    private readonly filter: ApiFilter,
    private readonly call: CallOptions & { deadline: number },
    /** Pages read ahead next time; it doubles with each page used, up to the concurrency. */
    private ahead: number,
  ) {
    this.reading = linkedController([call.signal]);
    // Every page in flight listens to it: 32 at once is the design, not the leak Node warns of past 10.
    setMaxListeners(0, this.reading.signal);
  }

  read(page: number, limit: number): Promise<PageRead> {
    const pending = this.pending.get(page);
    this.pending.delete(page);
    return pending ?? this.send(page, limit);
  }

  /** Starts reading pages from `first` to at most `last` that are not being read yet. */
  readAhead(first: number, last: number, limit: number, concurrency: number): void {
    const until = Math.min(last, first + this.ahead - 1);
    for (let page = first; page <= until; page++) {
      if (!this.pending.has(page)) this.pending.set(page, this.send(page, limit));
    }
    this.ahead = Math.min(concurrency, this.ahead * 2);
  }

  /**
   * Ends the scan's reads: the pages read ahead that it will not use are let finish (they are a round
   * trip at most, and so the report counts every request that reached the API), or aborted when the
   * call was cancelled or ran out of time.
   */
  async stop({ abort }: { abort: boolean }): Promise<void> {
    if (abort) this.reading.abort();
    await Promise.all(this.pending.values());
    this.reading.unlink();
    this.pending.clear();
  }

  private send(page: number, limit: number): Promise<PageRead> {
    return this.client
      .listContacts({ ...this.filter, page, limit }, { ...this.call, signal: this.reading.signal })
      .then(
        (answer): PageRead => {
          this.requests++;
          return { ok: true, page: answer };
        },
        (error: unknown): PageRead => {
          if (!(error instanceof VobizCancelledError)) this.requests++;
          return { ok: false, error };
        },
      );
  }
}
