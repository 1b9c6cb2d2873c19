import { afterEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { runSandboxCli } from '../../src/sandbox/main.js';
import { ContactPageSchema, api } from './helpers.js';

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
});
