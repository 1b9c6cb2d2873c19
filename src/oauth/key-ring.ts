/**
 * The keys of `MCP_OAUTH_KEY`: `id:key[,id:key…]`, each key 32 random bytes in base64 or base64url.
 * The first key encrypts; every key listed decrypts, chosen by the id in the token's header. Rotating
 * is putting a new key first; revoking every token of an old key is dropping it from the list.
 *
 * No cryptography here (that is sealed.ts): settings.ts checks the value with this at start-up.
 */
export interface OAuthKey {
  /** Put in each token's header (`kid`), so that the key that opens it is found without trying all. */
  id: string;
  key: Uint8Array;
}

/** The keys, newest first, or what is wrong with the value (never quoting it: it is a secret). */
export function parseKeyRing(raw: string): OAuthKey[] | string {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) return 'must hold at least one key, as id:key (openssl rand -base64 32)';
  const keys: OAuthKey[] = [];
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const id = entry.slice(0, colon);
    const encoded = entry.slice(colon + 1);
    if (colon < 1 || !/^[A-Za-z0-9._-]{1,32}$/.test(id)) {
      return `entry ${index + 1} must be id:key, the id 1 to 32 letters, digits, dots, dashes or underscores`;
    }
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded)) return `key ${id} must be base64`;
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32) {
      return `key ${id} must be 32 bytes (it is ${key.length}); make one with: openssl rand -base64 32`;
    }
    if (keys.some((other) => other.id === id)) return `lists key id ${id} twice`;
    keys.push({ id, key: new Uint8Array(key) });
  }
  return keys;
}
