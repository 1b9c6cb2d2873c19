/**
 * Session ids the server signs and never stores: how a stateless endpoint tells apart the clients that
 * share one set of credentials, so that a cancel reaches only its sender's call.
 *
 * JSON-RPC ids are unique only per client (the SDK's count from 0), and several clients may use one
 * account. At `initialize` the server answers with `Mcp-Session-Id: v1.<nonce>.<tag>`, the tag an HMAC
 * of the nonce and the credentials; MCP clients send it back on every later request. A valid tag shows
 * that a server holding the key made the id for these credentials: a made-up id (`abc`, shared by two
 * careless clients) or one copied from another account names no session. Nothing is kept per session.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_HEADER = 'mcp-session-id';
const VERSION = 'v1';
const NONCE_BYTES = 16;
const TAG_BYTES = 16;

export class SessionIds {
  private readonly key: Buffer;

  /** `secret`: shared by every instance behind one balancer; a random key of this process when absent. */
  constructor(secret: string | undefined) {
    this.key = secret === undefined ? randomBytes(32) : Buffer.from(secret, 'utf8');
  }

  /** A new session id for a client that acts with these credentials (`credentialMaterial`). */
  issue(credentials: string): string {
    const nonce = randomBytes(NONCE_BYTES).toString('base64url');
    return `${VERSION}.${nonce}.${this.tag(nonce, credentials).toString('base64url')}`;
  }

  /** The id, when this server (or one sharing its key) issued it for these credentials; else undefined. */
  verify(header: string | string[] | undefined, credentials: string): string | undefined {
    if (typeof header !== 'string') return undefined;
    const [version, nonce, tag, ...rest] = header.split('.');
    if (version !== VERSION || !nonce || !tag || rest.length > 0) return undefined;
    const given = Buffer.from(tag, 'base64url');
    const expected = this.tag(nonce, credentials);
    return given.length === expected.length && timingSafeEqual(given, expected) ? header : undefined;
  }

  private tag(nonce: string, credentials: string): Buffer {
    return createHmac('sha256', this.key)
      .update(`${VERSION}\0${nonce}\0${credentials}`)
      .digest()
      .subarray(0, TAG_BYTES);
  }
}
