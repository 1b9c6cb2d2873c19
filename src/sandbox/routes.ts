/**
 * Which endpoint a method and raw path name. Routing is on the raw path (before decoding) so that an
 * encoded `/` inside an id (`%2F`) can never reach another route; only the id segment is decoded.
 */
import { API_PATH_PREFIX } from '../vobiz/contract.js';

export type SandboxRoute = 'list' | 'get' | 'create' | 'update' | 'delete' | 'import';

export type RouteMatch =
  | { kind: 'route'; route: SandboxRoute; contactId: string | undefined }
  | { kind: 'method_not_allowed'; allow: readonly string[] }
  | { kind: 'not_found' };

const COLLECTION_PATH = `${API_PATH_PREFIX}/contacts`;
const IMPORT_PATH = `${COLLECTION_PATH}/import`;

const COLLECTION_METHODS: Readonly<Record<string, SandboxRoute>> = { GET: 'list', POST: 'create' };
const IMPORT_METHODS: Readonly<Record<string, SandboxRoute>> = { POST: 'import' };
const CONTACT_METHODS: Readonly<Record<string, SandboxRoute>> = {
  GET: 'get',
  PUT: 'update',
  DELETE: 'delete',
};

export function matchRoute(method: string, rawPath: string): RouteMatch {
  if (rawPath === COLLECTION_PATH) return byMethod(COLLECTION_METHODS, method, undefined);
  // `import` is a route of its own, so it can never be read as a contact id.
  if (rawPath === IMPORT_PATH) return byMethod(IMPORT_METHODS, method, undefined);
  if (rawPath.startsWith(`${COLLECTION_PATH}/`)) {
    const rawId = rawPath.slice(COLLECTION_PATH.length + 1);
    if (rawId === '' || rawId.includes('/')) return { kind: 'not_found' };
    return byMethod(CONTACT_METHODS, method, decodeIdSegment(rawId));
  }
  return { kind: 'not_found' };
}

function byMethod(
  routes: Readonly<Record<string, SandboxRoute>>,
  method: string,
  contactId: string | undefined,
): RouteMatch {
  const route = routes[method.toUpperCase()];
  if (route === undefined) return { kind: 'method_not_allowed', allow: Object.keys(routes) };
  return { kind: 'route', route, contactId };
}

/** A segment that does not decode cannot be any contact's id; kept raw, it simply finds nothing (404). */
function decodeIdSegment(rawId: string): string {
  try {
    return decodeURIComponent(rawId);
  } catch {
    return rawId;
  }
}
