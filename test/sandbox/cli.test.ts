import { afterEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { parseLatency, parseRate, runSandboxCli } from '../../src/sandbox/run-sandbox.js';
import { ContactPageSchema, api } from './helpers.js';

/** Runs the CLI until it is ready, then stops it with SIGTERM; returns its banner and the sandbox. */
async function runUntilReady(
  argv: string[],
): Promise<{ output: string; stop: () => Promise<void>; sandbox: Sandbox }> {
  let output = '';
  let ready: (sandbox: Sandbox) => void = () => undefined;
  const started = new Promise<Sandbox>((resolve) => (ready = resolve));
  const running = runSandboxCli(argv, {
    write: (text) => (output += text),
    onReady: (sandbox) => ready(sandbox),
  });
  const sandbox = await started;
  const stop = async () => {
    process.emit('SIGTERM');
    await running;
  };
  return { output, stop, sandbox };
}

async function usageError(argv: string[]): Promise<string> {
  let errors = '';
  await runSandboxCli(argv, { writeError: (text) => (errors += text) });
  expect(process.exitCode).toBe(2);
  process.exitCode = undefined;
  return errors;
}

describe('sandbox standalone runner', () => {
  afterEach(() => {
    process.exitCode = undefined;
  });

  it('prints its base URL and credentials, serves, and stops on SIGTERM', async () => {
    let output = '';
    let ready: (sandbox: Sandbox) => void = () => undefined;
    const started = new Promise<Sandbox>((resolve) => (ready = resolve));
    const running = runSandboxCli(['--port', '0', '--no-seed', '--auth-token', 'fixed-token'], {
      write: (text) => (output += text),
      onReady: (sandbox) => ready(sandbox),
    });
    const sandbox = await started;

    expect(output).toContain(sandbox.baseUrl);
    expect(output).toContain('X-Auth-ID     MA_SANDBOX1');
    expect(output).toContain('X-Auth-Token  fixed-token');
    expect(output).toContain(sandbox.credentials.bearerToken);
    const page = ContactPageSchema.parse((await api(sandbox, 'GET', '/contacts')).json);
    expect(page.total).toBe(0);

    process.emit('SIGTERM');
    await running;
    await expect(api(sandbox, 'GET', '/contacts')).rejects.toThrow();
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });

  it('refuses a bad flag or port with usage and exit code 2', async () => {
    let errors = '';
    await runSandboxCli(['--port', 'many'], { writeError: (text) => (errors += text) });
    expect(errors).toMatch(/--port must be an integer/);
    expect(process.exitCode).toBe(2);
    errors = '';
    await runSandboxCli(['--colour'], { writeError: (text) => (errors += text) });
    expect(errors).toMatch(/Unknown option '--colour'[\s\S]*Usage:/);
  });

  it('models a network and seeds a big account from flags, and says so in its banner', async () => {
    const { output, stop, sandbox } = await runUntilReady([
      '--port',
      '0',
      '--latency',
      '0.1s',
      '--rate-limit',
      '6000/min',
      '--burst',
      '5',
      '--contacts',
      '300',
    ]);
    try {
      expect(sandbox.network()).toEqual({ latencyMs: 100, rateLimit: { perSecond: 100, burst: 5 } });
      expect(output).toContain('Network       100 ms round trip, 100 requests/s (burst 5)');
      expect(output).toContain('Contacts      300, in memory');
      expect(sandbox.contacts()).toHaveLength(300);
    } finally {
      await stop();
    }
  });

  it('says when no network model is on', async () => {
    const { output, stop } = await runUntilReady(['--port', '0', '--no-seed']);
    await stop();
    expect(output).toMatch(/Network {7}none/);
  });

  it('reads times and rates the way people write them', () => {
    expect(parseLatency('100ms')).toBe(100);
    expect(parseLatency('0.1s')).toBe(100);
    expect(parseLatency('250')).toBe(250);
    expect(parseLatency('2S')).toBe(2000);
    expect(parseLatency('0')).toBe(0);
    expect(parseRate('100/s')).toBe(100);
    expect(parseRate('6000/min')).toBe(100);
    expect(parseRate('0.5/s')).toBe(0.5);
    for (const bad of ['fast', '-5ms', '100 parsecs', '', '1e3', '3000000000']) {
      expect(() => parseLatency(bad), bad).toThrow(/--latency/);
    }
    for (const bad of ['100', '0/s', '5/week', 'lots/s', '/s']) {
      expect(() => parseRate(bad), bad).toThrow(/--rate-limit/);
    }
  });

  it('refuses a bad network or contacts flag with usage naming the flag, exit code 2', async () => {
    expect(await usageError(['--latency', 'fast'])).toMatch(/^--latency must be[\s\S]*Usage:/);
    expect(await usageError(['--rate-limit', '100'])).toMatch(/^--rate-limit must be/);
    expect(await usageError(['--burst', '5'])).toMatch(/^--burst needs --rate-limit/);
    expect(await usageError(['--rate-limit', '10/s', '--burst', '0'])).toMatch(/^--burst must be at least 1/);
    expect(await usageError(['--rate-limit', '10/s', '--burst', 'x'])).toMatch(/^--burst must be an integer/);
    expect(await usageError(['--contacts', 'many'])).toMatch(/^--contacts must be an integer/);
    expect(await usageError(['--contacts', '5', '--no-seed'])).toMatch(/cannot be used together/);
  });
});
