/**
 * How a scan is reported, the same way by every tool that scans: what was read and matched, whether
 * that was every contact in scope, and — when it stopped early — why, in a sentence a model can act on.
 */
import { z } from 'zod';
import type { ApiFilter } from '../bulk/scan.js';
import type { SegmentScanReport } from '../bulk/segment-scan.js';
import { renderText } from '../render.js';
import { describeCause } from './results.js';

/** The ends of a scan that leave contacts unread for a reason other than the caller's own. */
const EARLY_STOPS = [
  'max_scan',
  'page_ceiling',
  'deadline',
  'cancelled',
  'not_advancing',
  'past_total',
  'short_of_total',
  'list_changed',
  'api_error',
] as const;
type EarlyStop = (typeof EARLY_STOPS)[number];

export const scanOutput = z.object({
  scanned: z.number().int().describe('Contacts read.'),
  total: z.number().int().describe('Contacts the API filter selects: what a whole scan reads.'),
  matched: z.number().int().describe('Contacts read that match the filters.'),
  complete: z.boolean().describe('Whether all of them were read; if not, counts are lower bounds.'),
  stopped: z.enum(EARLY_STOPS).optional().describe('Why the scan ended before the last page.'),
  reason: z.string().optional().describe('The same, in words.'),
  api_filter: z
    .object({ search: z.string().optional(), tag: z.string().optional() })
    .optional()
    .describe('What the API filtered by before the scan; absent: nothing, every contact was read.'),
});
export type ScanOutput = z.infer<typeof scanOutput>;

function isEarly(stop: string): stop is EarlyStop {
  return (EARLY_STOPS as readonly string[]).includes(stop);
}

/** Why the scan stopped before the last page, as a clause; undefined when it did not. */
export function scanStopReason(report: SegmentScanReport): string | undefined {
  const read = `${report.scanned} of ${report.total} contacts`;
  switch (report.stop) {
    case 'end':
    case 'enough':
      return undefined;
    case 'max_scan':
      return `it reached max_scan after ${read}`;
    case 'page_ceiling':
      return `it reached its page limit: ${report.detail}`;
    case 'deadline':
      return `the call's time budget (VOBIZ_DEADLINE_MS) ran out after ${read}`;
    case 'cancelled':
      return 'the call was cancelled';
    case 'not_advancing':
      return `the API's pages do not advance: ${report.detail}`;
    case 'past_total':
    case 'short_of_total':
      return `the API's paging contradicts itself: ${report.detail}`;
    case 'list_changed':
      return `the account changed while it was read: ${report.detail}, so contacts after them moved to pages already read and may have been missed`;
    case 'api_error':
      return `a list request failed: ${describeCause(report.error)}`;
  }
}

/**
 * What a caller can do about an early stop, as a sentence; `narrow` names the tool's own way to make the
 * scan smaller ("search or tag").
 */
function stopAdvice(report: SegmentScanReport, narrow: string): string {
  switch (report.stop) {
    case 'max_scan':
      return `Raise max_scan (to ${Math.max(report.total, report.scanned + 1)} for all of them), or narrow with ${narrow}.`;
    case 'deadline':
      return `Narrow with ${narrow}, or raise VOBIZ_DEADLINE_MS.`;
    case 'api_error':
      return 'Try again in a little while.';
    case 'cancelled':
      return '';
    case 'list_changed':
      return 'Run it again once the account is quiet.';
    default:
      return `The API is misbehaving: try again later, or narrow with ${narrow}.`;
  }
}

/** "Stopped early: <why> — <consequence>. <what to do>", or '' when the scan read everything it meant to. */
export function earlyStopText(report: SegmentScanReport, consequence: string, narrow: string): string {
  const reason = scanStopReason(report);
  return reason
    ? `Stopped early: ${reason}${consequence ? ` — ${consequence}` : ''}. ${stopAdvice(report, narrow)}`.trim()
    : '';
}

export function scanOutputOf(report: SegmentScanReport): ScanOutput {
  const reason = scanStopReason(report);
  return {
    scanned: report.scanned,
    total: report.total,
    matched: report.matched,
    complete: report.complete,
    ...(isEarly(report.stop) && { stopped: report.stop }),
    ...(reason !== undefined && { reason }),
    ...(Object.keys(report.apiFilter).length > 0 && { api_filter: report.apiFilter }),
  };
}

/** `API filter tag=vip search="rah"`, or `no API filter` when the API was asked for every contact. */
function apiFilterText(filter: ApiFilter): string {
  const parts = [
    filter.tag !== undefined && `tag=${renderText(filter.tag, { quote: 'unless-plain', max: 64 })}`,
    filter.search !== undefined && `search=${renderText(filter.search, { max: 64 })}`,
  ].filter(Boolean);
  return parts.length > 0 ? `API filter ${parts.join(' ')}` : 'no API filter';
}

/** "read 1456 of 1456 contacts (API filter tag=vip)". */
export function scanSummary(report: SegmentScanReport): string {
  return `read ${report.scanned} of ${report.total} contacts (${apiFilterText(report.apiFilter)})`;
}

/** Facts about the scan the model should pass on, though it did its work: `warnings` of a result. */
export function withScanWarnings(report: SegmentScanReport, more: string[] = []): { warnings?: string[] } {
  const warnings = [
    ...more,
    report.undated > 0 &&
      `${report.undated} contacts had no readable created_at or last_active_at for a date condition and were left out.`,
    report.shifted &&
      'The list changed since the previous page (contacts added or deleted): some may be skipped or shown twice.',
  ].filter((warning): warning is string => typeof warning === 'string');
  return warnings.length > 0 ? { warnings } : {};
}
