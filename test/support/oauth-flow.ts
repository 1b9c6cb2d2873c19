/**
 * OAuth helpers for remote-mode tests: a key for MCP_OAUTH_KEY, and the steps a connector takes, done
 * with the SDK client's own OAuth functions (discovery, registration, PKCE, code exchange, refresh) —
 * only the person's part, the sign-in page, is done by hand here (or by a browser, sign-in-browser).
 */
import { randomBytes } from 'node:crypto';
import {
  discoverAuthorizationServerMetadata,
  exchangeAuthorization,
  discoverOAuthProtectedResourceMetadata,
  extractWWWAuthenticateParams,
  registerClient,
  startAuthorization,
} from '@modelcontextprotocol/client';
import { expect } from 'vitest';
import { toolCall } from './remote-stack.js';

export const REDIRECT_URI = 'https://connector.example/oauth/callback';

/** A fresh MCP_OAUTH_KEY value, and its key for tests that seal tokens themselves. */
export function oauthKey(id = 'k1'): { setting: string; key: Uint8Array; id: string } {
  const key = randomBytes(32);
  return { setting: `${id}:${key.toString('base64')}`, key: new Uint8Array(key), id };
}

/** What a connector learns before it opens the sign-in page: from a 401 to a registered client. */
export async function discoverAndRegister(
  mcpUrl: string,
  clientName = 'Test connector',
  authMethod: 'none' | 'client_secret_post' | 'client_secret_basic' = 'none',
) {
  const unauthorized = await fetch(mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: toolCall('list_contacts'),
  });
  expect(unauthorized.status).toBe(401);
  const { resourceMetadataUrl } = extractWWWAuthenticateParams(unauthorized);
  expect(resourceMetadataUrl, 'the 401 points at the protected-resource metadata').toBeDefined();
  const resource = await discoverOAuthProtectedResourceMetadata(mcpUrl, {
    ...(resourceMetadataUrl && { resourceMetadataUrl }),
  });
  const issuer = resource.authorization_servers?.[0];
  if (!issuer) throw new Error('no authorization server in the resource metadata');
  const metadata = await discoverAuthorizationServerMetadata(issuer);
  if (!metadata) throw new Error('no authorization server metadata');
  const client = await registerClient(issuer, {
    metadata,
    clientMetadata: {
      client_name: clientName,
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: authMethod,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
  });
  return { resource: resource.resource, issuer, metadata, client };
}

export type Registered = Awaited<ReturnType<typeof discoverAndRegister>>;

/** The sign-in URL a connector opens in the browser, with its PKCE verifier. */
export async function authorizationUrl(registered: Registered, state = randomBytes(8).toString('hex')) {
  const { authorizationUrl: url, codeVerifier } = await startAuthorization(registered.issuer, {
    metadata: registered.metadata,
    clientInformation: registered.client,
    redirectUrl: REDIRECT_URI,
    resource: registered.resource,
    state,
  });
  return { url, codeVerifier, state };
}

export interface SignInAnswer {
  status: number;
  /** Where the browser is sent (the client's redirect URI with code or error), if anywhere. */
  location: string | null;
  html: string;
}

/** Opens the sign-in page and posts its form as a browser would (its cookie with it). */
export async function signInByForm(url: URL, fields: Record<string, string>): Promise<SignInAnswer> {
  const page = await fetch(url, { redirect: 'manual' });
  const html = await page.text();
  expect(page.status, html).toBe(200);
  const request = /name="request" value="([^"]+)"/.exec(html)?.[1];
  const cookie = page.headers.get('set-cookie')?.split(';')[0];
  if (!request || !cookie) throw new Error('no sign-in form or cookie');
  const answer = await fetch(new URL('/authorize', url), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ request, ...fields }),
  });
  return { status: answer.status, location: answer.headers.get('location'), html: await answer.text() };
}

/** The code exchange a connector makes on its redirect URI (`location`), checking `iss` as it does. */
export function exchangeCode(
  registered: Registered,
  location: string | null,
  codeVerifier: string,
  resource: URL | undefined = new URL(registered.resource),
) {
  const back = new URL(location ?? 'missing:');
  return exchangeAuthorization(registered.issuer, {
    metadata: registered.metadata,
    clientInformation: registered.client,
    authorizationCode: back.searchParams.get('code') ?? '',
    iss: back.searchParams.get('iss') ?? '',
    codeVerifier,
    redirectUri: REDIRECT_URI,
    ...(resource && { resource }),
  });
}
