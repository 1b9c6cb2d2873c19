/**
 * Adding and removing tags on many contacts. The API replaces a contact's whole tag list on update,
 * so each change writes the contact's list as read plus the change, and a contact that already has
 * the result is not written at all: running the same change twice changes nothing the second time.
 */
import type { CallOptions, VobizClient } from '../vobiz/client.js';
import { VobizHttpError } from '../vobiz/errors.js';
import { BULK_PRIORITY } from '../vobiz/pace.js';
import type { Contact } from '../vobiz/schemas.js';
import { forEachBounded } from './pool.js';
import type { ApiFilter, ScanOptions } from './scan.js';
import { scanSegment, type SegmentScanReport } from './segment-scan.js';
import { isEmptySegment, type Segment } from './segment.js';

export interface TagChange {
  add: readonly string[];
  remove: readonly string[];
}

/**
 * The tag list after the change, or undefined when the contact already has the result. Linear in the
 * lengths of both lists: a change of 100,000 tags costs what it reads, not its square.
 */
export function applyTagChange(tags: readonly string[], change: TagChange): string[] | undefined {
  const removing = new Set(change.remove);
  const kept = tags.filter((tag) => !removing.has(tag));
  const present = new Set(kept);
  const added: string[] = [];
  for (const tag of change.add) {
    if (present.has(tag)) continue;
    present.add(tag);
    added.push(tag);
  }
  if (kept.length === tags.length && added.length === 0) return undefined;
  return [...kept, ...added];
}

/** Whether a contact as the API answered a write carries the change: every tag added, none removed. */
export function carriesTagChange(tags: readonly string[], change: TagChange): boolean {
  const present = new Set(tags);
  return change.add.every((tag) => present.has(tag)) && !change.remove.some((tag) => present.has(tag));
}

/** By ids, or by filters: the API's own (search, one tag) and a segment evaluated over its pages. */
export type Selection = { ids: readonly string[] } | { filter: ApiFilter; segment?: Segment | undefined };

export interface Target {
  id: string;
  /** What the list showed: enough to skip contacts that need no change without reading them again. */
  listed?: Contact;
}

export type SelectResult =
  | { kind: 'targets'; targets: Target[]; scan?: SegmentScanReport }
  /** More than maxContacts match: `matched` of them, or at least that many when the scan was cut short. */
  | { kind: 'too_many'; matched: number; exact: boolean; scan?: SegmentScanReport };

export interface SelectOptions {
  /** The tool call's signal and deadline, for the whole scan. */
  call: CallOptions & { deadline: number };
  maxScan: number;
  /** The moment the segment's ages count back from. */
  now: number;
  onPage?: ScanOptions['onPage'];
}

/**
 * The contacts a selection names. A filter is scanned to the end *before* anything is written: removing
 * the very tag a filter selects by would otherwise shift the pages under the walk. The scan is bounded
 * (scan.ts) and its report says whether it read every contact in scope.
 */
export async function selectTargets(
  client: VobizClient,
  selection: Selection,
  maxContacts: number,
  options: SelectOptions,
): Promise<SelectResult> {
  if ('ids' in selection) {
    const ids = [...new Set(selection.ids)];
    return ids.length > maxContacts
      ? { kind: 'too_many', matched: ids.length, exact: true }
      : { kind: 'targets', targets: ids.map((id) => ({ id })) };
  }
  const targets: Target[] = [];
  const everyone = isEmptySegment(selection.segment);
  let countedByApi: number | undefined;
  const scan = await scanSegment(
    client,
    { ...options, filter: selection.filter, segment: selection.segment, readsToEnd: true },
    (contact, { total, matched }) => {
      // Without a segment every contact the API selects matches: its total is the count, from page 1.
      if (everyone && total > maxContacts) {
        countedByApi = total;
        return true;
      }
      if (matched <= maxContacts) targets.push({ id: contact.id, listed: contact });
    },
  );
  if (countedByApi !== undefined) return { kind: 'too_many', matched: countedByApi, exact: true, scan };
  if (scan.matched > maxContacts)
    return { kind: 'too_many', matched: scan.matched, exact: scan.complete, scan };
  return { kind: 'targets', targets, scan };
}

export type TargetOutcome =
  | { kind: 'changed'; contact: Contact; before: string[]; after: string[] }
  | { kind: 'unchanged'; id: string }
  | { kind: 'failed'; id: string; error: unknown }
  /** The API accepted the write, but the contact it answered with does not carry the change. */
  | { kind: 'not_applied'; id: string; tags: string[] };

export interface RetagOptions {
  dryRun: boolean;
  concurrency: number;
  call: CallOptions;
  /** Checked before each contact is started: a cancelled run stops starting new ones. */
  shouldStop: () => boolean;
  onOutcome: (outcome: TargetOutcome) => Promise<void> | void;
}

export async function retagTargets(
  client: VobizClient,
  targets: readonly Target[],
  change: TagChange,
  { dryRun, concurrency, call, shouldStop, onOutcome }: RetagOptions,
): Promise<{ started: number }> {
  // The writes queue behind what interactive calls of the account wait on (pace.ts).
  const bulk = { ...call, priority: BULK_PRIORITY };
  return forEachBounded(
    targets,
    concurrency,
    async (target) => {
      await onOutcome(await retagOne(client, target, change, dryRun, bulk));
    },
    shouldStop,
  );
}

async function retagOne(
  client: VobizClient,
  target: Target,
  change: TagChange,
  dryRun: boolean,
  call: CallOptions,
): Promise<TargetOutcome> {
  const { id, listed } = target;
  try {
    // One request per contact changed: the filter's pages were the read. Reading each contact again
    // before its write doubled the requests (and the time, at the account's rate) to guard only
    // against a tag set by someone else in the seconds since its page was read — which the API, with no
    // conditional update, cannot rule out anyway. A selection by ids has no listed copy: the API
    // replaces the whole tag list, so the write needs the tags the contact keeps, and it is read.
    const current = listed ?? (await client.getContact(id, call));
    const after = applyTagChange(current.tags, change);
    if (after === undefined) return { kind: 'unchanged', id };
    if (dryRun) return { kind: 'changed', contact: { ...current, tags: after }, before: current.tags, after };
    const contact = await client.updateContact(id, { tags: after }, call);
    // A 200 is not the evidence: the contact it answers with is.
    if (!carriesTagChange(contact.tags, change)) return { kind: 'not_applied', id, tags: contact.tags };
    return { kind: 'changed', contact, before: current.tags, after };
  } catch (error) {
    return { kind: 'failed', id, error };
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof VobizHttpError && error.status === 404;
}
