/**
 * `/token`: a code (with its PKCE verifier) or a refresh token for an access token and a new refresh
 * token. Refresh tokens rotate: each is redeemed once (redeemed.ts: per instance, and across instances on one Redis), and its successor
 * carries the same credentials. Every check says what failed, never with a token's contents.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { JSON_HEADERS } from '../http/reply.js';
import {
  ACCESS_TOKEN_TTL_SECONDS,
  REFRESH_TOKEN_TTL_SECONDS,
  type GrantClaims,
  type OAuthContext,
} from './authorization-server.js';
import { sameResource, type CodeClaims } from './authorize.js';
import { findClient } from './clients.js';
import { CORS_HEADERS, sendOAuthError } from './oauth-http.js';

interface RefreshClaims extends GrantClaims {
  resource: string;
}

export async function handleToken(
  res: ServerResponse,
  form: URLSearchParams,
  authorization: string | undefined,
  ctx: OAuthContext,
): Promise<void> {
  const grantType = form.get('grant_type');
  const invalidGrant = (description: string) => sendOAuthError(res, 400, 'invalid_grant', description);
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
    return sendOAuthError(
      res,
      400,
      'unsupported_grant_type',
      'grant_type must be authorization_code or refresh_token.',
    );
  }
  const client = await authenticateClient(form, authorization, ctx);
  if (!client.ok) return sendOAuthError(res, client.status, client.error, client.description, client.headers);
  const clientId = client.clientId;
  const resource = form.get('resource');
  if (resource !== null && !sameResource(resource, ctx.resource)) {
    return sendOAuthError(res, 400, 'invalid_target', `This server grants access to ${ctx.resource} only.`);
  }

  if (grantType === 'authorization_code') {
    const code = form.get('code');
    const verifier = form.get('code_verifier');
    const redirectUri = form.get('redirect_uri');
    if (!code || !verifier || !redirectUri) {
      return sendOAuthError(
        res,
        400,
        'invalid_request',
        'code, code_verifier and redirect_uri are required.',
      );
    }
    const opened = await ctx.sealer.open<CodeClaims>('code', code);
    if (!opened.ok) {
      return invalidGrant(
        opened.reason === 'expired' ? 'The code has expired: sign in again.' : 'The code is not valid.',
      );
    }
    const claims = opened.claims;
    if (claims.client_id !== clientId) return invalidGrant('The code was issued to another client.');
    if (claims.redirect_uri !== redirectUri) return invalidGrant('redirect_uri differs from the sign-in’s.');
    if (!pkceMatches(verifier, claims.code_challenge)) {
      return invalidGrant('code_verifier does not match the code_challenge of the sign-in.');
    }
    if (!(await ctx.usedCodes.redeem(claims.jti, claims.exp ?? 0)))
      return invalidGrant('The code has already been used.');
    return issue(
      res,
      { client_id: clientId, credentials: claims.credentials, ...scopeOf(claims.scope) },
      ctx,
    );
  }

  const refreshToken = form.get('refresh_token');
  if (!refreshToken) return sendOAuthError(res, 400, 'invalid_request', 'refresh_token is required.');
  const opened = await ctx.sealer.open<RefreshClaims>('refresh', refreshToken);
  if (!opened.ok) {
    return invalidGrant(
      opened.reason === 'expired'
        ? 'The refresh token has expired: sign in again.'
        : 'The refresh token is not valid.',
    );
  }
  const claims = opened.claims;
  if (claims.client_id !== clientId) return invalidGrant('The refresh token was issued to another client.');
  if (!sameResource(claims.resource, ctx.resource))
    return invalidGrant('The refresh token is for another resource.');
  if (!(await ctx.usedRefreshTokens.redeem(claims.jti, claims.exp ?? 0))) {
    return invalidGrant(
      'The refresh token has already been used: refresh tokens rotate, use the latest one.',
    );
  }
  return issue(res, { client_id: clientId, credentials: claims.credentials, ...scopeOf(claims.scope) }, ctx);
}

type ClientCheck =
  | { ok: true; clientId: string }
  | { ok: false; status: number; error: string; description: string; headers?: Record<string, string> };

/**
 * Who is asking (RFC 6749 §2.3): a public client names itself with `client_id`; a client registered
 * for a secret must send it, in the body or as HTTP Basic. A registration sealed with a key since
 * dropped gets 401 invalid_client, which tells the client to register again (what Claude does on it).
 * A client id URL is not fetched here: the grant it presents names it already.
 */
async function authenticateClient(
  form: URLSearchParams,
  authorization: string | undefined,
  ctx: OAuthContext,
): Promise<ClientCheck> {
  const basic = basicCredentials(authorization);
  const named = form.get('client_id');
  if (basic && named !== null && named !== basic.id) {
    return { ok: false, status: 400, error: 'invalid_request', description: 'Two different client ids.' };
  }
  const clientId = basic?.id ?? named;
  if (!clientId)
    return { ok: false, status: 400, error: 'invalid_request', description: 'client_id is required.' };
  if (/^https?:\/\//i.test(clientId)) return { ok: true, clientId };
  const client = await findClient(clientId, { sealer: ctx.sealer });
  const refused = (description: string): ClientCheck => ({
    ok: false,
    status: 401,
    error: 'invalid_client',
    description,
    ...(basic && { headers: { 'www-authenticate': 'Basic realm="token"' } }),
  });
  if (!client.ok) return refused('Unknown client: register again.');
  if (client.value.authMethod === 'none') return { ok: true, clientId };
  const secret = basic?.secret ?? form.get('client_secret');
  if (!secret) return refused('This client was registered with a secret: send its client_secret.');
  if (!ctx.sealer.matchesDerived(clientId, secret)) return refused('The client secret is wrong.');
  return { ok: true, clientId };
}

/** `Authorization: Basic` with the form-urlencoded client id and secret (RFC 6749 §2.3.1). */
function basicCredentials(authorization: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return undefined;
  }
}

async function issue(res: ServerResponse, grant: GrantClaims, ctx: OAuthContext): Promise<void> {
  const accessToken = await ctx.sealer.seal(
    'access',
    { ...grant },
    { ttlSeconds: ACCESS_TOKEN_TTL_SECONDS, audience: ctx.resource },
  );
  const refresh: RefreshClaims = { ...grant, resource: ctx.resource };
  const refreshToken = await ctx.sealer.seal(
    'refresh',
    { ...refresh },
    { ttlSeconds: REFRESH_TOKEN_TTL_SECONDS },
  );
  res.writeHead(200, { ...JSON_HEADERS, ...CORS_HEADERS, pragma: 'no-cache' });
  res.end(
    JSON.stringify({
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
      refresh_token: refreshToken,
      ...(grant.scope !== undefined && { scope: grant.scope }),
    }),
  );
}

/** RFC 7636 S256: BASE64URL(SHA256(verifier)) equals the challenge; the verifier 43-128 unreserved chars. */
function pkceMatches(verifier: string, challenge: string): boolean {
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return false;
  const computed = Buffer.from(createHash('sha256').update(verifier).digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

function scopeOf(scope: string | undefined): { scope?: string } {
  return scope === undefined ? {} : { scope };
}
