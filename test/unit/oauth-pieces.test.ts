/**
 * The parts of OAuth sign-in that a wrong setting or a busy instance would show: the key ring's
 * checks (messages that name the problem, never the key), the public URL's, and the bounded memory of
 * used codes. The flow itself is test/e2e/remote-oauth.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startRemoteServer } from '../../src/http/http-server.js';
import { parseKeyRing, type OAuthKey } from '../../src/oauth/key-ring.js';
import { Sealer } from '../../src/oauth/sealed.js';
import { UsedOnce } from '../../src/oauth/used-once.js';

const key = () => randomBytes(32).toString('base64');

function load(env: Record<string, string>) {
  return loadConfig({ MCP_HTTP_PORT: '0', ...env }, { accountOptional: true });
}

describe('MCP_OAUTH_KEY', () => {
  it('reads a ring of keys, newest first, in base64 or base64url', () => {
    const newer = randomBytes(32);
    const older = randomBytes(32);
    const { oauthKeys } = load({
      MCP_OAUTH_KEY: `k2:${newer.toString('base64url')}, k1:${older.toString('base64')}`,
    }).http;
    expect(oauthKeys?.map((entry) => entry.id)).toEqual(['k2', 'k1']);
    expect(Buffer.from(oauthKeys?.[0]?.key ?? []).equals(newer)).toBe(true);
  });

  it.each([
    ['a key without its id', () => key(), /must be id:key/],
    ['a short key', () => `k1:${randomBytes(16).toString('base64')}`, /key k1 must be 32 bytes \(it is 16\)/],
    ['a key that is not base64', () => 'k1:not base64!', /key k1 must be base64/],
    ['an id twice', () => `k1:${key()},k1:${key()}`, /lists key id k1 twice/],
  ])('refuses %s, naming the setting and never the key', (_, value, message) => {
    const setting = value();
    let error: unknown;
    try {
      load({ MCP_OAUTH_KEY: setting });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/MCP_OAUTH_KEY/);
    expect((error as Error).message).toMatch(message);
    const secret = setting.split(':').pop() ?? setting;
    expect((error as Error).message).not.toContain(secret);
  });
});

describe('MCP_PUBLIC_URL', () => {
  it('takes the origin, with or without the /mcp the connector URL ends in', () => {
    expect(load({ MCP_PUBLIC_URL: 'https://mcp.example.com/mcp' }).http.publicUrl).toBe(
      'https://mcp.example.com',
    );
    expect(load({ MCP_PUBLIC_URL: 'https://mcp.example.com/' }).http.publicUrl).toBe(
      'https://mcp.example.com',
    );
  });

  it('refuses a path, a query or a URL without its scheme', () => {
    for (const value of ['https://example.com/vobiz', 'https://example.com/?a=1', 'mcp.example.com']) {
      expect(() => load({ MCP_PUBLIC_URL: value }), value).toThrow(/MCP_PUBLIC_URL must be/);
    }
  });

  it('is needed, as https, when the server listens on all interfaces with OAuth on', async () => {
    const config = load({ MCP_OAUTH_KEY: `k1:${key()}`, MCP_HTTP_HOST: '0.0.0.0' });
    await expect(startRemoteServer({ config })).rejects.toThrow(/set MCP_PUBLIC_URL to the https URL/);
  });
});

describe('codes and refresh tokens used once', () => {
  afterEach(() => vi.useRealTimers());

  it('refuses an id twice, forgets it once expired, and stays within its bound', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const used = new UsedOnce(2);
    const now = Date.now() / 1000;
    expect(used.use('a', now + 60)).toBe(true);
    expect(used.use('a', now + 60)).toBe(false);
    vi.advanceTimersByTime(61_000);
    // Expired: the token itself is refused by its expiry now, so the id need not be kept.
    expect(used.use('b', now + 120)).toBe(true);
    expect(used.use('c', now + 120)).toBe(true);
    expect(used.forgotten).toBe(0);
    // Full of live ids: the oldest is forgotten early, and counted.
    expect(used.use('d', now + 120)).toBe(true);
    expect(used.forgotten).toBe(1);
    expect(used.use('c', now + 120)).toBe(false);
  });
});

describe('rotating MCP_OAUTH_KEY', () => {
  const ring = (value: string) => parseKeyRing(value) as OAuthKey[];
  const [k1, k2] = [`k1:${key()}`, `k2:${key()}`];
  const issuer = 'https://mcp.example.com';

  it('keeps what the old key sealed while it is listed, and revokes it once dropped', async () => {
    const token = await new Sealer(ring(k1), issuer).seal('access', { n: 1 }, { ttlSeconds: 60 });
    const rotated = new Sealer(ring(`${k2},${k1}`), issuer);
    const opened = await rotated.open<{ n: number }>('access', token);
    expect(opened.ok && opened.claims.n).toBe(1);
    // What the rotated ring seals is under the new key: the old ring cannot open it.
    const newer = await rotated.seal('access', { n: 2 }, { ttlSeconds: 60 });
    expect((await new Sealer(ring(k1), issuer).open('access', newer)).ok).toBe(false);
    expect(await new Sealer(ring(k2), issuer).open('access', token)).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });

  it('never takes one kind of token for another, nor one of another issuer', async () => {
    const sealer = new Sealer(ring(k1), issuer);
    const refresh = await sealer.seal('refresh', {}, { ttlSeconds: 60 });
    expect((await sealer.open('access', refresh)).ok).toBe(false);
    expect((await new Sealer(ring(k1), 'https://other.example').open('refresh', refresh)).ok).toBe(false);
  });

  it('derives client secrets any listed key recognises, and a dropped key no longer does', () => {
    const secret = new Sealer(ring(k1), issuer).derive('client-a');
    expect(new Sealer(ring(`${k2},${k1}`), issuer).matchesDerived('client-a', secret)).toBe(true);
    expect(new Sealer(ring(`${k2},${k1}`), issuer).matchesDerived('client-b', secret)).toBe(false);
    expect(new Sealer(ring(k2), issuer).matchesDerived('client-a', secret)).toBe(false);
  });
});
