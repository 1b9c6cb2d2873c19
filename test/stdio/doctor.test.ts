/**
 * `vobiz-contacts-mcp doctor` as a person runs it: the built CLI spawned with only the VOBIZ_* variables
 * each case sets, against a sandbox on loopback. Each case checks the exit code, the words that tell the
 * person what is wrong and which variable to change, and that no token ever shows. DNS and certificate
 * failures would need a resolver or a certificate authority, so those are checked one level down: the
 * real client fails to connect with the low-level error, and `diagnose` words it.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnose } from '../../src/doctor.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { VobizClient } from '../../src/vobiz/client.js';
import { busy, CLI, requestMark, requestsSince } from '../support/context.js';

const WRONG_TOKEN = 'wrong-token-5f3a9c1e7b2d';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(() => sandbox.close());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `doctor` with exactly this environment: nothing VOBIZ_* leaks in from the test runner. */
async function doctor(env: Record<string, string>): Promise<Run> {
  const child = spawn(process.execPath, [CLI, 'doctor'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const [code] = (await once(child, 'close')) as [number | null];
  const run = { code, stdout, stderr };
  // Whatever the case, no token may reach the terminal.
  for (const secret of [sandbox.credentials.authToken, sandbox.credentials.bearerToken, WRONG_TOKEN]) {
    expect(stdout + stderr).not.toContain(secret);
  }
  return run;
}

function goodEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    VOBIZ_BASE_URL: sandbox.baseUrl,
    VOBIZ_AUTH_ID: sandbox.credentials.authId,
    VOBIZ_AUTH_TOKEN: sandbox.credentials.authToken,
    ...overrides,
  };
}

/** The "what to do" line of a failed check. */
function advice(run: Run): string {
  return /what to do: (.*)/.exec(run.stdout)?.[1] ?? '';
}

describe('doctor', () => {
  it('good credentials: exit 0, ok, the latency and the contact count', async () => {
    const run = await doctor(goodEnv());

    expect(run.code).toBe(0);
    const host = new URL(sandbox.baseUrl).host;
    const match = /ok — reached (\S+) in (\d+) ms, the account has (\d+) contacts/.exec(run.stdout);
    expect(match?.[1]).toBe(`${host}/api/v1/messaging`);
    expect(Number(match?.[3])).toBe(sandbox.contacts().length);
    expect(run.stdout).toContain('credentials from VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN');
    expect(run.stdout).not.toContain('FAIL');
    expect(sandbox.requestLog.at(-1)).toMatchObject({ method: 'GET', route: 'list', status: 200 });
  });

  it('a bearer token works too, and the report says that is what was used', async () => {
    const run = await doctor({
      VOBIZ_BASE_URL: sandbox.baseUrl,
      VOBIZ_BEARER_TOKEN: sandbox.credentials.bearerToken,
    });

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('credentials from VOBIZ_BEARER_TOKEN');
    expect(run.stdout).toMatch(/ok — reached .* in \d+ ms/);
  });

  it('wrong token: exit 1, refused with 401, names VOBIZ_AUTH_TOKEN, never shows the token', async () => {
    const run = await doctor(goodEnv({ VOBIZ_AUTH_TOKEN: WRONG_TOKEN }));

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL — credentials refused: .* answered HTTP 401 in \d+ ms/);
    expect(advice(run)).toContain('VOBIZ_AUTH_TOKEN');
  });

  it('no credentials: exit 1, names the variables to set, and sends nothing', async () => {
    const before = requestMark(sandbox);
    const run = await doctor({ VOBIZ_BASE_URL: sandbox.baseUrl, VOBIZ_AUTH_TOKEN: '' });

    expect(run.code).toBe(1);
    expect(run.stdout).toContain('FAIL — no Vobiz credentials are set');
    expect(advice(run)).toMatch(/VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN \(or VOBIZ_BEARER_TOKEN\)/);
    expect(run.stdout).toContain('api     skipped');
    expect(requestsSince(sandbox, before)).toEqual([]);
  });

  it('malformed auth id: exit 1, says what an auth id looks like', async () => {
    const run = await doctor(goodEnv({ VOBIZ_AUTH_ID: 'sandbox-1' }));

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL — VOBIZ_AUTH_ID must look like MA_/);
    expect(advice(run)).toContain('VOBIZ_AUTH_ID');
    expect(run.stdout).not.toContain('sandbox-1');
  });

  it('a base URL without https://: exit 1, names VOBIZ_BASE_URL and the form to use, sends nothing', async () => {
    const before = requestMark(sandbox);
    const run = await doctor(goodEnv({ VOBIZ_BASE_URL: 'api.vobiz.ai/api/v1/messaging' }));

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL — VOBIZ_BASE_URL must start with https:\/\//);
    expect(advice(run)).toContain('VOBIZ_BASE_URL');
    expect(run.stdout + run.stderr).not.toMatch(/Invalid URL/);
    expect(requestsSince(sandbox, before)).toEqual([]);
  });

  it('wrong base URL path: exit 1, a 404, check VOBIZ_BASE_URL', async () => {
    const run = await doctor(goodEnv({ VOBIZ_BASE_URL: `${sandbox.baseUrl}/nope` }));

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL — .*\/api\/v1\/messaging\/nope answered HTTP 404/);
    expect(advice(run)).toMatch(/check the path in VOBIZ_BASE_URL/);
  });

  it('a web page instead of the API: exit 1, check VOBIZ_BASE_URL', async () => {
    const website = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome</body></html>');
    });
    await once(website.listen(0, '127.0.0.1'), 'listening');
    try {
      const { port } = website.address() as AddressInfo;
      const run = await doctor(goodEnv({ VOBIZ_BASE_URL: `http://127.0.0.1:${port}/` }));

      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/FAIL — not the Contacts API: .* answered HTTP 200/);
      expect(advice(run)).toMatch(/check the path in VOBIZ_BASE_URL/);
    } finally {
      website.closeAllConnections();
      website.close();
    }
  });

  it('a closed port: exit 1, nothing is listening', async () => {
    const server = net.createServer();
    await once(server.listen(0, '127.0.0.1'), 'listening');
    const { port } = server.address() as AddressInfo;
    server.close();
    await once(server, 'close');

    const run = await doctor(goodEnv({ VOBIZ_BASE_URL: `http://127.0.0.1:${port}/api/v1/messaging` }));

    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`FAIL — nothing is listening at 127.0.0.1:${port} (connection refused`);
    expect(advice(run)).toContain('VOBIZ_BASE_URL');
  });

  it('https:// on a plain-http server: exit 1, the TLS handshake failed, use http://', async () => {
    const run = await doctor(goodEnv({ VOBIZ_BASE_URL: sandbox.baseUrl.replace(/^http:/, 'https:') }));

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL — TLS handshake with 127\.0\.0\.1:\d+ failed .*does not speak https/);
    expect(advice(run)).toContain('use http:// in VOBIZ_BASE_URL');
  });

  it('a slow API: exit 1, timed out, names VOBIZ_TIMEOUT_MS', async () => {
    sandbox.faults.inject({ fault: { kind: 'latency', ms: 10_000 }, times: 1 });
    const before = requestMark(sandbox);
    const run = await doctor(goodEnv({ VOBIZ_TIMEOUT_MS: '1000' }));

    expect(run.code).toBe(1);
    expect(run.stdout).toContain('FAIL — timed out: no answer from');
    expect(run.stdout).toContain('within 1000 ms');
    expect(advice(run)).toContain('raise VOBIZ_TIMEOUT_MS');
    // One attempt, no retries: the person is not kept waiting for the latency to pass — doctor was
    // done while its request was still held.
    expect(requestsSince(sandbox, before)).toHaveLength(1);
    expect(await busy(sandbox)).toBe(true);
    expect(sandbox.faults.pending).toBe(0);
  });
});

describe('diagnose: failures that need a resolver or a certificate authority', () => {
  /** The error the real client ends in when connecting fails with this low-level code. */
  async function connectFailure(code: string): Promise<unknown> {
    const dispatcher = new Agent({
      connect: (_options, callback) =>
        callback(Object.assign(new Error(`connect failed: ${code}`), { code }), null),
    });
    const client = new VobizClient({
      baseUrl: 'https://api.example.invalid/api/v1/messaging',
      credentials: { authId: 'MA_TEST1234', authToken: 'not-a-real-token' },
      retry: { maxRetries: 0 },
      dispatcher,
    });
    try {
      return await client.listContacts({ limit: 1 }).then(
        () => undefined,
        (error: unknown) => error,
      );
    } finally {
      await client.close();
      await dispatcher.close();
    }
  }

  const context = {
    baseUrl: 'https://api.example.invalid/api/v1/messaging',
    timeoutMs: 30_000,
    elapsedMs: 12,
    credentialVars: 'VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN',
  };

  it.each(['ENOTFOUND', 'EAI_AGAIN'])(
    '%s: the host could not be resolved, check VOBIZ_BASE_URL',
    async (code) => {
      const { cause, fix } = diagnose(await connectFailure(code), context);

      expect(cause).toBe(
        `DNS failure: the host api.example.invalid could not be resolved (${code}${code === 'EAI_AGAIN' ? ', a temporary failure' : ''})`,
      );
      expect(fix).toMatch(/check the host name in VOBIZ_BASE_URL \(the API is api\.vobiz\.ai\)/);
    },
  );

  it.each([
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'CERT_HAS_EXPIRED',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  ])('%s: the certificate was not accepted, with the way out', async (code) => {
    const { cause, fix } = diagnose(await connectFailure(code), context);

    expect(cause).toBe(
      `TLS handshake with api.example.invalid:443 failed (${code}): its certificate was not accepted`,
    );
    expect(fix).toContain('VOBIZ_BASE_URL');
    expect(fix).toContain('NODE_EXTRA_CA_CERTS');
  });
});
