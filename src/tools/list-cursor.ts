/**
 * The cursor of list_contacts with `where`: opaque to the model, plain to us — `v1.` and the base64url
 * JSON of the query, the moment its ages count back from, the API filter chosen for it, and where the
 * scan stands. It is not signed: everything in it is checked again as if the model had sent it, so a
 * made-up cursor can ask for nothing the model could not ask for directly, and a server restart (or
 * another instance behind a load balancer) reads it the same.
 */
import { z } from 'zod';
import type { ApiFilter, ScanPosition } from '../bulk/scan.js';
import { requiredTags, type Segment } from '../bulk/segment.js';
import { CONTACT_ID_PATTERN, MAX_PAGE_SIZE } from '../vobiz/contract.js';
import { searchField, tagFilterField } from './fields.js';
import { whereField } from './segment-field.js';

/** Longest cursor accepted: a where with many values makes a long one, never this long. */
export const MAX_CURSOR_LENGTH = 64 * 1024;
const PREFIX = 'v1.';

/** What a page of matches continues from. */
export interface ListCursor {
  search?: string;
  tag?: string;
  where: Segment;
  /** The moment (epoch ms) the query's ages count back from, so every page means the same contacts. */
  now: number;
  /** The API filter the first page chose. */
  api: ApiFilter;
  at: ScanPosition;
  /** The page of matches this cursor opens (2 for the second call). */
  page: number;
  /** Matches shown on the pages before it. */
  before: number;
}

const count = z.number().int().nonnegative();
/** As sent: one-letter keys, since a model reads (and pays for) the cursor with every page. */
const CursorJson = z.strictObject({
  s: z.string().optional(),
  t: z.string().optional(),
  w: z.unknown(),
  n: count,
  a: z.strictObject({ s: z.string().optional(), t: z.string().optional() }),
  o: count.min(1),
  i: z.string().regex(CONTACT_ID_PATTERN).optional(),
  z: z.number().int().min(1).max(MAX_PAGE_SIZE),
  p: z.number().int().min(2),
  b: count,
});
type CursorJson = z.infer<typeof CursorJson>;

export function encodeCursor(cursor: ListCursor): string {
  const json: CursorJson = {
    s: cursor.search,
    t: cursor.tag,
    w: cursor.where,
    n: cursor.now,
    a: { s: cursor.api.search, t: cursor.api.tag },
    o: cursor.at.offset,
    i: cursor.at.lastId,
    z: cursor.at.pageSize,
    p: cursor.page,
    b: cursor.before,
  };
  return PREFIX + Buffer.from(JSON.stringify(json), 'utf8').toString('base64url');
}

/** The cursor, checked; or why it is not one (a sentence for the model). */
export function decodeCursor(text: string): ListCursor | { problem: string } {
  const invalid = {
    problem:
      'cursor is not one list_contacts gave (or it was cut or changed): pass next_cursor exactly as returned, or call without cursor to start from the first match',
  };
  if (!text.startsWith(PREFIX) || text.length > MAX_CURSOR_LENGTH) return invalid;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    return invalid;
  }
  const parsed = CursorJson.safeParse(json);
  if (!parsed.success) return invalid;
  const { s, t, w, n, a, o, i, z: pageSize, p, b } = parsed.data;
  // The query is read again as if the model had sent it.
  const search = s === undefined ? undefined : searchField.safeParse(s);
  const tag = t === undefined ? undefined : tagFilterField.safeParse(t);
  const where = whereField.safeParse(w);
  if (search?.success === false || tag?.success === false || !where.success) return invalid;
  const cursor: ListCursor = {
    ...(search?.data !== undefined && { search: search.data }),
    ...(tag?.data !== undefined && { tag: tag.data }),
    where: where.data,
    now: n,
    api: { ...(a.s !== undefined && { search: a.s }), ...(a.t !== undefined && { tag: a.t }) },
    at: { offset: o, ...(i !== undefined && { lastId: i }), pageSize },
    page: p,
    before: b,
  };
  // The API filter must be one the query implies: its search, and a tag every match carries.
  const tags = [...(cursor.tag ? [cursor.tag] : []), ...requiredTags(cursor.where)];
  const apiTagFits = a.t === undefined ? tags.length === 0 : tags.includes(a.t);
  if (a.s !== cursor.search || !apiTagFits) return invalid;
  return cursor;
}

/** JSON with object keys sorted: two queries that differ only in key order are the same query. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
