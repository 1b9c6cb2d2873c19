/**
 * `/authorize`: the sign-in page (GET) and its form (POST).
 *
 * GET checks the request — the client, its redirect URI (exact match), PKCE S256, the resource — and
 * shows the page. A bad client or redirect URI gets a page saying so (nothing is sent to an unchecked
 * URI); every other problem goes back to the client as an OAuth error on its redirect URI.
 *
 * The checked request is sealed into the form's hidden field (its signed state), with a random value
 * also set as a cookie: the POST must bring both, the same (double submit), so no other site can post
 * the form for the person. POST checks the Vobiz credentials with one cheap read (GET /contacts,
 * limit 1) and only then sends a code back; wrong credentials get the page again, saying so, and no code.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { withRequestSecrets } from '../log.js';
import { selectTools } from '../mcp/create-server.js';
import { vobizClientFrom } from '../mcp/context.js';
import type { VobizCredentials } from '../vobiz/client.js';
import { AUTH_ID_PATTERN } from '../vobiz/contract.js';
import { failureKind } from '../vobiz/errors.js';
import { CODE_TTL_SECONDS, SIGN_IN_TTL_SECONDS, type OAuthContext } from './authorization-server.js';
import { findClient } from './clients.js';
import { cookie, readForm } from './oauth-http.js';
import { renderProblemPage, renderSignInPage, sendPage, type SignInPage } from './sign-in-page.js';

const CSRF_COOKIE = 'vobiz_sign_in';

/** The sealed state of one sign-in: what GET checked, for POST to act on. */
interface SignInRequest {
  client_id: string;
  client_name?: string;
  redirect_uri: string;
  state?: string;
  code_challenge: string;
  resource: string;
  scope?: string;
  csrf: string;
}

/** What a code carries to the token endpoint. */
export interface CodeClaims {
  client_id: string;
  redirect_uri: string;
  code_challenge: string;
  resource: string;
  scope?: string;
  credentials: VobizCredentials;
}

export async function handleAuthorize(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: OAuthContext,
): Promise<void> {
  if (req.method === 'GET' || req.method === 'HEAD') return showSignIn(req, res, ctx);
  if (req.method === 'POST') return signIn(req, res, ctx);
  return problem(res, 405, 'Not allowed', 'The sign-in page takes GET and POST only.', {
    allow: 'GET, POST',
  });
}

async function showSignIn(req: IncomingMessage, res: ServerResponse, ctx: OAuthContext): Promise<void> {
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const clientId = query.get('client_id');
  if (!clientId) return problem(res, 400, 'Sign-in link not valid', 'The link names no client (client_id).');
  const client = await findClient(clientId, {
    sealer: ctx.sealer,
    ...(ctx.allowLoopbackHttpClientIds !== undefined && {
      allowLoopbackHttpClientIds: ctx.allowLoopbackHttpClientIds,
    }),
  });
  if (!client.ok)
    return problem(res, 400, 'Sign-in link not valid', `The app is not known here: ${client.description}.`);
  const redirectUri =
    query.get('redirect_uri') ??
    (client.value.redirectUris.length === 1 ? client.value.redirectUris[0] : undefined);
  if (redirectUri === undefined || !client.value.redirectUris.includes(redirectUri)) {
    return problem(
      res,
      400,
      'Sign-in link not valid',
      'The link sends you back to an address the app did not register, so it was not followed.',
    );
  }
  // From here on, the client's redirect URI is known good: problems go back to it.
  const state = query.get('state') ?? undefined;
  const back = (error: string, description: string) =>
    redirectTo(
      res,
      redirectUri,
      { error, error_description: description, ...(state !== undefined && { state }) },
      ctx,
    );
  if (query.get('response_type') !== 'code') {
    return back('unsupported_response_type', 'Only response_type=code is supported.');
  }
  const challenge = query.get('code_challenge');
  if (query.get('code_challenge_method') !== 'S256' || !challenge || !/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
    return back('invalid_request', 'PKCE is required, with code_challenge_method=S256 and a code_challenge.');
  }
  const resources = query.getAll('resource');
  if (resources.length > 1 || (resources[0] !== undefined && !sameResource(resources[0], ctx.resource))) {
    return back('invalid_target', `This server grants access to ${ctx.resource} only.`);
  }
  const scope = query.get('scope') ?? undefined;
  const csrf = randomBytes(32).toString('base64url');
  const claims: SignInRequest = {
    client_id: clientId,
    ...(client.value.name !== undefined && { client_name: client.value.name }),
    redirect_uri: redirectUri,
    ...(state !== undefined && { state }),
    code_challenge: challenge,
    resource: ctx.resource,
    ...(scope !== undefined && { scope }),
    csrf,
  };
  const request = await ctx.sealer.seal('request', { ...claims }, { ttlSeconds: SIGN_IN_TTL_SECONDS });
  sendPage(res, 200, (nonce) => renderSignInPage(pageOf(claims, request, ctx), nonce), {
    'set-cookie': csrfCookie(csrf, ctx, SIGN_IN_TTL_SECONDS),
  });
}

async function signIn(req: IncomingMessage, res: ServerResponse, ctx: OAuthContext): Promise<void> {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== ctx.issuer && !ctx.guard.originAllowed(origin)) {
    return problem(res, 403, 'Sign-in refused', 'The form was sent from another site.');
  }
  const form = await readForm(req, ctx.bodies);
  if (!form.ok) return problem(res, form.status, 'Sign-in refused', form.message);
  const request = form.value.get('request') ?? '';
  const opened = await ctx.sealer.open<SignInRequest>('request', request);
  if (!opened.ok) {
    return problem(
      res,
      400,
      'Sign-in expired',
      opened.reason === 'expired'
        ? `This sign-in page was open longer than ${SIGN_IN_TTL_SECONDS / 60} minutes.`
        : 'This sign-in form is not one this server made.',
    );
  }
  const claims = opened.claims;
  if (!sameSecret(cookie(req, CSRF_COOKIE), claims.csrf)) {
    return problem(
      res,
      403,
      'Sign-in refused',
      'The form did not come with this browser’s sign-in cookie (it was sent from elsewhere, or cookies are blocked for this site).',
    );
  }
  const again = (status: number, error: string, authId?: string) =>
    sendPage(res, status, (nonce) =>
      renderSignInPage(
        { ...pageOf(claims, request, ctx), error, ...(authId !== undefined && { authId }) },
        nonce,
      ),
    );

  const credentials = credentialsOf(form.value);
  if (!credentials.ok) return again(400, credentials.message, credentials.authId);
  const authId = 'authId' in credentials.value ? credentials.value.authId : undefined;
  const secret =
    'bearerToken' in credentials.value ? credentials.value.bearerToken : credentials.value.authToken;
  const checked = await withRequestSecrets([secret], () => check(credentials.value, ctx));
  if (checked === 'refused') {
    return again(
      401,
      authId !== undefined
        ? 'Vobiz did not accept this Auth ID and Auth Token. Check them in the Vobiz console and try again. No access was granted.'
        : 'Vobiz did not accept this JWT (wrong or expired). No access was granted.',
      authId,
    );
  }
  if (checked !== 'ok') {
    return again(
      502,
      `Could not check these credentials with Vobiz (${checked}). Try again in a moment. No access was granted.`,
      authId,
    );
  }
  const code: CodeClaims = {
    client_id: claims.client_id,
    redirect_uri: claims.redirect_uri,
    code_challenge: claims.code_challenge,
    resource: claims.resource,
    ...(claims.scope !== undefined && { scope: claims.scope }),
    credentials: credentials.value,
  };
  const sealed = await ctx.sealer.seal('code', { ...code }, { ttlSeconds: CODE_TTL_SECONDS });
  res.setHeader('set-cookie', csrfCookie('', ctx, 0));
  redirectTo(
    res,
    claims.redirect_uri,
    { code: sealed, ...(claims.state !== undefined && { state: claims.state }) },
    ctx,
  );
}

type Credentials = { ok: true; value: VobizCredentials } | { ok: false; message: string; authId?: string };

/** The form's Auth ID and Auth Token, or its JWT: one of the two, each as the API takes it. */
function credentialsOf(form: URLSearchParams): Credentials {
  const authId = form.get('auth_id')?.trim() ?? '';
  const authToken = form.get('auth_token')?.trim() ?? '';
  const jwt = form.get('jwt')?.trim() ?? '';
  const kept = authId === '' ? {} : { authId };
  if (jwt !== '') {
    if (authId !== '' || authToken !== '') {
      return {
        ok: false,
        message: 'Fill in either the Auth ID and Auth Token, or the JWT, not both.',
        ...kept,
      };
    }
    if (!isToken(jwt)) return { ok: false, message: 'The JWT must be one token, without spaces.' };
    return { ok: true, value: { bearerToken: jwt } };
  }
  if (authId === '' || authToken === '') {
    return {
      ok: false,
      message:
        authId === '' && authToken === ''
          ? 'Fill in your Vobiz Auth ID and Auth Token (or a JWT).'
          : `Fill in your Vobiz ${authId === '' ? 'Auth ID' : 'Auth Token'} too.`,
      ...kept,
    };
  }
  if (!AUTH_ID_PATTERN.test(authId)) {
    return { ok: false, message: 'The Auth ID looks like MA_XXXXXXXX (your Vobiz account id).', ...kept };
  }
  if (!isToken(authToken))
    return { ok: false, message: 'The Auth Token must be one token, without spaces.', ...kept };
  return { ok: true, value: { authId, authToken } };
}

/** One cheap read with the credentials: `ok`, `refused` (401/403), or what else went wrong. */
async function check(credentials: VobizCredentials, ctx: OAuthContext): Promise<string> {
  const client = vobizClientFrom(ctx.config, credentials, { dispatcher: ctx.agent });
  try {
    await client.listContacts({ limit: 1 }, client.startCall());
    return 'ok';
  } catch (error) {
    const kind = failureKind(error);
    return kind === 'credentials' ? 'refused' : kind.replace(/_/g, ' ');
  } finally {
    await client.close();
  }
}

function pageOf(claims: SignInRequest, request: string, ctx: OAuthContext): SignInPage {
  return {
    clientName: claims.client_name,
    returnTo: returnHost(claims.redirect_uri),
    tools: selectTools(ctx.selection).map((tool) => ({
      title: tool.title,
      readOnly: tool.annotations.readOnlyHint === true,
    })),
    request,
  };
}

function returnHost(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.host === '' ? `${url.protocol}//` : url.host;
}

/** 303: after the form's POST, the browser follows with a GET. */
function redirectTo(
  res: ServerResponse,
  uri: string,
  params: Record<string, string>,
  ctx: OAuthContext,
): void {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  url.searchParams.set('iss', ctx.issuer); // RFC 9207: which server answered
  res.writeHead(303, { location: url.href, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  res.end();
}

function problem(
  res: ServerResponse,
  status: number,
  title: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendPage(res, status, (nonce) => renderProblemPage(title, message, nonce), headers);
}

/** HttpOnly, SameSite=Strict, only on /authorize, Secure when the public URL is https. */
function csrfCookie(value: string, ctx: OAuthContext, maxAgeSeconds: number): string {
  const secure = ctx.issuer.startsWith('https:') ? '; Secure' : '';
  return `${CSRF_COOKIE}=${value}; Path=/authorize; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

function sameSecret(a: string | undefined, b: string): boolean {
  if (a === undefined || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** RFC 8707 resources compared as the SDK does: without a fragment or one trailing slash. */
export function sameResource(a: string, b: string): boolean {
  const normal = (value: string) => value.replace(/#.*$/, '').replace(/\/$/, '');
  return normal(a) === normal(b);
}

function isToken(value: string): boolean {
  return /^[\x21-\x7e]+$/.test(value) && value.length <= 8_192;
}
