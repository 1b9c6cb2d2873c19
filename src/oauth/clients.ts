/**
 * OAuth clients, none stored: a client registered dynamically (RFC 7591) gets a client id that is its
 * registration sealed (sealed.ts); a client whose id is an https URL publishes its registration there
 * (a client ID metadata document, as Claude and ChatGPT can), fetched when it starts a sign-in.
 * A client is public (`token_endpoint_auth_method: none`, PKCE alone protects its codes) unless it
 * registers for `client_secret_post` or `client_secret_basic`, as Claude's connectors do: then it
 * gets a secret derived from its id (sealed.ts `derive`), stored nowhere, required at /token.
 */
import { z } from 'zod';
import type { Sealer } from './sealed.js';
import { isLoopbackAddress } from '../http/guard.js';

/** How a client authenticates at the token endpoint. */
export type ClientAuthMethod = 'none' | 'client_secret_post' | 'client_secret_basic';
const SECRET_METHODS: readonly string[] = ['client_secret_post', 'client_secret_basic'];

export interface OAuthClient {
  clientId: string;
  authMethod: ClientAuthMethod;
  /** Shown on the sign-in page, as the client's own words. */
  name: string | undefined;
  redirectUris: string[];
}

export type Found<T> = { ok: true; value: T } | { ok: false; error: string; description: string };

/** Bounds of a registration: far above what a real client sends. */
const MAX_REDIRECT_URIS = 10;
const MAX_URI_CHARS = 2_000;
/** Largest client ID metadata document read, and longest wait for it. */
export const MAX_METADATA_DOCUMENT_BYTES = 64 * 1024;
export const METADATA_DOCUMENT_TIMEOUT_MS = 5_000;

const RedirectUri = z.string().max(MAX_URI_CHARS).refine(isAcceptableRedirectUri, {
  error:
    'each redirect URI must be an absolute https URL, an http URL on a loopback address, or an app scheme, without a fragment',
});

const Registration = z.looseObject({
  redirect_uris: z.array(RedirectUri).min(1).max(MAX_REDIRECT_URIS),
  client_name: z.string().max(200).optional(),
  response_types: z.array(z.string()).max(10).optional(),
  token_endpoint_auth_method: z.string().max(100).optional(),
});

/** What a registered client's sealed id holds. */
interface ClientClaims {
  redirect_uris: string[];
  client_name?: string;
  /** Absent: none (ids sealed before client secrets). */
  auth?: ClientAuthMethod;
}

/** RFC 7591: checks the client's metadata and answers its registration, with its sealed id. */
export async function registerClient(body: unknown, sealer: Sealer): Promise<Found<Record<string, unknown>>> {
  const parsed = Registration.safeParse(body);
  if (!parsed.success) {
    return {
      ok: false,
      error: 'invalid_client_metadata',
      description: parsed.error.issues
        .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
        .join('; '),
    };
  }
  const { redirect_uris, client_name, response_types, token_endpoint_auth_method: asked } = parsed.data;
  if (response_types && !response_types.includes('code')) {
    return {
      ok: false,
      error: 'invalid_client_metadata',
      description: 'only response type code is supported',
    };
  }
  // Other grants or methods asked for are replaced by what this server does (RFC 7591 §3.2.1).
  const auth = (asked !== undefined && SECRET_METHODS.includes(asked) ? asked : 'none') as ClientAuthMethod;
  const claims: ClientClaims = { redirect_uris, ...(client_name !== undefined && { client_name }), auth };
  const clientId = await sealer.seal('client', { ...claims });
  return {
    ok: true,
    value: {
      client_id: clientId,
      client_id_issued_at: Math.floor(Date.now() / 1000),
      ...(auth !== 'none' && { client_secret: sealer.derive(clientId), client_secret_expires_at: 0 }),
      redirect_uris,
      ...(client_name !== undefined && { client_name }),
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: auth,
    },
  };
}

export interface ClientLookup {
  sealer: Sealer;
  /** Tests only: accept client id URLs on http loopback (a real client id URL is always https). */
  allowLoopbackHttpClientIds?: boolean;
}

/** The client a `client_id` names: a sealed registration, or a metadata document's URL. */
export async function findClient(clientId: string, lookup: ClientLookup): Promise<Found<OAuthClient>> {
  if (/^https?:\/\//i.test(clientId)) return fetchMetadataDocument(clientId, lookup);
  const opened = await lookup.sealer.open<ClientClaims>('client', clientId);
  if (!opened.ok) {
    return {
      ok: false,
      error: 'invalid_client',
      description: 'unknown client: register again (its registration may be from a key no longer in use)',
    };
  }
  return {
    ok: true,
    value: {
      clientId,
      authMethod: opened.claims.auth ?? 'none',
      name: opened.claims.client_name,
      redirectUris: opened.claims.redirect_uris,
    },
  };
}

const MetadataDocument = z.looseObject({
  client_id: z.string(),
  client_name: z.string().max(200).optional(),
  redirect_uris: z.array(RedirectUri).min(1).max(MAX_REDIRECT_URIS),
});

/**
 * Fetches a client ID metadata document: that URL only, https only (http on loopback in tests when
 * allowed), no redirects, at most MAX_METADATA_DOCUMENT_BYTES within METADATA_DOCUMENT_TIMEOUT_MS.
 */
async function fetchMetadataDocument(clientId: string, lookup: ClientLookup): Promise<Found<OAuthClient>> {
  const refuse = (description: string): Found<OAuthClient> => ({
    ok: false,
    error: 'invalid_client',
    description,
  });
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return refuse('the client id is not a valid URL');
  }
  const insecureAllowed = lookup.allowLoopbackHttpClientIds === true && isLoopbackAddress(url.hostname);
  if (
    (url.protocol !== 'https:' && !(url.protocol === 'http:' && insecureAllowed)) ||
    url.hash ||
    url.username
  ) {
    return refuse('a client id URL must be an https URL without a fragment or credentials');
  }
  // A client's published document is on the internet, never on this machine (tests excepted).
  if (isLoopbackAddress(url.hostname) && !insecureAllowed) {
    return refuse('a client id URL must not name this machine');
  }
  if (url.pathname === '/' || url.pathname === '') return refuse('a client id URL must have a path');
  let text: string;
  try {
    const response = await fetch(url, {
      redirect: 'error',
      signal: AbortSignal.timeout(METADATA_DOCUMENT_TIMEOUT_MS),
      headers: { accept: 'application/json' },
    });
    if (!response.ok) return refuse(`the client's metadata document answered HTTP ${response.status}`);
    text = await readCapped(response, MAX_METADATA_DOCUMENT_BYTES);
  } catch (error) {
    return refuse(
      error instanceof TooLargeError
        ? `the client's metadata document is larger than ${MAX_METADATA_DOCUMENT_BYTES} bytes`
        : `the client's metadata document could not be fetched within ${METADATA_DOCUMENT_TIMEOUT_MS} ms`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return refuse("the client's metadata document is not JSON");
  }
  const parsed = MetadataDocument.safeParse(json);
  if (!parsed.success) return refuse("the client's metadata document lacks valid redirect_uris");
  if (parsed.data.client_id !== clientId) {
    return refuse("the client's metadata document names another client_id than its own URL");
  }
  return {
    ok: true,
    value: {
      clientId,
      authMethod: 'none',
      name: parsed.data.client_name,
      redirectUris: parsed.data.redirect_uris,
    },
  };
}

class TooLargeError extends Error {}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new TooLargeError();
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new TooLargeError(); // leaving the loop cancels the body
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** https anywhere, http on loopback (native apps), or a private-use scheme; never a fragment. */
function isAcceptableRedirectUri(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.hash || value.includes('#')) return false;
  if (url.protocol === 'https:') return true;
  if (url.protocol === 'http:') return isLoopbackAddress(url.hostname);
  return !['javascript:', 'data:', 'file:', 'blob:', 'vbscript:', 'about:', 'ws:', 'wss:', 'ftp:'].includes(
    url.protocol,
  );
}
