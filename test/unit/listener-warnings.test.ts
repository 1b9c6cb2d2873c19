/**
 * A bulk tool runs up to 32 requests at once through one client, and a latency fault holds many
 * requests in the sandbox at once. Each of them listens to one long-lived signal (the client's close,
 * the sandbox's shutdown): Node must not print "Possible EventTarget memory leak" on stderr for it,
 * where a user reading the server's log would take it for a real leak.
 */
import { afterEach, expect, it } from 'vitest';
import { scanContacts } from '../../src/bulk/scan.js';
import { generateContacts, startSandbox } from '../../src/sandbox/index.js';
import { VobizClient } from '../../src/vobiz/client.js';

const warnings: Error[] = [];
const collect = (warning: Error) => warnings.push(warning);
afterEach(() => void process.off('warning', collect));

it('32 requests at once through one client, each held by a latency fault, raise no listener warning', async () => {
  process.on('warning', collect);
  const sandbox = await startSandbox({ port: 0 });
  sandbox.faults.inject({ fault: { kind: 'latency', ms: 50 }, route: 'list', times: Infinity });
  const client = new VobizClient({ baseUrl: sandbox.baseUrl, credentials: sandbox.credentials });
  try {
    const pages = await Promise.all(Array.from({ length: 32 }, () => client.listContacts({ limit: 1 })));
    expect(pages).toHaveLength(32);
    // Warnings are emitted on a later tick.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  } finally {
    await client.close();
    await sandbox.close();
  }
});

it('a scan reading 32 pages ahead, under one call signal, raises no listener warning', async () => {
  process.on('warning', collect);
  const sandbox = await startSandbox({
    port: 0,
    contacts: generateContacts(4_000, { accountId: 'MA_SANDBOX1', seed: 3 }),
  });
  sandbox.setNetwork({ latencyMs: 20 });
  const client = new VobizClient({ baseUrl: sandbox.baseUrl, credentials: sandbox.credentials });
  try {
    const call = client.startCall(new AbortController().signal);
    const report = await scanContacts(
      client,
      { filter: {}, maxScan: 10_000, call, readsToEnd: true },
      () => {},
    );
    expect(report).toMatchObject({ complete: true, scanned: 4_000 });
    // Pages were read side by side (how many at once depends on the machine: the pace grows with answers).
    expect(sandbox.stats().maxInFlight).toBeGreaterThan(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  } finally {
    await client.close();
    await sandbox.close();
  }
});
