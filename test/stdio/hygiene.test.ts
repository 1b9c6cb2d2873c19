/**
 * Process hygiene a user relies on without seeing it: stdout carries only JSON-RPC, tokens never
 * leak, bad configuration fails fast with one clear line, and the process goes when stdin closes.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { CLI, startStack, textOf, OPENING_MESSAGES } from '../support/context.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Runs the CLI to completion with the given args, env and stdin. */
async function runCli(args: string[], env: Record<string, string>, stdin = '') {
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(stdin);
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('start-up', () => {
  it('exits 1 with one clear line when no credentials are set', async () => {
    const { code, stdout, stderr } = await runCli([], {});
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN/);
    expect(stderr).toMatch(/--sandbox/);
  });

  it('names a malformed variable without printing any value', async () => {
    const { code, stderr } = await runCli([], {
      VOBIZ_AUTH_ID: 'not-an-account',
      VOBIZ_AUTH_TOKEN: 'tok_supersecret_value',
      VOBIZ_TIMEOUT_MS: 'soon',
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/VOBIZ_AUTH_ID must look like MA_/);
    expect(stderr).toMatch(/VOBIZ_TIMEOUT_MS/);
    expect(stderr).not.toContain('tok_supersecret_value');
    expect(stderr).not.toContain('not-an-account');
  });

  it('refuses a blank token and a base URL carrying credentials, naming each variable only', async () => {
    const { code, stderr } = await runCli([], {
      VOBIZ_AUTH_ID: 'MA_ABCDEFGH',
      VOBIZ_AUTH_TOKEN: '   ',
      VOBIZ_BASE_URL: 'https://user:pa55word@api.vobiz.ai/api/v1/messaging?key=k3y',
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/VOBIZ_AUTH_TOKEN must be one token, not blank/);
    expect(stderr).toMatch(/VOBIZ_BASE_URL must be a plain base URL/);
    for (const secret of ['pa55word', 'k3y']) expect(stderr).not.toContain(secret);
  });

  it('a base URL written without https:// is one line naming VOBIZ_BASE_URL with the form to use', async () => {
    const { code, stdout, stderr } = await runCli([], {
      VOBIZ_AUTH_ID: 'MA_ABCDEFGH',
      VOBIZ_AUTH_TOKEN: 'tok_value',
      VOBIZ_BASE_URL: 'api.vobiz.ai/api/v1/messaging',
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(
      /VOBIZ_BASE_URL must start with https:\/\/ .*e\.g\. https:\/\/api\.vobiz\.ai\/api\/v1\/messaging/,
    );
    expect(stderr).not.toMatch(/Invalid URL/);
  });

  it('answers --version and --help', async () => {
    expect((await runCli(['--version'], {})).stdout.trim()).toBe(version);
    const help = await runCli(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--sandbox/);
    expect(help.stdout).toMatch(/VOBIZ_AUTH_TOKEN/);
  });

  it.each<{ how: string; args: string[]; env: Record<string, string> }>([
    { how: '--sandbox', args: ['--sandbox'], env: {} },
    // The bundle's Sandbox switch: hosts set variables, and leave the account fields empty.
    {
      how: 'VOBIZ_SANDBOX=true',
      args: [],
      env: { VOBIZ_SANDBOX: 'true', VOBIZ_AUTH_ID: '', VOBIZ_AUTH_TOKEN: '' },
    },
  ])(
    'serves the tools against an in-process sandbox with $how, no account set, and says so on stderr',
    async ({ args, env }) => {
      const stack = await startStack({
        args,
        env: { VOBIZ_AUTH_ID: null, VOBIZ_AUTH_TOKEN: null, VOBIZ_BASE_URL: null, ...env },
      });
      try {
        const result = await stack.call('list_contacts', { limit: 5 });
        expect(result.isError, textOf(result)).toBeFalsy();
        expect((result.structuredContent as { total: number }).total).toBeGreaterThan(0);
        expect(stack.stderr()).toMatch(/SANDBOX/);
      } finally {
        await stack.close();
      }
    },
  );
});

describe('stdout and secrets under faults', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
  });
  afterAll(() => sandbox.close());

  it('writes nothing but JSON-RPC to stdout and never the token, whatever fails', async () => {
    // Each fault answers every attempt of the call it is injected before (the server retries).
    const ATTEMPTS = 4;
    const faults = [
      { kind: 'html', status: 502 },
      { kind: 'server_error', status: 503 },
      { kind: 'malformed_body', status: 200 },
      { kind: 'drop_connection' },
    ] as const;
    const calls = [
      ['list_contacts', {}],
      ['get_contact', { id: sandbox.contacts()[0]!.id }],
      ['list_contacts', { search: 'a' }],
      ['list_contacts', {}],
      ['create_contact', { phone_number: 'nope', name: 'x' }],
      ['get_contact', { id: '../../etc/passwd' }],
      ['list_contacts', {}],
    ] as const;
    const token = sandbox.credentials.authToken;
    const child = spawn(process.execPath, [CLI], {
      env: {
        PATH: process.env['PATH'] ?? '',
        VOBIZ_BASE_URL: sandbox.baseUrl,
        VOBIZ_AUTH_ID: sandbox.credentials.authId,
        VOBIZ_AUTH_TOKEN: token,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const answered = (id: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (stdout.includes(`"id":${id}`)) {
            child.stdout.off('data', check);
            resolve();
          }
        };
        child.stdout.on('data', check);
        check();
      });
    for (const message of OPENING_MESSAGES) child.stdin.write(`${JSON.stringify(message)}\n`);
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' })}\n`);
    await answered(1);
    // One call at a time, each after its fault is set, so that each fault meets the call it was meant for.
    for (const [i, [name, args]] of calls.entries()) {
      const fault = faults[i];
      if (fault) sandbox.faults.inject({ fault, times: ATTEMPTS });
      const id = i + 2;
      child.stdin.write(
        `${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } })}\n`,
      );
      await answered(id);
      sandbox.faults.clear();
    }
    child.stdin.end();
    const [code] = (await once(child, 'exit')) as [number | null];

    const lines = stdout.split('\n').filter((line) => line !== '');
    expect(lines.length).toBe(calls.length + 2);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
    const results = lines.map((line) => JSON.parse(line) as { id: number; result?: { isError?: boolean } });
    expect(results.filter((r) => r.result?.isError).length).toBeGreaterThanOrEqual(5);
    expect(stdout).not.toContain(token);
    expect(stderr).not.toContain(token);
    expect(code).toBe(0);
  });

  it('keeps a bearer token out of results and logs too', async () => {
    const bearer = 'eyJhbGciOiJIUzI1NiJ9.sandbox-test-bearer.c2lnbmF0dXJl';
    const stack = await startStack({
      sandbox: { bearerToken: bearer },
      env: { VOBIZ_AUTH_ID: null, VOBIZ_AUTH_TOKEN: null, VOBIZ_BEARER_TOKEN: bearer },
    });
    try {
      const ok = await stack.call('list_contacts', {});
      expect(ok.isError).toBeFalsy();
      stack.sandbox.faults.inject({ fault: { kind: 'server_error' }, times: 1 });
      const failed = await stack.call('list_contacts', {});
      expect(failed.isError).toBe(true);
      for (const text of [JSON.stringify(ok), JSON.stringify(failed), stack.stderr()]) {
        expect(text).not.toContain(bearer);
      }
    } finally {
      await stack.close();
    }
  });
});

describe('when the client goes away', () => {
  it('exits once its stdout and stderr are broken pipes, instead of spinning on the write errors', async () => {
    const child = spawn(process.execPath, [CLI, '--sandbox'], { env: { PATH: process.env['PATH'] ?? '' } });
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (c: Buffer) => /ready on stdio/.test(c.toString()) && resolve()),
    );
    // The client is gone: nobody reads the server's output any more.
    child.stdout.destroy();
    child.stderr.destroy();
    const exited = once(child, 'exit');
    // Ask for an answer: writing it meets the broken pipe.
    child.stdin.write(`${JSON.stringify(OPENING_MESSAGES[0])}\n`);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    clearTimeout(timer);
    expect(signal).toBeNull(); // it was not killed by the timer above
    expect(code).toBe(0);
  });
});
