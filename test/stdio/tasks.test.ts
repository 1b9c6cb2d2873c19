/**
 * The tasks extension (io.modelcontextprotocol/tasks, 2026-07-28), spoken as its wire says, over the
 * built server's real stdio: a client that declares the extension gets a task handle for a tools/call
 * that outlasts the call budget, follows it with tasks/get to the tool's whole result, and stops
 * another with tasks/cancel — after which nothing more is written. A client that does not declare it
 * gets the job answer (jobs.test.ts). The SDK's own client refuses task results, so the test writes the
 * JSON-RPC lines itself, each with the per-request envelope a 2026-07-28 client sends.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { CLI, requestMark, requestsSince } from '../support/context.js';

const TASKS = 'io.modelcontextprotocol/tasks';
const CONTACTS = 60;

let sandbox: Sandbox;
let server: ChildProcessWithoutNullStreams;
const answers = new Map<number, (message: Record<string, unknown>) => void>();
let nextId = 1;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: false });
  const csv = ['phone_number,name,tags'];
  for (let i = 0; i < 2 * CONTACTS; i++) {
    csv.push(`+9196${String(10_000_000 + i)},T${i},${i < CONTACTS ? 'task-a' : 'task-b'}`);
  }
  const form = new FormData();
  form.append('file', new Blob([csv.join('\n')], { type: 'text/csv' }), 'seed.csv');
  const { baseUrl, credentials } = sandbox;
  await fetch(`${baseUrl}/contacts/import`, {
    method: 'POST',
    headers: { 'x-auth-id': credentials.authId, 'x-auth-token': credentials.authToken },
    body: form,
  });
  server = spawn(process.execPath, [CLI], {
    env: {
      PATH: process.env['PATH'] ?? '',
      VOBIZ_BASE_URL: baseUrl,
      VOBIZ_AUTH_ID: credentials.authId,
      VOBIZ_AUTH_TOKEN: credentials.authToken,
      VOBIZ_CALL_BUDGET_MS: '1000',
      VOBIZ_CONCURRENCY: '2',
      VOBIZ_CONFIRM: 'never',
    },
  });
  server.stderr.resume();
  createInterface({ input: server.stdout }).on('line', (line) => {
    const message = JSON.parse(line) as Record<string, unknown>;
    if (typeof message['id'] === 'number') answers.get(message['id'])?.(message);
  });
});
afterAll(async () => {
  server?.kill();
  await sandbox?.close();
});

/** One 2026-07-28 request, with the envelope that declares (or not) the tasks extension. */
function send(method: string, params: Record<string, unknown>, tasks = true) {
  const id = nextId++;
  const envelope = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientInfo': { name: 'tasks-wire', version: '1.0.0' },
    'io.modelcontextprotocol/clientCapabilities': tasks ? { extensions: { [TASKS]: {} } } : {},
  };
  const answered = new Promise<Record<string, unknown>>((resolve) => answers.set(id, resolve));
  server.stdin.write(
    `${JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: envelope } })}\n`,
  );
  return answered;
}

const resultOf = (message: Record<string, unknown>) => {
  expect(message['error'], JSON.stringify(message['error'])).toBeUndefined();
  return message['result'] as Record<string, unknown>;
};

it('a long tools/call answers a task handle, and tasks/get follows it to the whole result', async () => {
  sandbox.setNetwork({ latencyMs: 100 });
  const mark = requestMark(sandbox);
  const handle = resultOf(
    await send('tools/call', { name: 'tag_contacts', arguments: { tag: 'task-a', add: ['tasked'] } }),
  );
  expect(handle).toMatchObject({ resultType: 'task', status: 'working', taskId: expect.any(String) });
  expect(handle['pollIntervalMs']).toBeGreaterThan(0);

  let task = handle;
  for (let polls = 0; task['status'] === 'working' && polls < 100; polls++) {
    await new Promise((resolve) => setTimeout(resolve, Number(task['pollIntervalMs'] ?? 500)));
    task = resultOf(await send('tasks/get', { taskId: handle['taskId'] }));
  }
  expect(task['status']).toBe('completed');
  const result = task['result'] as { structuredContent: { changed: number }; content: { text: string }[] };
  expect(result.structuredContent).toMatchObject({ matched: CONTACTS, changed: CONTACTS, failed: 0 });
  expect(result.content[0]?.text).toMatch(/^Done \(add tasked\): 60 matched, 60 changed/);
  expect(sandbox.contacts().filter((c) => c.tags.includes('tasked'))).toHaveLength(CONTACTS);
  expect(requestsSince(sandbox, mark).filter((r) => r.route === 'update')).toHaveLength(CONTACTS);
});

it('tasks/cancel stops the writes: the task ends cancelled and nothing is written after', async () => {
  sandbox.setNetwork({ latencyMs: 100 });
  const mark = requestMark(sandbox);
  const handle = resultOf(
    await send('tools/call', { name: 'tag_contacts', arguments: { tag: 'task-b', add: ['halted'] } }),
  );
  expect(handle['resultType']).toBe('task');
  resultOf(await send('tasks/cancel', { taskId: handle['taskId'] }));
  const writes = requestsSince(sandbox, mark).filter((r) => r.route === 'update').length;
  const task = resultOf(await send('tasks/get', { taskId: handle['taskId'] }));
  expect(task['status']).toBe('cancelled');
  await sandbox.idle();
  expect(requestsSince(sandbox, mark).filter((r) => r.route === 'update')).toHaveLength(writes);
  expect(sandbox.contacts().filter((c) => c.tags.includes('halted'))).toHaveLength(writes);
  expect(writes).toBeLessThan(CONTACTS);
});

it('an unknown task is refused; a client without the extension gets the job answer', async () => {
  const unknown = await send('tasks/get', { taskId: 'no-such-task' });
  expect(unknown['error']).toMatchObject({ code: -32602, message: expect.stringMatching(/No such task/) });

  sandbox.setNetwork({ latencyMs: 100 });
  const plain = resultOf(await send('tools/call', { name: 'list_tags', arguments: {} }, false));
  // list_tags of 120 contacts ends within the budget even at 100 ms: a plain result, no handle.
  expect(plain['resultType']).toBe('complete');
  expect(plain).not.toHaveProperty('taskId');
});
