/**
 * Finding the contacts of a segment: the narrowest filter the API can apply goes first (its `search`,
 * and one tag every match must carry), and the bounded scan (scan.ts) evaluates the rest contact by
 * contact. When several tags could narrow, one request of one contact per tag asks the API how many
 * carry each, and the scan reads the smallest list.
 */
import type { VobizClient } from '../vobiz/client.js';
import { scanContacts, type ApiFilter, type ScanOptions, type ScanReport } from './scan.js';
import { isEmptySegment, matchSegment, requiredTags, type Segment } from './segment.js';
import type { Contact } from '../vobiz/schemas.js';

/** Most tags asked about before a scan; a segment that requires more is narrowed by one of these. */
const MAX_PROBED_TAGS = 5;

export interface SegmentScanOptions extends Omit<ScanOptions, 'filter'> {
  /** The caller's own API filters (list_contacts' and tag_contacts' `search` and `tag`). */
  filter: ApiFilter;
  segment?: Segment | undefined;
  /** The moment the segment's ages count back from (epoch ms). */
  now: number;
  /** The API filter an earlier page of the same query chose (a cursor's): used as it is. */
  chosen?: ApiFilter | undefined;
}

export interface SegmentScanReport extends ScanReport {
  /** Contacts that matched, among those read. */
  matched: number;
  /** Contacts left out only because a date the segment needed was missing or unreadable. */
  undated: number;
  /** What the API filtered by. */
  apiFilter: ApiFilter;
  /** Requests that asked the API how many contacts carry each candidate tag. */
  probes: number;
}

/** Told each match once, in list order; returns true when it has what it needs. */
export type OnMatch = (contact: Contact, state: { total: number; matched: number }) => boolean | void;

export async function scanSegment(
  client: VobizClient,
  options: SegmentScanOptions,
  onMatch: OnMatch,
): Promise<SegmentScanReport> {
  const { filter, now, chosen } = options;
  // The caller's tag is a condition like tags_all's: checked on each contact whichever tag the API uses.
  const segment: Segment | undefined = isEmptySegment(options.segment)
    ? undefined
    : {
        ...options.segment,
        tags_all: [...(options.segment?.tags_all ?? []), ...(filter.tag ? [filter.tag] : [])],
      };
  const narrowed = chosen
    ? { apiFilter: chosen, probes: 0 }
    : await narrowestFilter(client, options, segment);
  const matcher = segment && matchSegment(segment, now);
  let matched = 0;
  const report = await scanContacts(client, { ...options, filter: narrowed.apiFilter }, (contact, state) => {
    if (matcher && !matcher.test(contact)) return false;
    matched++;
    return onMatch(contact, { ...state, matched });
  });
  return { ...report, matched, undated: matcher?.undated ?? 0, ...narrowed };
}

/** The caller's search, with the tag whose list is shortest among those every match carries. */
async function narrowestFilter(
  client: VobizClient,
  { filter, call }: SegmentScanOptions,
  segment: Segment | undefined,
): Promise<{ apiFilter: ApiFilter; probes: number }> {
  const candidates = [...new Set([...(filter.tag ? [filter.tag] : []), ...requiredTags(segment)])];
  const withTag = (tag: string | undefined): ApiFilter => ({
    ...(filter.search !== undefined && { search: filter.search }),
    ...(tag !== undefined && { tag }),
  });
  if (candidates.length <= 1) return { apiFilter: withTag(candidates[0]), probes: 0 };
  const probed = candidates.slice(0, MAX_PROBED_TAGS);
  try {
    const totals = await Promise.all(
      probed.map(
        async (tag) => (await client.listContacts({ ...withTag(tag), page: 1, limit: 1 }, call)).total,
      ),
    );
    const smallest = totals.indexOf(Math.min(...totals));
    return { apiFilter: withTag(probed[smallest]), probes: probed.length };
  } catch {
    // Not knowing which list is shortest costs only speed: any of them is correct. A cancel or the
    // deadline is met again, and reported, by the scan itself.
    return { apiFilter: withTag(probed[0]), probes: probed.length };
  }
}
