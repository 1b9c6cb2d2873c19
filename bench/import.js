// `npm run bench` (or `node bench/import.js`): import_contacts_csv beside its floor, measured side by
// side in one run against fresh sandboxes on loopback:
// - a 100,000-row file already in E.164: through the tool vs one direct multipart upload of the same
//   file, against a fast upstream and against one that takes 150 ms per request; the server's CPU time
//   per row and its peak RSS;
// - a 100,000-row HubSpot-style export with attributes_from: time and requests.
//
//   node bench/import.js [--rows 100000] [--latency 150]
//
// Loopback only; bounded in count and time.
import { openAsBlob } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Agent, FormData, request } from 'undici';
import { startSandbox } from '../dist/sandbox/index.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    latency: { type: 'string', default: '150' },
    only: { type: 'string' }, // fast | slow | attributes
  },
});
const ROWS = Number(values.rows);
const LATENCY = Number(values.latency);
const deadline = setTimeout(() => {
  console.error('bench/import: over 10 minutes, giving up');
  process.exit(1);
}, 600_000);

const FIRST = ['Aarav', 'Diya', 'Kabir', 'Ananya', 'Rohan', 'Isha', 'Vikram', 'Priya', 'Arjun', 'Sara'];
const LAST = ['Sharma', 'Iyer', 'Khan', 'Patel', 'Reddy', 'Das', 'Menon', 'Gupta', 'Singh', 'Rao'];
const CITIES = ['Mumbai', 'Pune', 'Delhi', 'Chennai', 'Kolkata'];
const STAGES = ['Lead', 'Customer', 'Opportunity'];
const phone = (i) => `+9197${String(10_000_000 + i).padStart(8, '0')}`;
const nameOf = (i) => [FIRST[i % FIRST.length], LAST[Math.floor(i / FIRST.length) % LAST.length]];

function apiCsv(rows) {
  const lines = ['phone_number,name,tags'];
  for (let i = 0; i < rows; i++)
    lines.push(`${phone(i)},${nameOf(i).join(' ')},${i % 3 ? 'expo-2026' : '"vip,expo-2026"'}`);
  return `${lines.join('\n')}\n`;
}

function hubspotCsv(rows) {
  const lines = ['Record ID,First Name,Last Name,Email,Phone Number,Lifecycle Stage,City'];
  for (let i = 0; i < rows; i++) {
    const [first, last] = nameOf(i);
    lines.push(`${i + 1},${first},${last},p${i}@example.com,${phone(i)},${STAGES[i % 3]},${CITIES[i % 5]}`);
  }
  return `${lines.join('\n')}\n`;
}

async function connectServer(sandbox, dir) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    env: {
      VOBIZ_BASE_URL: sandbox.baseUrl,
      VOBIZ_AUTH_ID: sandbox.credentials.authId,
      VOBIZ_AUTH_TOKEN: sandbox.credentials.authToken,
      VOBIZ_IMPORT_DIRS: dir,
      VOBIZ_CONCURRENCY: '8',
      ...(process.env['VOBIZ_IMPORT_CONCURRENCY'] && {
        VOBIZ_IMPORT_CONCURRENCY: process.env['VOBIZ_IMPORT_CONCURRENCY'],
      }),
      ...(process.env['VOBIZ_IMPORT_CHUNK_ROWS'] && {
        VOBIZ_IMPORT_CHUNK_ROWS: process.env['VOBIZ_IMPORT_CHUNK_ROWS'],
      }),
    },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'bench-import', version: '1.0.0' });
  await client.connect(transport);
  return { client, pid: transport.pid };
}

/** CPU seconds (user + system) a process has used, and its peak RSS, from Linux's /proc. */
async function processStats(pid) {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]); // utime, stime (fields 14 and 15)
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return { cpuSeconds: ticks / 100, peakRssMb: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]) / 1024 };
}

async function directUpload(sandbox, file) {
  const agent = new Agent();
  const form = new FormData();
  form.append('file', await openAsBlob(file, { type: 'text/csv' }), path.basename(file));
  const start = performance.now();
  const res = await request(`${sandbox.baseUrl}/contacts/import`, {
    method: 'POST',
    body: form,
    headers: { 'x-auth-id': sandbox.credentials.authId, 'x-auth-token': sandbox.credentials.authToken },
    dispatcher: agent,
    bodyTimeout: 600_000,
    headersTimeout: 600_000,
  });
  const body = await res.body.json();
  const ms = performance.now() - start;
  await agent.close();
  if (res.statusCode !== 200) throw new Error(`direct upload: HTTP ${res.statusCode}`);
  return { ms, created: body.created };
}

async function toolImport(sandbox, dir, args) {
  const server = await connectServer(sandbox, dir);
  const before = await processStats(server.pid);
  const requestsBefore = sandbox.requestCount();
  const start = performance.now();
  const result = await server.client.callTool(
    { name: 'import_contacts_csv', arguments: args },
    {
      timeout: 600_000,
    },
  );
  const ms = performance.now() - start;
  const after = await processStats(server.pid);
  await server.client.close();
  if (result.isError) throw new Error(`import: ${JSON.stringify(result.content).slice(0, 300)}`);
  return {
    ms,
    out: result.structuredContent,
    cpuSeconds: after.cpuSeconds - before.cpuSeconds,
    peakRssMb: after.peakRssMb,
    requests: sandbox.requestCount() - requestsBefore,
  };
}

/** A fresh sandbox for each side, with `latency` ms added to every import request (0: none). */
async function withSandbox(latency, fn) {
  const sandbox = await startSandbox({ seed: false });
  if (latency > 0)
    sandbox.faults.inject({ fault: { kind: 'latency', ms: latency }, route: 'import', times: Infinity });
  try {
    return await fn(sandbox);
  } finally {
    await sandbox.close();
  }
}

const rows = [];
const fmt = (s) => `${(s / 1000).toFixed(2)} s`;

async function importVsDirect(dir, file, latency) {
  const direct = await withSandbox(latency, (sandbox) => directUpload(sandbox, file));
  const tool = await withSandbox(latency, (sandbox) => toolImport(sandbox, dir, { file_path: file }));
  if (tool.out.created !== direct.created) throw new Error('the two sides created different counts');
  const ratio = tool.ms / direct.ms;
  const target = latency > 0 ? 1.1 : 1.3;
  rows.push([
    `import ${ROWS.toLocaleString('en')} rows in E.164, ${latency > 0 ? `slow upstream (+${latency} ms per request)` : 'fast upstream'}`,
    `${fmt(tool.ms)} (${tool.requests} requests); server CPU ${((tool.cpuSeconds * 1e6) / ROWS).toFixed(1)} µs/row, peak RSS ${tool.peakRssMb.toFixed(0)} MB`,
    `${fmt(direct.ms)} (one multipart upload)`,
    `×${ratio.toFixed(2)} ${ratio <= target ? `✅ ≤ ${target}×` : `❌ > ${target}×`}${latency > 0 ? '' : `, RSS ${tool.peakRssMb < 150 ? '✅ < 150 MB' : '❌ ≥ 150 MB'}`}`,
  ]);
}

async function exportWithAttributes(dir) {
  const file = path.join(dir, 'hubspot.csv');
  await writeFile(file, hubspotCsv(ROWS));
  const tool = await withSandbox(0, (sandbox) =>
    toolImport(sandbox, dir, { file_path: file, attributes_from: ['City', 'Lifecycle Stage'] }),
  );
  rows.push([
    `HubSpot-style export, ${ROWS.toLocaleString('en')} rows, attributes_from City + Lifecycle Stage`,
    `${fmt(tool.ms)}, ${tool.requests.toLocaleString('en')} requests (${tool.out.attributes_written} attribute writes); server CPU ${((tool.cpuSeconds * 1e6) / ROWS).toFixed(1)} µs/row, peak RSS ${tool.peakRssMb.toFixed(0)} MB`,
    '—',
    `${(tool.requests / ROWS).toFixed(2)} requests per row`,
  ]);
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'vobiz-bench-import-'));
try {
  const file = path.join(dir, 'contacts.csv');
  await writeFile(file, apiCsv(ROWS));
  const only = values.only;
  if (!only || only === 'fast') await importVsDirect(dir, file, 0);
  if (!only || only === 'slow') await importVsDirect(dir, file, LATENCY);
  if (!only || only === 'attributes') await exportWithAttributes(dir);
} finally {
  await rm(dir, { recursive: true, force: true });
  clearTimeout(deadline);
}
console.log(`\nImport (${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version})\n`);
console.log('| benchmark | through the MCP server | floor: plain HTTP, same sandbox | result |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
