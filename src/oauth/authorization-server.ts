/**
 * Remote mode as an OAuth 2.1 protected resource, with its own authorization server in front of the
 * Vobiz credentials, as the MCP authorization spec has it — what Claude's and ChatGPT's connectors
 * sign in with:
 *
 * - `/.well-known/oauth-protected-resource[/mcp]` (RFC 9728) names this server as the authorization
 *   server of the resource `<public URL>/mcp`; a 401 from /mcp points at it (`WWW-Authenticate`).
 * - `/.well-known/oauth-authorization-server` (RFC 8414), `/register` (RFC 7591, clients.ts), client
 *   ID metadata documents (clients.ts), `/authorize` (the sign-in page, authorize.ts) and `/token`
 *   (token-endpoint.ts): authorization code with PKCE S256, refresh tokens rotated on each use,
 *   resource indicators (RFC 8707) checked against this resource, redirect URIs matched exactly.
 *
 * Nothing is stored: what is handed out is sealed (sealed.ts), the credentials inside. Codes and
 * refresh tokens are single-use per instance, and across instances that share a Redis (redeemed.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { ConfigError, type Config } from '../config.js';
import {
  bearerAuthChallengeResponse,
  buildOAuthProtectedResourceMetadata,
  getOAuthProtectedResourceMetadataUrl,
  OAuthError,
  OAuthErrorCode,
  verifyBearerToken,
  type AuthInfo,
} from '../mcp/sdk.js';
import type { ServerOptions } from '../mcp/create-server.js';
import type { VobizCredentials } from '../vobiz/client.js';
import type { BodyBudget } from '../http/request-body.js';
import type { HostGuard } from '../http/guard.js';
import { JSON_HEADERS, sendError, writeResponse } from '../http/reply.js';
import { handleAuthorize } from './authorize.js';
import { registerClient } from './clients.js';
import type { OAuthKey } from './key-ring.js';
import { readForm, readJson, sendOAuthError, CORS_HEADERS } from './oauth-http.js';
import { Sealer } from './sealed.js';
import { handleToken } from './token-endpoint.js';
import { Redemptions, type ClaimOnce } from './redeemed.js';

export const ACCESS_TOKEN_TTL_SECONDS = 60 * 60;
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;
export const CODE_TTL_SECONDS = 60;
/** How long the sign-in page may stay open before its form is refused as stale. */
export const SIGN_IN_TTL_SECONDS = 15 * 60;
/** Redeemed ids remembered per instance (used-once.ts): far above one instance's sign-ins. */
const MAX_REMEMBERED_CODES = 100_000;
const MAX_REMEMBERED_REFRESH_TOKENS = 200_000;

const PROTECTED_RESOURCE_PATH = '/.well-known/oauth-protected-resource';
const AUTHORIZATION_SERVER_PATH = '/.well-known/oauth-authorization-server';

export interface OAuthOptions {
  keys: readonly OAuthKey[];
  /** The origin clients reach the server at (MCP_PUBLIC_URL, or the listening address). */
  publicOrigin: string;
  /** The MCP endpoint's path, e.g. /mcp. */
  mcpPath: string;
  config: Config;
  /** The operator's tool selection: what the sign-in page says the connector can do. */
  selection: ServerOptions;
  agent: Dispatcher;
  guard: HostGuard;
  bodies: BodyBudget;
  /** Tests only: accept client id URLs on http loopback. */
  allowLoopbackHttpClientIds?: boolean;
  /** The instances' shared store (REDIS_URL), if any: codes and refresh tokens single-use across them. */
  claimOnce?: ClaimOnce;
}

/** What the authorization server's handlers share. */
export interface OAuthContext extends OAuthOptions {
  sealer: Sealer;
  issuer: string;
  /** The resource identifier (RFC 8707) of the MCP endpoint: the audience of every access token. */
  resource: string;
  usedCodes: Redemptions;
  usedRefreshTokens: Redemptions;
}

/** The claims of an access token (and, with `resource`, of a refresh token). */
export interface GrantClaims {
  client_id: string;
  credentials: VobizCredentials;
  scope?: string;
}

export class AuthorizationServer {
  private readonly ctx: OAuthContext;
  private readonly resourceMetadataUrl: string;
  private readonly protectedResourceMetadata: object;
  private readonly serverMetadata: object;

  constructor(options: OAuthOptions) {
    const issuer = options.publicOrigin;
    const resource = `${issuer}${options.mcpPath}`;
    this.ctx = {
      ...options,
      issuer,
      resource,
      sealer: new Sealer(options.keys, issuer),
      usedCodes: new Redemptions('code', MAX_REMEMBERED_CODES, options.claimOnce),
      usedRefreshTokens: new Redemptions('refresh', MAX_REMEMBERED_REFRESH_TOKENS, options.claimOnce),
    };
    this.serverMetadata = {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      registration_endpoint: `${issuer}/register`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic'],
      client_id_metadata_document_supported: true,
      authorization_response_iss_parameter_supported: true,
    };
    try {
      this.protectedResourceMetadata = buildOAuthProtectedResourceMetadata({
        oauthMetadata: this.serverMetadata as Parameters<
          typeof buildOAuthProtectedResourceMetadata
        >[0]['oauthMetadata'],
        resourceServerUrl: new URL(resource),
        resourceName: 'Vobiz WhatsApp contacts',
      });
    } catch {
      throw new ConfigError(
        `OAuth needs an https public URL (${issuer} is not): set MCP_PUBLIC_URL to the https URL clients reach the server at`,
      );
    }
    this.resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(new URL(resource));
  }

  /** The challenge of a 401 from /mcp: where a client finds how to sign in (RFC 9728). */
  challenge(): string {
    return `Bearer resource_metadata="${this.resourceMetadataUrl}"`;
  }

  /** Whether `path` is one of the authorization server's; `handle` answers those. */
  serves(path: string): boolean {
    return (
      path === PROTECTED_RESOURCE_PATH ||
      path === `${PROTECTED_RESOURCE_PATH}${this.ctx.mcpPath}` ||
      path === AUTHORIZATION_SERVER_PATH ||
      path === '/register' ||
      path === '/authorize' ||
      path === '/token'
    );
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = req.method ?? 'GET';
    if (!this.ctx.guard.hostAllowed(req.headers.host)) {
      return sendError(
        res,
        403,
        'Forbidden: Host not allowed (set MCP_PUBLIC_URL or MCP_HTTP_ALLOWED_HOSTS).',
      );
    }
    if (path === '/authorize') return handleAuthorize(req, res, this.ctx);
    // The rest is JSON for clients, some of which run in a browser: open to any origin, no cookies.
    if (method === 'OPTIONS') {
      res.writeHead(204, { ...CORS_HEADERS, 'access-control-max-age': '600' });
      return void res.end();
    }
    if (path === '/register' || path === '/token') {
      if (method !== 'POST')
        return sendOAuthError(res, 405, 'invalid_request', 'Use POST.', { allow: 'POST' });
      if (path === '/token') {
        const form = await readForm(req, this.ctx.bodies);
        if (!form.ok) return sendOAuthError(res, form.status, 'invalid_request', form.message);
        return handleToken(res, form.value, req.headers.authorization, this.ctx);
      }
      const body = await readJson(req, this.ctx.bodies);
      if (!body.ok) return sendOAuthError(res, body.status, 'invalid_request', body.message);
      const registered = await registerClient(body.value, this.ctx.sealer);
      if (!registered.ok) return sendOAuthError(res, 400, registered.error, registered.description);
      res.writeHead(201, { ...JSON_HEADERS, ...CORS_HEADERS });
      return void res.end(JSON.stringify(registered.value));
    }
    if (method !== 'GET' && method !== 'HEAD') {
      return sendOAuthError(res, 405, 'invalid_request', 'Use GET.', { allow: 'GET, HEAD' });
    }
    const document =
      path === AUTHORIZATION_SERVER_PATH ? this.serverMetadata : this.protectedResourceMetadata;
    res.writeHead(200, { ...JSON_HEADERS, ...CORS_HEADERS, 'cache-control': 'public, max-age=3600' });
    res.end(method === 'HEAD' ? undefined : JSON.stringify(document));
  }

  /**
   * The credentials an access token carries, checked by the SDK's bearer check: sealed by a key of
   * the ring, not expired, for this resource. A refusal is answered here (401 with the challenge).
   */
  async authenticate(
    authorization: string | undefined,
    res: ServerResponse,
  ): Promise<VobizCredentials | undefined> {
    try {
      const info = await verifyBearerToken(authorization, {
        verifier: { verifyAccessToken: (token) => this.verifyAccessToken(token) },
        expectedResource: new URL(this.ctx.resource),
        resourceMetadataUrl: this.resourceMetadataUrl,
      });
      return (info.extra as { credentials: VobizCredentials }).credentials;
    } catch (error) {
      await writeResponse(
        res,
        bearerAuthChallengeResponse(error, { resourceMetadataUrl: this.resourceMetadataUrl }),
      );
      return undefined;
    }
  }

  private async verifyAccessToken(token: string): Promise<AuthInfo> {
    const opened = await this.ctx.sealer.open<GrantClaims>('access', token, { audience: this.ctx.resource });
    if (!opened.ok) {
      throw new OAuthError(
        OAuthErrorCode.InvalidToken,
        opened.reason === 'expired'
          ? 'The access token has expired: refresh it, or sign in again.'
          : 'The access token is not valid here (another server, a key no longer in use, or altered): sign in again.',
      );
    }
    const { claims } = opened;
    return {
      token,
      clientId: claims.client_id,
      scopes: claims.scope ? claims.scope.split(' ') : [],
      ...(claims.exp !== undefined && { expiresAt: claims.exp }),
      resource: new URL(this.ctx.resource),
      extra: { credentials: claims.credentials },
    };
  }
}
