// Peak memory of an import with attributes_from (issue 22, item 3): a generated export of about 100 MB
// with 100 columns (phone, name and 98 kept as attributes) imported over stdio into a sandbox, and the
// server process's peak RSS read from Linux's /proc (VmHWM) once the call is over. The sandbox refuses
// every list request, so the attribute phase ends at its first read: the peak is the upload's, which is
// where the values used to pile up in memory.
//
//   npm run build && node bench/import-attributes-memory.js [--mb 100] [--cli dist/cli.js]
//
// Loopback only; bounded in size and time.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { startSandbox } from '../dist/sandbox/index.js';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '100' },
    cli: { type: 'string', default: fileURLToPath(new URL('../dist/cli.js', import.meta.url)) },
  },
});
const TARGET_BYTES = Number(values.mb) * 1024 * 1024;
const ATTRIBUTES = 98;
const deadline = setTimeout(() => {
  console.error('bench/import-attributes-memory: over 10 minutes, giving up');
  process.exit(1);
}, 600_000);

async function writeCsv(file) {
  const out = createWriteStream(file);
  const columns = Array.from({ length: ATTRIBUTES }, (_, i) => `Attribute ${i + 1}`);
  let bytes = 0;
  const write = async (text) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(`phone_number,name,${columns.join(',')}\n`);
  let row = 0;
  while (bytes < TARGET_BYTES) {
    const cells = Array.from({ length: ATTRIBUTES }, (_, i) => `v${i}-${row % 997}`);
    await write(`+9170${String(row).padStart(8, '0')},Customer ${row},${cells.join(',')}\n`);
    row++;
  }
  out.end();
  await once(out, 'finish');
  return { rows: row, columns };
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-attributes-'));
const sandbox = await startSandbox({ seed: false });
try {
  const file = path.join(dir, 'export.csv');
  const { rows, columns } = await writeCsv(file);
  const size = (await stat(file)).size;
  sandbox.faults.inject({ route: 'list', fault: { kind: 'server_error', status: 500 }, times: Infinity });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [values.cli],
    env: {
      VOBIZ_BASE_URL: sandbox.baseUrl,
      VOBIZ_AUTH_ID: sandbox.credentials.authId,
      VOBIZ_AUTH_TOKEN: sandbox.credentials.authToken,
      VOBIZ_IMPORT_DIRS: dir,
      VOBIZ_IMPORT_MAX_BYTES: String(2 * size),
    },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'bench-attributes', version: '1.0.0' });
  await client.connect(transport);
  const start = performance.now();
  const result = await client.callTool(
    { name: 'import_contacts_csv', arguments: { file_path: file, attributes_from: columns } },
    { timeout: 590_000 },
  );
  const seconds = (performance.now() - start) / 1000;
  const status = await readFile(`/proc/${transport.pid}/status`, 'utf8');
  const peakMb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]) / 1024;
  const out = result.structuredContent ?? {};
  console.log(`| file | rows | columns | created | time | server peak RSS |`);
  console.log(`| --- | --- | --- | --- | --- | --- |`);
  console.log(
    `| ${(size / 1024 / 1024).toFixed(0)} MB | ${rows} | ${columns.length + 2} | ${out.created} | ${seconds.toFixed(1)} s | ${peakMb.toFixed(0)} MB |`,
  );
  await client.close();
} finally {
  clearTimeout(deadline);
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
}
