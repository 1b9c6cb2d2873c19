/**
 * Adding and removing tags on many contacts. The API replaces a contact's whole tag list on update,
 * so each change is a read-modify-write of that one contact, and a contact that already has the
 * result is not written at all: running the same change twice changes nothing the second time.
 */
import type { CallOptions, VobizClient } from '../vobiz/client.js';
import { VobizHttpError } from '../vobiz/errors.js';
import type { Contact } from '../vobiz/schemas.js';
import { forEachBounded } from './pool.js';
import type { ApiFilter, ScanOptions } from './scan.js';
import { scanSegment, type SegmentScanReport } from './segment-scan.js';
import { isEmptySegment, type Segment } from './segment.js';

export interface TagChange {
  add: readonly string[];
  remove: readonly string[];
}

/** The tag list after the change, or undefined when the contact already has the result. */
export function applyTagChange(tags: readonly string[], change: TagChange): string[] | undefined {
  const kept = tags.filter((tag) => !change.remove.includes(tag));
  const added = change.add.filter((tag) => !kept.includes(tag));
  if (kept.length === tags.length && added.length === 0) return undefined;
  return [...kept, ...added];
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
    { ...options, filter: selection.filter, segment: selection.segment },
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
  | { kind: 'failed'; id: string; error: unknown };

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
  return forEachBounded(
    targets,
    concurrency,
    async (target) => {
      await onOutcome(await retagOne(client, target, change, dryRun, call));
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
  if (listed && applyTagChange(listed.tags, change) === undefined) return { kind: 'unchanged', id };
  try {
    // The listed copy may be seconds old; a write starts from the contact as it is now.
    const current = dryRun && listed ? listed : await client.getContact(id, call);
    const after = applyTagChange(current.tags, change);
    if (after === undefined) return { kind: 'unchanged', id };
    const contact = dryRun
      ? { ...current, tags: after }
      : await client.updateContact(id, { tags: after }, call);
    return { kind: 'changed', contact, before: current.tags, after };
  } catch (error) {
    return { kind: 'failed', id, error };
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof VobizHttpError && error.status === 404;
}
