/**
 * What the server process itself does — the built CLI over real stdio, against the sandbox: a cancelled
 * call and a SIGTERM while a request hangs upstream, and the import directories it starts with. The
 * tools' answers to faults are faults.test.ts, in memory.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  busy,
  CLI,
  OPENING_MESSAGES,
  requestMark,
  requestsSince,
  startStack,
  textOf,
  waitFor,
  type Stack,
} from '../support/context.js';

/** A long per-request timeout, so that only the cancellation (or the signal) can end the request. */
const ENV = { VOBIZ_TIMEOUT_MS: '10000', VOBIZ_DEADLINE_MS: '10000' };

describe('cancellation and shutdown while a request hangs upstream', () => {
  let slow: Stack;
  beforeAll(async () => {
    slow = await startStack({ env: ENV });
  });
  afterAll(() => slow?.close());

  it('a cancelled call aborts its HTTP request: not answered, not applied, not retried; the server keeps serving', async () => {
    const target = slow.sandbox.contacts()[0]!;
    slow.sandbox.faults.inject({ fault: { kind: 'latency', ms: 3_000 }, route: 'update', times: 1 });
    const mark = requestMark(slow.sandbox);
    const updates = () => requestsSince(slow.sandbox, mark).filter((r) => r.route === 'update');
    const controller = new AbortController();
    const call = slow.client.callTool(
      { name: 'update_contact', arguments: { id: target.id, name: 'Never' } },
      { signal: controller.signal },
    );
    await waitFor(() => updates().length > 0, 'the update to reach the sandbox');
    controller.abort();
    await expect(call).rejects.toThrow();

    const next = await slow.call('get_contact', { id: target.id });
    expect(next.isError, textOf(next)).toBeFalsy();
    // Answered while the cancelled update was still held upstream: the server did not wait for it.
    expect(await busy(slow.sandbox)).toBe(true);

    await slow.sandbox.idle();
    // Status 0: the sandbox found its client gone when it came to read the body — the abort reached HTTP.
    expect(updates()).toEqual([expect.objectContaining({ status: 0 })]);
    expect(slow.sandbox.contacts().find((c) => c.id === target.id)?.name).toBe(target.name);
    expect(slow.protocolErrors).toEqual([]);
  });

  it('SIGTERM with a request in flight: exits 0 at once, stdout nothing but JSON-RPC', async () => {
    slow.sandbox.faults.inject({ fault: { kind: 'latency', ms: 5_000 }, route: 'list', times: 1 });
    const mark = requestMark(slow.sandbox);
    const child = spawn(process.execPath, [CLI], {
      env: {
        PATH: process.env['PATH'] ?? '',
        ...ENV,
        VOBIZ_BASE_URL: slow.sandbox.baseUrl,
        VOBIZ_AUTH_ID: slow.sandbox.credentials.authId,
        VOBIZ_AUTH_TOKEN: slow.sandbox.credentials.authToken,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    for (const message of [
      ...OPENING_MESSAGES,
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_contacts', arguments: {} } },
    ]) {
      child.stdin.write(`${JSON.stringify(message)}\n`);
    }
    await waitFor(
      () => requestsSince(slow.sandbox, mark).some((r) => r.route === 'list'),
      'the list request to reach the sandbox',
    );
    child.kill('SIGTERM');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    // Gone while its request was still held upstream: it did not wait for the answer.
    expect(await busy(slow.sandbox)).toBe(true);
    for (const line of stdout.split('\n').filter(Boolean))
      expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
    expect(stderr).toMatch(/shutting down \(SIGTERM\)/);
    expect(stderr).not.toContain(slow.sandbox.credentials.authToken);
    slow.sandbox.faults.clear();
  });
});

describe('import directories', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vobiz-process-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads no files when started from the filesystem root without VOBIZ_IMPORT_DIRS', async () => {
    const fromRoot = await startStack({
      cwd: path.parse(process.cwd()).root,
      env: { VOBIZ_IMPORT_DIRS: null },
    });
    try {
      const file = path.join(dir, 'fine.csv');
      await writeFile(file, 'phone_number,name\n+919812340005,Fine\n');
      const result = await fromRoot.call('import_contacts_csv', { file_path: file });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/reads no files/);
      expect(textOf(result)).toMatch(/VOBIZ_IMPORT_DIRS/);
      expect(fromRoot.sandbox.requestLog).toEqual([]);
    } finally {
      await fromRoot.close();
    }
  });
});
