/**
 * Remote mode as a connector: OAuth sign-in end to end, through real HTTP on loopback — the built CLI
 * with MCP_OAUTH_KEY, a sandbox as Vobiz, and the SDK client's OAuth functions doing what Claude's
 * and ChatGPT's connectors do. Then every way it must refuse.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import {
  Client,
  refreshAuthorization,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type OAuthClientProvider,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
} from '@modelcontextprotocol/client';
import { EncryptJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startRemoteServer, type RemoteServer } from '../../src/http/http-server.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { contactsOf, textOf } from '../support/context.js';
import { redisAvailable, startRedis, type RedisServer } from '../support/redis-server.js';
import {
  authorizationUrl,
  discoverAndRegister,
  exchangeCode,
  oauthKey,
  REDIRECT_URI,
  signInByForm,
  type Registered,
} from '../support/oauth-flow.js';
import {
  call,
  connect,
  listenOnLoopback,
  operatorEnv,
  raw,
  startRemote,
  stopRemote,
  structured,
  toolCall,
  type ListOutput,
  type Remote,
} from '../support/remote-stack.js';

/** A connector as the SDK's OAuth client provider sees one: it keeps what it is given, in memory. */
class ConnectorProvider implements OAuthClientProvider {
  private client: StoredOAuthClientInformation | undefined;
  private saved: StoredOAuthTokens | undefined;
  private verifier = '';
  /** The redirect URI's query the browser brought back after the sign-in. */
  callback: URLSearchParams | undefined;

  constructor(private readonly fields: Record<string, string>) {}
  get redirectUrl() {
    return REDIRECT_URI;
  }
  get clientMetadata() {
    return {
      client_name: 'SDK connector',
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(client: StoredOAuthClientInformation) {
    this.client = client;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: StoredOAuthTokens) {
    this.saved = tokens;
  }
  async redirectToAuthorization(url: URL) {
    const answer = await signInByForm(url, this.fields);
    this.callback = new URL(answer.location ?? 'missing:').searchParams;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

describe('OAuth sign-in (MCP_OAUTH_KEY set, no account configured)', () => {
  let sandbox: Sandbox;
  let remote: Remote;
  let other: Remote;
  const key = oauthKey();
  let registered: Registered;

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: false });
    remote = await startRemote({ VOBIZ_BASE_URL: sandbox.baseUrl, MCP_OAUTH_KEY: key.setting });
    // Another server sharing the key, at another public URL: its tokens are for another resource.
    other = await startRemote({
      VOBIZ_BASE_URL: sandbox.baseUrl,
      MCP_OAUTH_KEY: key.setting,
      MCP_PUBLIC_URL: 'https://mcp.example.com',
    });
    registered = await discoverAndRegister(remote.url, 'Claude <b>&</b> "friends"');
  }, 20_000);

  afterAll(async () => {
    await stopRemote(remote);
    await stopRemote(other);
    await sandbox.close();
  });

  const form = () => ({ auth_id: sandbox.credentials.authId, auth_token: sandbox.credentials.authToken });

  /** Signs in with the sandbox's credentials and exchanges the code, as a connector does. */
  async function signInAndExchange() {
    const { url, codeVerifier } = await authorizationUrl(registered);
    const signedIn = await signInByForm(url, form());
    return exchangeCode(registered, signedIn.location, codeVerifier);
  }

  it('walks the whole flow: discovery, registration, sign-in, code, tokens, tools/call, refresh', async () => {
    expect(registered.resource).toBe(remote.url);
    expect(registered.metadata.code_challenge_methods_supported).toEqual(['S256']);

    const { url, codeVerifier, state } = await authorizationUrl(registered);
    const page = await fetch(url);
    const html = await page.text();
    // The page says who asks, what the connector will do, and escapes the client's own words.
    expect(html).toContain('Claude &#60;b&#62;&#38;&#60;/b&#62; &#34;friends&#34;');
    expect(html).not.toContain('<b>&</b>');
    expect(html).toContain('List or search contacts');
    expect(html).toContain('Delete a contact <em>(makes changes)</em>');
    expect(html).toMatch(/can create, change and delete contacts/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);

    const signedIn = await signInByForm(url, form());
    expect(signedIn.status).toBe(303);
    const back = new URL(signedIn.location ?? '');
    expect(back.origin + back.pathname).toBe(REDIRECT_URI);
    expect(back.searchParams.get('state')).toBe(state);
    expect(back.searchParams.get('iss')).toBe(registered.issuer);
    const code = back.searchParams.get('code') ?? '';

    const tokens = await exchangeCode(registered, signedIn.location, codeVerifier);
    expect(tokens.token_type).toBe('Bearer');
    expect(tokens.refresh_token).toBeDefined();
    // No Vobiz credential is readable in anything handed out: not in clear, not in base64.
    for (const sealed of [
      code,
      tokens.access_token,
      tokens.refresh_token ?? '',
      registered.client.client_id,
    ]) {
      const decoded = sealed
        .split('.')
        .map((part) => Buffer.from(part, 'base64url').toString('latin1'))
        .join('');
      for (const secret of [sandbox.credentials.authToken, sandbox.credentials.authId]) {
        expect(sealed).not.toContain(secret);
        expect(decoded).not.toContain(secret);
      }
    }

    // The access token is all the MCP client sends: the calls act on the signed-in account.
    const client = await connect(remote.url, { Authorization: `Bearer ${tokens.access_token}` });
    structured(await call(client, 'create_contact', { phone_number: '+919800000701', name: 'Via OAuth' }));
    const listed = await call(client, 'list_contacts');
    structured<ListOutput>(listed);
    expect(contactsOf(listed).map((item) => item.name)).toEqual(['Via OAuth']);
    await client.close();
    expect(sandbox.contacts().map((contact) => contact.name)).toEqual(['Via OAuth']);

    // The code is single-use.
    await expect(exchangeCode(registered, signedIn.location, codeVerifier)).rejects.toThrow(
      /already been used/,
    );

    // Refresh rotates: a new pair works, the old refresh token is refused.
    const refreshed = await refreshAuthorization(registered.issuer, {
      metadata: registered.metadata,
      clientInformation: registered.client,
      refreshToken: tokens.refresh_token ?? '',
      resource: new URL(registered.resource),
    });
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    await expect(
      refreshAuthorization(registered.issuer, {
        metadata: registered.metadata,
        clientInformation: registered.client,
        refreshToken: tokens.refresh_token ?? '',
      }),
    ).rejects.toThrow(/already been used/);
    const again = await raw(remote.url, {
      headers: { authorization: `Bearer ${refreshed.access_token}` },
      body: toolCall('list_contacts'),
    });
    expect(again.status).toBe(200);

    // The existing modes stay: a caller's own X-Vobiz-* headers still work beside OAuth.
    const byHeaders = await connect(remote.url, {
      'X-Vobiz-Bearer-Token': sandbox.credentials.bearerToken,
    });
    expect(structured<ListOutput>(await call(byHeaders, 'list_contacts')).total).toBe(1);
    await byHeaders.close();

    for (const secret of [sandbox.credentials.authToken, sandbox.credentials.bearerToken]) {
      expect(remote.stderr()).not.toContain(secret);
    }
  });

  it("connects through the SDK client's own OAuth provider, from its first 401", async () => {
    const provider = new ConnectorProvider(form());
    const url = new URL(remote.url);
    const first = new Client({ name: 'sdk-connector', version: '1.0.0' });
    // The transport meets the 401, discovers, registers and opens the sign-in page (here: the form).
    await expect(
      first.connect(new StreamableHTTPClientTransport(url, { authProvider: provider })),
    ).rejects.toBeInstanceOf(UnauthorizedError);
    expect(provider.callback?.get('code')).toBeTruthy();
    const transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
    await transport.finishAuth(provider.callback ?? new URLSearchParams());
    const client = new Client({ name: 'sdk-connector', version: '1.0.0' });
    await client.connect(transport);
    const result = await call(client, 'list_contacts');
    expect(result.isError, textOf(result)).toBeFalsy();
    await client.close();
  });

  it.each(['client_secret_post', 'client_secret_basic'] as const)(
    'gives a client registered for %s (as Claude registers) a secret, and requires it',
    async (method) => {
      const confidential = await discoverAndRegister(remote.url, 'Claude', method);
      expect(confidential.client.token_endpoint_auth_method).toBe(method);
      const secret = confidential.client.client_secret ?? '';
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const { url, codeVerifier } = await authorizationUrl(confidential);
      const signedIn = await signInByForm(url, form());
      const back = new URL(signedIn.location ?? '').searchParams;
      const exchange = (auth: { body?: Record<string, string>; authorization?: string }) =>
        fetch(`${confidential.issuer}/token`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            ...(auth.authorization && { authorization: auth.authorization }),
          },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code: back.get('code') ?? '',
            code_verifier: codeVerifier,
            redirect_uri: REDIRECT_URI,
            ...auth.body,
          }),
        });
      const clientId = confidential.client.client_id;
      const withoutSecret = await exchange({ body: { client_id: clientId } });
      expect(withoutSecret.status).toBe(401);
      expect(((await withoutSecret.json()) as { error: string }).error).toBe('invalid_client');
      const wrongSecret = await exchange({
        body: { client_id: clientId, client_secret: `${secret.slice(1)}x` },
      });
      expect(wrongSecret.status).toBe(401);
      // The SDK picks the method the client registered with.
      const tokens = await exchangeCode(confidential, signedIn.location, codeVerifier);
      expect(tokens.access_token).toBeTruthy();
    },
  );

  it('refuses a wrong PKCE verifier', async () => {
    const { url } = await authorizationUrl(registered);
    const signedIn = await signInByForm(url, form());
    await expect(exchangeCode(registered, signedIn.location, 'x'.repeat(64))).rejects.toThrow(
      /code_verifier does not match/,
    );
  });

  it('refuses a redirect URI the client did not register, without sending the browser there', async () => {
    const { url } = await authorizationUrl(registered);
    url.searchParams.set('redirect_uri', 'https://attacker.example/steal');
    const answer = await fetch(url, { redirect: 'manual' });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('location')).toBeNull();
    expect(await answer.text()).toMatch(/address the app did not register/);
  });

  it('refuses to sign in for another resource, and a token for another resource', async () => {
    const { url } = await authorizationUrl(registered);
    url.searchParams.set('resource', 'https://elsewhere.example/mcp');
    const answer = await fetch(url, { redirect: 'manual' });
    expect(answer.status).toBe(303);
    expect(new URL(answer.headers.get('location') ?? '').searchParams.get('error')).toBe('invalid_target');

    // Same key, other server: the token's audience is not that server's resource.
    const tokens = await signInAndExchange();
    const elsewhere = await raw(other.url, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
      body: toolCall('list_contacts'),
    });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    expect(elsewhere.headers['www-authenticate']).toContain(
      'resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"',
    );
  });

  it('refuses an expired or altered access token, and one of a key no longer listed', async () => {
    const now = Math.floor(Date.now() / 1000);
    const credentials = { authId: sandbox.credentials.authId, authToken: sandbox.credentials.authToken };
    const sealed = (encryptWith: Uint8Array, exp: number) =>
      new EncryptJWT({ kind: 'access', client_id: 'c', credentials })
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: key.id })
        .setIssuer(registered.issuer)
        .setAudience(registered.resource)
        .setIssuedAt(now - 7200)
        .setExpirationTime(exp)
        .setJti('j')
        .encrypt(encryptWith);
    const send = (token: string) =>
      raw(remote.url, { headers: { authorization: `Bearer ${token}` }, body: toolCall('list_contacts') });

    const fresh = await sealed(key.key, now + 600);
    expect((await send(fresh)).status, 'the same claims, unexpired, are accepted').toBe(200);

    const expired = await send(await sealed(key.key, now - 60));
    expect(expired.status).toBe(401);
    expect(expired.body).toMatch(/expired/);

    const parts = fresh.split('.');
    const ciphertext = parts[3] ?? '';
    parts[3] = (ciphertext.startsWith('A') ? 'B' : 'A') + ciphertext.slice(1);
    const tampered = await send(parts.join('.'));
    expect(tampered.status).toBe(401);
    expect(tampered.headers['www-authenticate']).toMatch(/invalid_token/);

    expect((await send(await sealed(oauthKey().key, now + 600))).status).toBe(401);
    for (const answer of [expired, tampered]) expect(answer.body).not.toContain(credentials.authToken);
  });

  it('refuses wrong Vobiz credentials on the form with a clear message, and issues no code', async () => {
    const { url } = await authorizationUrl(registered);
    const wrong = await signInByForm(url, {
      auth_id: sandbox.credentials.authId,
      auth_token: 'not-the-token-1234',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.location).toBeNull();
    expect(wrong.html).toContain('Vobiz did not accept this Auth ID and Auth Token');
    expect(wrong.html).toContain('No access was granted');
    expect(wrong.html).not.toContain('not-the-token-1234');
    expect(wrong.html).toContain(`value="${sandbox.credentials.authId}"`); // kept, to fix the token

    const incomplete = await signInByForm(url, { auth_id: sandbox.credentials.authId });
    expect(incomplete.status).toBe(400);
    expect(incomplete.html).toContain('Fill in your Vobiz Auth Token too.');

    // A JWT instead works the same way.
    const byJwt = await signInByForm(url, { jwt: sandbox.credentials.bearerToken });
    expect(new URL(byJwt.location ?? '').searchParams.get('code')).toBeTruthy();
  });

  it('refuses the form without the browser’s sign-in cookie (CSRF), and a form it did not make', async () => {
    const { url } = await authorizationUrl(registered);
    const html = await (await fetch(url)).text();
    const request = /name="request" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const post = (body: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(new URL('/authorize', url), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ ...form(), ...body }),
      });
    const noCookie = await post({ request });
    expect(noCookie.status).toBe(403);
    expect(noCookie.headers.get('location')).toBeNull();
    const forged = await post({ request: `${request.slice(0, -2)}AA` }, { cookie: 'vobiz_sign_in=x' });
    expect(forged.status).toBe(400);
    expect(forged.headers.get('location')).toBeNull();
  });

  it('accepts a client ID metadata document only over https when not told otherwise', async () => {
    const url = new URL(`${registered.issuer}/authorize`);
    url.search = new URLSearchParams({
      client_id: 'http://127.0.0.1:9/client.json',
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'S256',
    }).toString();
    const answer = await fetch(url, { redirect: 'manual' });
    expect(answer.status).toBe(400);
    expect(await answer.text()).toMatch(/must be an https URL/);
    url.searchParams.set('client_id', 'https://127.0.0.1:9/client.json');
    const loopback = await fetch(url, { redirect: 'manual' });
    expect(loopback.status).toBe(400);
    expect(await loopback.text()).toMatch(/must not name this machine/);
  });
});

describe('OAuth beside the endpoint token (MCP_HTTP_TOKEN) and a configured account', () => {
  let sandbox: Sandbox;
  let remote: Remote;
  const endpointToken = 'e'.repeat(40);

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: false });
    remote = await startRemote(
      operatorEnv(sandbox, { MCP_HTTP_TOKEN: endpointToken, MCP_OAUTH_KEY: oauthKey().setting }),
    );
  }, 20_000);

  afterAll(async () => {
    await stopRemote(remote);
    await sandbox.close();
  });

  it('takes the endpoint token as before, and an access token from a sign-in', async () => {
    const send = (authorization: string) =>
      raw(remote.url, { headers: { authorization }, body: toolCall('list_contacts') });
    expect((await send(`Bearer ${endpointToken}`)).status).toBe(200);
    const wrong = await send('Bearer not-the-endpoint-token');
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toMatch(/resource_metadata=/);

    const registered = await discoverAndRegister(remote.url); // from the 401 without a token
    const { url, codeVerifier } = await authorizationUrl(registered);
    const signedIn = await signInByForm(url, {
      auth_id: sandbox.credentials.authId,
      auth_token: sandbox.credentials.authToken,
    });
    const tokens = await exchangeCode(registered, signedIn.location, codeVerifier);
    expect((await send(`Bearer ${tokens.access_token}`)).status).toBe(200);
  });
});

describe('OAuth with a client ID metadata document', () => {
  let sandbox: Sandbox;
  let server: RemoteServer;
  let documents: Awaited<ReturnType<typeof listenOnLoopback>>;
  let documentUrl = '';

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: false });
    documents = await listenOnLoopback(
      http.createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            client_id: documentUrl,
            client_name: 'Metadata Client',
            redirect_uris: [REDIRECT_URI],
          }),
        );
      }),
    );
    documentUrl = `${new URL(documents.baseUrl).origin}/client.json`;
    const config = loadConfig(
      { VOBIZ_BASE_URL: sandbox.baseUrl, MCP_OAUTH_KEY: oauthKey().setting, MCP_HTTP_PORT: '0' },
      { accountOptional: true },
    );
    server = await startRemoteServer({ config, allowLoopbackHttpClientIds: true });
  });

  afterAll(async () => {
    await server.close();
    await documents.close();
    await sandbox.close();
  });

  it('signs in a client whose id is the URL of its metadata document', async () => {
    const registered: Registered = {
      ...(await discoverAndRegister(server.url)),
      client: { client_id: documentUrl, redirect_uris: [REDIRECT_URI] },
    };
    const { url, codeVerifier } = await authorizationUrl(registered);
    const html = await (await fetch(url)).text();
    expect(html).toContain('Metadata Client');
    const signedIn = await signInByForm(url, {
      auth_id: sandbox.credentials.authId,
      auth_token: sandbox.credentials.authToken,
    });
    const tokens = await exchangeCode(registered, signedIn.location, codeVerifier, undefined);
    const client = await connect(server.url, { Authorization: `Bearer ${tokens.access_token}` });
    const result = await call(client, 'list_contacts');
    expect(result.isError, textOf(result)).toBeFalsy();
    await client.close();
  });
});

describe.skipIf(!redisAvailable())('OAuth on several instances sharing a Redis', () => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  const instances: Remote[] = [];
  const key = oauthKey();

  beforeAll(async () => {
    redis = await startRedis();
    sandbox = await startSandbox({ seed: false });
    // One public URL for both, as behind one load balancer: what one issues, the other accepts.
    for (let i = 0; i < 2; i++) {
      instances.push(
        await startRemote({
          VOBIZ_BASE_URL: sandbox.baseUrl,
          MCP_OAUTH_KEY: key.setting,
          MCP_PUBLIC_URL: 'http://127.0.0.1:9',
          REDIS_URL: redis.url,
        }),
      );
    }
  }, 20_000);

  afterAll(async () => {
    await Promise.all(instances.map((remote) => stopRemote(remote)));
    await sandbox?.close();
    await redis?.kill();
  });

  it('redeems a code and a refresh token once across the instances', async () => {
    const [a, b] = instances.map((remote) => new URL(remote.url).origin) as [string, string];
    const registration = (await (
      await fetch(`${a}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' }),
      })
    ).json()) as { client_id: string };
    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL(`${a}/authorize`);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: registration.client_id,
      redirect_uri: REDIRECT_URI,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    const signedIn = await signInByForm(authorize, {
      auth_id: sandbox.credentials.authId,
      auth_token: sandbox.credentials.authToken,
    });
    const code = new URL(signedIn.location ?? 'missing:').searchParams.get('code') ?? '';
    const token = (origin: string, grant: Record<string, string>) =>
      fetch(`${origin}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: registration.client_id, ...grant }),
      });
    const exchange = {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT_URI,
    };
    const first = await token(a, exchange);
    expect(first.status).toBe(200);
    const tokens = (await first.json()) as { access_token: string; refresh_token: string };
    const replayed = await token(b, exchange);
    expect(replayed.status).toBe(400);
    expect(await replayed.text()).toMatch(/already been used/);

    // The access token works on the other instance; the refresh token rotates across both.
    const listed = await raw(instances[1]?.url ?? '', {
      headers: { authorization: `Bearer ${tokens.access_token}` },
      body: toolCall('list_contacts'),
    });
    expect(listed.status).toBe(200);
    const refresh = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token };
    expect((await token(b, refresh)).status).toBe(200);
    const again = await token(a, refresh);
    expect(again.status).toBe(400);
    expect(await again.text()).toMatch(/already been used/);
  });
});
