/**
 * Everything the authorization server hands out — client ids, the sign-in form's state, codes, access
 * and refresh tokens — is a sealed JWT: encrypted and authenticated with AES-256-GCM under a key of
 * `MCP_OAUTH_KEY` (JWE, `dir` + `A256GCM`, the key's id in the header). So nothing is stored: any
 * instance with the key opens what any other sealed, and the Vobiz credentials a token carries are
 * readable by no one else, the client holding the token included.
 *
 * `jose` does the JWE and the claim checks (expiry, issuer, audience): a well-kept library with no
 * dependencies, rather than hand-assembled node:crypto calls and our own token format.
 */
import { createHmac, hkdfSync, randomUUID, timingSafeEqual } from 'node:crypto';
import { EncryptJWT, errors, jwtDecrypt, type JWTPayload } from 'jose';
import type { OAuthKey } from './key-ring.js';

/** What a sealed token is for: one kind is never accepted as another. */
export type SealedKind = 'client' | 'request' | 'code' | 'access' | 'refresh';

export type Opened<T> =
  { ok: true; claims: T & { jti: string; exp?: number } } | { ok: false; reason: 'expired' | 'invalid' };

export class Sealer {
  constructor(
    private readonly keys: readonly OAuthKey[],
    /** The authorization server's issuer identifier (the public origin). */
    private readonly issuer: string,
  ) {
    if (keys.length === 0) throw new Error('no OAuth key');
  }

  /**
   * A secret derived from `value` (a confidential client's secret, from its client id): HMAC-SHA256
   * under a subkey of the current key, so that it is never stored and dies with the key.
   */
  derive(value: string): string {
    const [current] = this.keys as [OAuthKey];
    return hmac(current.key, value);
  }

  /** Whether `secret` is what `derive(value)` gave under any key of the ring; in constant time. */
  matchesDerived(value: string, secret: string): boolean {
    const given = Buffer.from(secret);
    return this.keys.some((entry) => {
      const expected = Buffer.from(hmac(entry.key, value));
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
  }

  /** Seals `claims` as a `kind` token, for `audience` (the issuer by default), valid `ttlSeconds`. */
  async seal(
    kind: SealedKind,
    claims: Record<string, unknown>,
    { ttlSeconds, audience = this.issuer }: { ttlSeconds?: number; audience?: string } = {},
  ): Promise<string> {
    const [current] = this.keys as [OAuthKey];
    const now = Math.floor(Date.now() / 1000);
    const jwt = new EncryptJWT({ ...claims, kind })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: current.id })
      .setIssuer(this.issuer)
      .setAudience(audience)
      .setIssuedAt(now)
      .setJti(randomUUID());
    if (ttlSeconds !== undefined) jwt.setExpirationTime(now + ttlSeconds);
    return jwt.encrypt(current.key);
  }

  /**
   * Opens a `kind` token sealed for `audience` by any key of the ring. Anything else — another kind,
   * another issuer or audience, a key no longer listed, one changed byte — is `invalid`.
   */
  async open<T extends object>(
    kind: SealedKind,
    token: string,
    { audience = this.issuer }: { audience?: string } = {},
  ): Promise<Opened<T>> {
    // Bounded before any work: the largest token sealed here is a few kilobytes.
    if (token.length > MAX_TOKEN_CHARS || token.split('.').length !== 5)
      return { ok: false, reason: 'invalid' };
    try {
      const { payload } = await jwtDecrypt(
        token,
        (header) => {
          const key = this.keys.find((candidate) => candidate.id === header.kid);
          if (!key) throw new errors.JWEDecryptionFailed();
          return key.key;
        },
        {
          issuer: this.issuer,
          audience,
          keyManagementAlgorithms: ['dir'],
          contentEncryptionAlgorithms: ['A256GCM'],
        },
      );
      if (payload['kind'] !== kind || typeof payload.jti !== 'string')
        return { ok: false, reason: 'invalid' };
      return { ok: true, claims: payload as T & JWTPayload & { jti: string } };
    } catch (error) {
      return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
    }
  }
}

/** The encryption key is not used for anything else: the HMAC gets its own subkey (HKDF). */
function hmac(key: Uint8Array, value: string): string {
  const subkey = Buffer.from(
    hkdfSync('sha256', key, new Uint8Array(0), 'vobiz-contacts-mcp client secret', 32),
  );
  return createHmac('sha256', subkey).update(value).digest('base64url');
}

/** Longer than any token this server seals (a client id with ten long redirect URIs included). */
export const MAX_TOKEN_CHARS = 32 * 1024;
