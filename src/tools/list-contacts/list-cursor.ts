/**
 * The cursor of list_contacts with `where`: opaque to the model, plain to us — `v1.` and the base64url
 * JSON of the query, the moment its ages count back from, the API filter chosen for it, and where the
 * scan stands. It is not signed: everything in it is checked again as if the model had sent it, so a
 * made-up cursor can ask for nothing the model could not ask for directly, and a server restart (or
 * another instance behind a load balancer) reads it the same.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ApiFilter, ScanPosition } from '../../bulk/scan.js';
import { requiredTags, type Segment } from '../../bulk/segment.js';
import { CONTACT_ID_PATTERN, MAX_PAGE_SIZE } from '../../vobiz/contract.js';
import { searchField, tagFilterField } from '../../mcp/fields.js';
import { whereField } from '../../mcp/segment-field.js';

/** Longest cursor accepted. */
export const MAX_CURSOR_LENGTH = 64 * 1024;
/**
 * Longest cursor that carries its query. A where naming thousands of tags or long attribute values would
 * make a cursor a model cannot reliably copy back (or one past MAX_CURSOR_LENGTH); beyond this the cursor
 * carries a digest of the query instead, and the next call sends the same filters with it.
 */
export const MAX_QUERY_CURSOR_LENGTH = 4 * 1024;
const PREFIX = 'v1.';

/** The filters of a list_contacts call, as given with a cursor. */
export interface CursorQuery {
  search?: string | undefined;
  tag?: string | undefined;
  where?: Segment | undefined;
}

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
/**
 * As sent: one-letter keys, since a model reads (and pays for) the cursor with every page. Either the
 * query itself (`s`, `t`, `w`, and the API filter `a`) or its digest `d` and, for the API's tag, its
 * place `x` among the tags every match carries.
 */
const CursorJson = z.strictObject({
  s: z.string().optional(),
  t: z.string().optional(),
  w: z.unknown().optional(),
  a: z.strictObject({ s: z.string().optional(), t: z.string().optional() }).optional(),
  d: z.string().optional(),
  x: count.optional(),
  n: count,
  o: count.min(1),
  i: z.string().regex(CONTACT_ID_PATTERN).optional(),
  z: z.number().int().min(1).max(MAX_PAGE_SIZE),
  p: z.number().int().min(2),
  b: count,
});
type CursorJson = z.infer<typeof CursorJson>;

/** The tags every match of the query carries: the API's tag filter must be one of them. */
function carriedTags(query: CursorQuery): string[] {
  return [...(query.tag ? [query.tag] : []), ...requiredTags(query.where)];
}

/** The query as one short string: the same for the same filters, whatever their key order. */
function queryDigest(query: CursorQuery): string {
  const canonical = canonicalJson({ s: query.search, t: query.tag, w: query.where ?? {} });
  return createHash('sha256').update(canonical).digest('base64url');
}

export function encodeCursor(cursor: ListCursor): string {
  const position = {
    n: cursor.now,
    o: cursor.at.offset,
    i: cursor.at.lastId,
    z: cursor.at.pageSize,
    p: cursor.page,
    b: cursor.before,
  };
  const encode = (json: CursorJson) =>
    PREFIX + Buffer.from(JSON.stringify(json), 'utf8').toString('base64url');
  const whole = encode({
    s: cursor.search,
    t: cursor.tag,
    w: cursor.where,
    a: { s: cursor.api.search, t: cursor.api.tag },
    ...position,
  });
  if (whole.length <= MAX_QUERY_CURSOR_LENGTH) return whole;
  const index = cursor.api.tag === undefined ? -1 : carriedTags(cursor).indexOf(cursor.api.tag);
  return encode({ d: queryDigest(cursor), ...(index !== -1 && { x: index }), ...position });
}

/** Whether a cursor carries a digest of its query: the next call must give the same filters with it. */
export function cursorNeedsFilters(text: string): boolean {
  const json = readCursorJson(text);
  return json !== undefined && json.d !== undefined;
}

function readCursorJson(text: string): CursorJson | undefined {
  if (!text.startsWith(PREFIX) || text.length > MAX_CURSOR_LENGTH) return undefined;
  try {
    const parsed = CursorJson.safeParse(
      JSON.parse(Buffer.from(text.slice(PREFIX.length), 'base64url').toString('utf8')),
    );
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The cursor, checked, with the query it continues; or why it is not one (a sentence for the model).
 * `given` are the filters sent with it: a cursor that carries its query must not be given others; one
 * that carries a digest must be given the same ones.
 */
export function decodeCursor(text: string, given: CursorQuery = {}): ListCursor | { problem: string } {
  const invalid = {
    problem:
      'cursor is not one list_contacts gave (or it was cut or changed): pass next_cursor exactly as returned, or call without cursor to start from the first match',
  };
  const json = readCursorJson(text);
  if (!json) return invalid;
  const { s, t, w, a, d, x, n, o, i, z: pageSize, p, b } = json;
  let query: CursorQuery;
  let apiTag: string | undefined;
  if (d !== undefined) {
    if (given.where === undefined) {
      return {
        problem:
          'this cursor continues a query too long to carry: send it with the same where (and search and tag, if any) as the call that returned it',
      };
    }
    if (queryDigest(given) !== d) {
      return {
        problem:
          'cursor continues another query than the filters given with it: send it with the same where (and search and tag) as the call that returned it, or leave cursor out to start this query from the first match',
      };
    }
    query = given;
    apiTag = x === undefined ? undefined : carriedTags(given)[x];
    if (x !== undefined && apiTag === undefined) return invalid;
  } else {
    if (a === undefined) return invalid;
    // The query is read again as if the model had sent it.
    const search = s === undefined ? undefined : searchField.safeParse(s);
    const tag = t === undefined ? undefined : tagFilterField.safeParse(t);
    const where = whereField.safeParse(w);
    if (search?.success === false || tag?.success === false || !where.success) return invalid;
    query = { search: search?.data, tag: tag?.data, where: where.data };
    const differs =
      (given.where !== undefined && canonicalJson(given.where) !== canonicalJson(query.where)) ||
      (given.search !== undefined && given.search !== query.search) ||
      (given.tag !== undefined && given.tag !== query.tag);
    if (differs) return differentQuery;
    // The API filter must be one the query implies: its search, and a tag every match carries.
    if (a.s !== query.search) return invalid;
    apiTag = a.t;
    if (apiTag !== undefined && !carriedTags(query).includes(apiTag)) return invalid;
  }
  if (apiTag === undefined && carriedTags(query).length > 0) return invalid;
  return {
    ...(query.search !== undefined && { search: query.search }),
    ...(query.tag !== undefined && { tag: query.tag }),
    where: query.where ?? {},
    now: n,
    api: {
      ...(query.search !== undefined && { search: query.search }),
      ...(apiTag !== undefined && { tag: apiTag }),
    },
    at: { offset: o, ...(i !== undefined && { lastId: i }), pageSize },
    page: p,
    before: b,
  };
}

const differentQuery = {
  problem:
    'cursor continues another query than the filters given with it: pass the cursor alone (it carries its filters), or leave cursor out to start this query from the first match',
};

/** JSON with object keys sorted: two queries that differ only in key order are the same query. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
