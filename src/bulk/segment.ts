/**
 * A segment: which contacts a `where` filter selects, decided contact by contact over what the list
 * returns. The API filters only by `search` and one `tag`; everything else — attributes, dates, several
 * tags, no tags — is evaluated here. All conditions hold together (AND).
 *
 * A Segment is kept as it was read (JSON: ages as text such as "90d"), so that a list cursor can carry it
 * and a later page resolves its ages from the same moment; `matchSegment` resolves them against `now`.
 */
import type { Contact } from '../vobiz/schemas.js';

/** A value an attribute condition compares with: text (case-insensitively), a number or a boolean. */
export type AttributeValue = string | number | boolean;

export interface Segment {
  /** Key → value or values: the contact's attribute equals it, or one of them. */
  attributes?: Record<string, AttributeValue | AttributeValue[]>;
  /** Keys the contact has no value for (absent, null, empty text or empty list). */
  missing_attributes?: string[];
  /** An age ("7d") or an ISO date: created at or after it. */
  created_after?: string;
  /** An age or an ISO date: created before it. */
  created_before?: string;
  /** An age or an ISO date: last active before it, or never active. */
  inactive_for?: string;
  /** An age or an ISO date: last active at or after it. */
  active_within?: string;
  tags_all?: string[];
  tags_any?: string[];
  tags_none?: string[];
  /** true: no tags at all; false: at least one. */
  untagged?: boolean;
}

/** The condition names, in the order a message lists them. */
export const SEGMENT_FIELDS = [
  'attributes',
  'missing_attributes',
  'created_after',
  'created_before',
  'inactive_for',
  'active_within',
  'tags_all',
  'tags_any',
  'tags_none',
  'untagged',
] as const satisfies readonly (keyof Segment)[];

export const TIME_FIELDS = ['created_after', 'created_before', 'inactive_for', 'active_within'] as const;

/** Whether the segment has no condition at all (`{}`): it selects every contact. */
export function isEmptySegment(segment: Segment | undefined): boolean {
  return !segment || SEGMENT_FIELDS.every((field) => segment[field] === undefined);
}

// ---- Ages and dates ---------------------------------------------------------------------------------

const HOUR_MS = 3_600_000;
const UNIT_MS = { h: HOUR_MS, d: 24 * HOUR_MS, w: 7 * 24 * HOUR_MS } as const;
const AGE = /^(\d{1,6})\s*(h|hours?|d|days?|w|weeks?)$/i;
const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** A time condition as read: how long before the call's moment, or an instant. */
export type TimePoint =
  { kind: 'age'; ms: number; text: string } | { kind: 'instant'; ms: number; text: string };

/**
 * "7d", "2w", "12h" (also "7 days", "2 weeks", "12 hours") or an ISO date ("2026-01-31", or with a
 * time, "2026-01-31T09:00", UTC unless it carries an offset). `text` is the canonical form: an age as
 * number and letter, a date as written. Undefined when it is neither.
 */
export function parseTimePoint(raw: string): TimePoint | undefined {
  const text = raw.trim();
  const age = AGE.exec(text);
  if (age) {
    const unit = age[2]!.toLowerCase()[0] as keyof typeof UNIT_MS;
    const amount = Number(age[1]);
    return { kind: 'age', ms: amount * UNIT_MS[unit], text: `${amount}${unit}` };
  }
  const date = ISO_DATE.exec(text);
  if (!date) return undefined;
  const [, year, month, day, hour, minute, second, zone] = date;
  // Date.parse rolls 2026-02-30 over into March: the calendar date must come back as written.
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (calendar.getUTCMonth() !== Number(month) - 1 || calendar.getUTCDate() !== Number(day)) return undefined;
  if (hour === undefined) return { kind: 'instant', ms: calendar.getTime(), text };
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second ?? 0) > 59) return undefined;
  const iso = `${text.slice(0, 10)}T${text.slice(11)}${zone === undefined ? 'Z' : ''}`;
  const ms = Date.parse(iso.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(ms) ? undefined : { kind: 'instant', ms, text };
}

/** The instant a time condition stands for, given the call's moment. */
export function resolveTime(raw: string, now: number): number {
  const point = parseTimePoint(raw);
  if (!point) throw new RangeError(`not an age or a date: ${raw}`); // read through parseTimePoint first
  return point.kind === 'age' ? now - point.ms : point.ms;
}

/**
 * Conditions that together can select no contact: said before any page is read. Undefined when the
 * segment can match.
 */
export function contradiction(segment: Segment, now: number): string | undefined {
  const all = segment.tags_all ?? [];
  if (segment.untagged === true && (all.length > 0 || (segment.tags_any ?? []).length > 0)) {
    return 'untagged: true cannot hold with tags_all or tags_any: a contact without tags has none of them';
  }
  // Sets, not includes(): each list may hold 100,000 tags, and this runs before anything is sent.
  const none = new Set(segment.tags_none);
  const both = all.find((tag) => none.has(tag));
  if (both !== undefined) return `tags_all and tags_none both name ${JSON.stringify(both)}`;
  const any = segment.tags_any;
  if (any && any.length > 0 && any.every((tag) => none.has(tag))) {
    return 'every tag of tags_any is also in tags_none';
  }
  const at = (field: (typeof TIME_FIELDS)[number]) => {
    const value = segment[field];
    return value === undefined ? undefined : resolveTime(value, now);
  };
  const [after, before] = [at('created_after'), at('created_before')];
  if (after !== undefined && before !== undefined && after >= before) {
    return 'created_after is not earlier than created_before: no contact was created in between';
  }
  const [since, until] = [at('active_within'), at('inactive_for')];
  if (since !== undefined && until !== undefined && since >= until) {
    return 'active_within and inactive_for exclude each other: no last activity falls in between';
  }
  return undefined;
}

// ---- Matching --------------------------------------------------------------------------------------

/** Text as compared: Unicode-composed, trimmed, lower case; numbers and booleans as their text. */
function normalise(value: AttributeValue): string {
  return String(value).normalize('NFC').trim().toLowerCase();
}

/** What an attribute holds, as comparable texts: a value, or each value of a list; nothing else. */
function attributeTexts(value: unknown): string[] {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return [normalise(value)];
  }
  return Array.isArray(value)
    ? value.flatMap((item) => (Array.isArray(item) ? [] : attributeTexts(item)))
    : [];
}

/** The values a contact holds under a key, the key compared case-insensitively ("City" for "city"). */
function valuesUnder(attributes: Record<string, unknown>, key: string): unknown[] {
  const found: unknown[] = [];
  for (const [name, value] of Object.entries(attributes)) {
    if (name === key || name.toLowerCase() === key) found.push(value);
  }
  return found;
}

function isBlank(value: unknown): boolean {
  return (
    value === null ||
    value === undefined ||
    (typeof value === 'string' && value.trim() === '') ||
    (Array.isArray(value) && value.length === 0)
  );
}

export interface SegmentMatcher {
  test(contact: Contact): boolean;
  /** Contacts left out only because a date a condition needed was missing or unreadable. */
  readonly undated: number;
}

/** The segment as a test of one contact, its ages resolved against `now` (epoch ms). */
export function matchSegment(segment: Segment, now: number): SegmentMatcher {
  const checks: ((contact: Contact) => boolean)[] = [];
  let undated = 0;

  for (const [key, wanted] of Object.entries(segment.attributes ?? {})) {
    const texts = new Set((Array.isArray(wanted) ? wanted : [wanted]).map(normalise));
    const lower = key.toLowerCase();
    checks.push((c) =>
      valuesUnder(c.custom_attributes, lower).some((v) => attributeTexts(v).some((t) => texts.has(t))),
    );
  }
  for (const key of segment.missing_attributes ?? []) {
    const lower = key.toLowerCase();
    checks.push((c) => valuesUnder(c.custom_attributes, lower).every(isBlank));
  }

  // Each test walks the contact's few tags against a Set of the filter's, never the filter's list against
  // the contact's: a filter may name 100,000 tags, and every contact of a scan is tested.
  const all = new Set(segment.tags_all);
  const any = new Set(segment.tags_any);
  const none = new Set(segment.tags_none);
  if (all.size > 0) {
    checks.push((c) => {
      if (c.tags.length < all.size) return false;
      let found = 0;
      for (const tag of new Set(c.tags)) if (all.has(tag)) found++;
      return found === all.size;
    });
  }
  if (any.size > 0) checks.push((c) => c.tags.some((tag) => any.has(tag)));
  if (none.size > 0) checks.push((c) => !c.tags.some((tag) => none.has(tag)));
  if (segment.untagged !== undefined) checks.push((c) => (c.tags.length === 0) === segment.untagged);

  // Dates last: they are the checks that can leave a contact out for want of data, and are counted.
  const dated: ((contact: Contact) => boolean | 'undated')[] = [];
  const instant = (text: string | undefined) => (text === undefined ? NaN : Date.parse(text));
  const timeCheck = (
    field: (typeof TIME_FIELDS)[number],
    read: (c: Contact) => string | undefined,
    holds: (ms: number, bound: number) => boolean,
    neverHolds = false,
  ) => {
    const value = segment[field];
    if (value === undefined) return;
    const bound = resolveTime(value, now);
    dated.push((c) => {
      const text = read(c);
      if (text === undefined && neverHolds) return true;
      const ms = instant(text);
      return Number.isNaN(ms) ? 'undated' : holds(ms, bound);
    });
  };
  timeCheck(
    'created_after',
    (c) => c.created_at,
    (ms, bound) => ms >= bound,
  );
  timeCheck(
    'created_before',
    (c) => c.created_at,
    (ms, bound) => ms < bound,
  );
  // Never active counts as inactive: no last_active_at at all is the API's "no activity".
  timeCheck(
    'inactive_for',
    (c) => c.last_active_at,
    (ms, bound) => ms < bound,
    true,
  );
  timeCheck(
    'active_within',
    (c) => c.last_active_at,
    (ms, bound) => ms >= bound,
  );

  return {
    test(contact) {
      for (const check of checks) if (!check(contact)) return false;
      let missingDate = false;
      for (const check of dated) {
        const outcome = check(contact);
        if (outcome === false) return false;
        if (outcome === 'undated') missingDate = true;
      }
      if (missingDate) undated++;
      return !missingDate;
    },
    get undated() {
      return undated;
    },
  };
}

/**
 * Tags every match must carry, so that the API's one-tag filter can narrow the pages by any of them:
 * each of tags_all, or the one tag of a one-tag tags_any.
 */
export function requiredTags(segment: Segment | undefined): string[] {
  if (!segment) return [];
  const any = segment.tags_any ?? [];
  return [...new Set([...(segment.tags_all ?? []), ...(any.length === 1 ? any : [])])];
}
