/**
 * Contact ids into URL paths: checked and percent-encoded, so that no id — a model made it up — can
 * change the route a request goes to.
 */
import { CONTACT_ID_PATTERN } from './contract.js';

/** Segments under `/contacts/` that name routes, not contacts: `POST /contacts/import` is the CSV import. */
const RESERVED_CONTACT_SEGMENTS: ReadonlySet<string> = new Set(['import']);

/** An id that must not go into a URL; thrown before any request is sent. */
export class InvalidContactIdError extends RangeError {
  override readonly name = 'InvalidContactIdError';
}

/** `/contacts/{id}`, with the id checked and percent-encoded so that no id can change the route called. */
export function contactPath(id: string): string {
  if (!CONTACT_ID_PATTERN.test(id)) {
    // The tools validate ids first; only a caller that skipped them gets here, and never to a wrong path.
    throw new InvalidContactIdError('the id has characters no contact id has');
  }
  if (RESERVED_CONTACT_SEGMENTS.has(id.toLowerCase())) {
    throw new InvalidContactIdError(`"${id}" is the path of another API route, not a contact id`);
  }
  return `/contacts/${encodeURIComponent(id)}`;
}

/**
 * A request path as a route, for metrics and logs: the query dropped and a contact id replaced by
 * `:id`, so that a label names one of a handful of routes and never a contact.
 */
export function routeOf(path: string): string {
  const bare = path.split('?', 1)[0] ?? path;
  const match = /^\/contacts\/([^/]+)(.*)$/.exec(bare);
  if (!match?.[1] || RESERVED_CONTACT_SEGMENTS.has(match[1].toLowerCase())) return bare;
  return `/contacts/:id${match[2] ?? ''}`;
}
