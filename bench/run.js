// `npm run bench`: what the MCP layer costs, measured side by side in one run against the same
// sandbox, printed as a markdown table. Each figure is a ratio or a difference against the plain
// HTTP call doing the same work, so the machine's speed cancels out.
//
//   npm run bench [-- --calls 2000 --import-rows 100000]
//
// Loopback only; every loop is bounded in count, and the whole run in time.
import { openAsBlob } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Agent, FormData, request } from 'undici';
import { startSandbox } from '../dist/sandbox/index.js';
import { generateContactsCsv } from '../dist/demo/sample-csv.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '2000' },
    'import-rows': { type: 'string', default: '100000' },
    'startup-runs': { type: 'string', default: '15' },
    only: { type: 'string' },
  },
});
const CALLS = Number(values.calls);
const IMPORT_ROWS = Number(values['import-rows']);
const STARTUP_RUNS = Number(values['startup-runs']);
const deadline = setTimeout(() => {
  console.error('bench: over 10 minutes, giving up');
  process.exit(1);
}, 600_000);

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const ms = (x) => `${x.toFixed(3)} ms`;
function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
}

/** The built server as an MCP client sees it, pointed at `sandbox`. */
async function connectServer(sandbox, env = {}) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    env: {
      VOBIZ_BASE_URL: sandbox.baseUrl,
      VOBIZ_AUTH_ID: sandbox.credentials.authId,
      VOBIZ_AUTH_TOKEN: sandbox.credentials.authToken,
      ...env,
    },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(transport);
  return { client, pid: transport.pid };
}

/** Peak resident set of a live process, from Linux's /proc (VmHWM). */
async function peakRssMb(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
  return Number.isFinite(kb) ? kb / 1024 : NaN;
}

async function timeEach(count, fn) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await fn(i);
    samples.push(performance.now() - start);
  }
  return stats(samples);
}

function directClient(sandbox) {
  const agent = new Agent({ keepAliveTimeout: 30_000 });
  const headers = { 'x-auth-id': sandbox.credentials.authId, 'x-auth-token': sandbox.credentials.authToken };
  return {
    agent,
    get: async (pathAndQuery) => {
      const res = await request(`${sandbox.baseUrl}${pathAndQuery}`, { headers, dispatcher: agent });
      const body = await res.body.json();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
      return body;
    },
    upload: async (file) => {
      const form = new FormData();
      form.append('file', await openAsBlob(file, { type: 'text/csv' }), path.basename(file));
      const res = await request(`${sandbox.baseUrl}/contacts/import`, {
        method: 'POST',
        body: form,
        headers,
        dispatcher: agent,
      });
      const body = await res.body.json();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
      return body;
    },
  };
}

async function callOk(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
  return result;
}

const rows = [];
const row = (benchmark, ours, direct, verdict) => rows.push({ benchmark, ours, direct, verdict });

async function perCall(sandbox, server, direct) {
  const ids = sandbox.contacts().map((c) => c.id);
  for (let i = 0; i < 200; i++) {
    await direct.get(`/contacts/${ids[i % ids.length]}`);
    await callOk(server.client, 'get_contact', { id: ids[i % ids.length] }); // warm-up both paths
  }
  const viaHttp = await timeEach(CALLS, (i) => direct.get(`/contacts/${ids[i % ids.length]}`));
  const viaMcp = await timeEach(CALLS, (i) =>
    callOk(server.client, 'get_contact', { id: ids[i % ids.length] }),
  );
  const overhead = viaMcp.median - viaHttp.median;
  row(
    `get_contact × ${CALLS}, median (p99)`,
    `${ms(viaMcp.median)} (${ms(viaMcp.p99)})`,
    `${ms(viaHttp.median)} (${ms(viaHttp.p99)})`,
    `overhead ${ms(overhead)}/call, ×${(viaMcp.median / viaHttp.median).toFixed(2)} ${overhead < 0.5 ? '✅ < 0.5 ms' : '❌ ≥ 0.5 ms'}`,
  );

  const pages = Math.max(50, Math.floor(CALLS / 4));
  const listHttp = await timeEach(pages, () => direct.get('/contacts?limit=100'));
  const listMcp = await timeEach(pages, () => callOk(server.client, 'list_contacts', { limit: 100 }));
  row(
    `list_contacts limit 100 × ${pages}, median (p99)`,
    `${ms(listMcp.median)} (${ms(listMcp.p99)})`,
    `${ms(listHttp.median)} (${ms(listHttp.p99)})`,
    `overhead ${ms(listMcp.median - listHttp.median)}/call, ×${(listMcp.median / listHttp.median).toFixed(2)}`,
  );
}

async function startup(sandbox) {
  const spawnLine = async (args, env) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    await once(child.stdout, 'data');
    const elapsed = performance.now() - start;
    child.kill();
    return elapsed;
  };
  const bare = [];
  const ours = [];
  for (let i = 0; i < STARTUP_RUNS; i++) {
    bare.push(await spawnLine(['-e', 'console.log("ready")'], {}));
    const start = performance.now();
    const server = await connectServer(sandbox);
    await server.client.listTools();
    ours.push(performance.now() - start);
    await server.client.close();
  }
  const o = stats(ours).median;
  const b = stats(bare).median;
  row(
    `start-up: spawn → first tools/list answer (median of ${STARTUP_RUNS})`,
    `${o.toFixed(0)} ms`,
    `${b.toFixed(0)} ms (bare node printing a line)`,
    `+${(o - b).toFixed(0)} ms ${o < 300 ? '✅ < 300 ms' : '❌ ≥ 300 ms'}`,
  );
}

async function importBench(dir) {
  const file = path.join(dir, 'bench.csv');
  const { csv, invalidRows } = generateContactsCsv(IMPORT_ROWS, { offset: 1_000_000 });
  await writeFile(file, csv);
  // A tenth of the numbers are written locally (098123 45678): the tool rewrites them with
  // default_country; the straight upload gets them already in E.164, so both sides create every row.
  const e164File = path.join(dir, 'bench-e164.csv');
  await writeFile(e164File, csv.replace(/^098(\d{3}) (\d{5}),/gm, '+9198$1$2,'));

  // Each side imports into a fresh, empty sandbox.
  const straightSandbox = await startSandbox({ seed: false });
  const direct = directClient(straightSandbox);
  let start = performance.now();
  const straight = await direct.upload(e164File);
  const straightMs = performance.now() - start;
  await direct.agent.close();
  await straightSandbox.close();

  const mcpSandbox = await startSandbox({ seed: false });
  const server = await connectServer(mcpSandbox, { VOBIZ_IMPORT_DIRS: dir });
  start = performance.now();
  const result = await server.client.callTool(
    { name: 'import_contacts_csv', arguments: { file_path: file, default_country: 'IN' } },
    undefined,
    { timeout: 600_000 },
  );
  const mcpMs = performance.now() - start;
  const rss = await peakRssMb(server.pid);
  await server.client.close();
  await mcpSandbox.close();
  const out = result.structuredContent;
  if (result.isError || out.created !== IMPORT_ROWS - invalidRows || straight.created !== out.created) {
    throw new Error(`import bench: unexpected result ${JSON.stringify(result.content).slice(0, 300)}`);
  }
  const ratio = mcpMs / straightMs;
  row(
    `import_contacts_csv, ${IMPORT_ROWS.toLocaleString('en')} rows (${(csv.length / 1e6).toFixed(1)} MB)`,
    `${(mcpMs / 1000).toFixed(2)} s, server peak RSS ${rss.toFixed(0)} MB`,
    `${(straightMs / 1000).toFixed(2)} s (the same rows in E.164, one plain multipart upload; ${straight.created} created)`,
    `×${ratio.toFixed(2)} ${ratio <= 1.5 ? '✅ ≤ 1.5×' : '❌ > 1.5×'}, RSS ${rss < 150 ? '✅ < 150 MB' : '❌ ≥ 150 MB'}`,
  );
}

async function textSize(sandbox, server) {
  const result = await callOk(server.client, 'list_contacts', { limit: 100 });
  const items = result.structuredContent.items;
  const text = result.content[0].text;
  const pretty = JSON.stringify(items, null, 2);
  const per = (s) => Buffer.byteLength(s) / items.length;
  row(
    `text a model reads per contact (list_contacts, ${items.length} contacts)`,
    `${per(text).toFixed(0)} B ≈ ${(per(text) / 4).toFixed(0)} tokens`,
    `${per(pretty).toFixed(0)} B ≈ ${(per(pretty) / 4).toFixed(0)} tokens (pretty-printed JSON)`,
    `${(100 * (1 - per(text) / per(pretty))).toFixed(0)}% smaller`,
  );
}

/** The budget of what a model reads before any call: tool names, descriptions and input schemas. */
async function toolListSize(server) {
  const { tools } = await server.client.listTools();
  const read = tools.map(({ name, description, inputSchema }) => ({ name, description, inputSchema }));
  const bytes = Buffer.byteLength(JSON.stringify(read));
  const largest = [...read].sort((a, b) => JSON.stringify(b).length - JSON.stringify(a).length)[0];
  row(
    `what a model reads of the tool list (${tools.length} tools: names, descriptions, input schemas)`,
    `${(bytes / 1000).toFixed(1)} kB ≈ ${Math.round(bytes / 4)} tokens`,
    '—',
    `largest: ${largest.name} ${(Buffer.byteLength(JSON.stringify(largest)) / 1000).toFixed(1)} kB`,
  );
}

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vobiz-bench-'));
  const sandbox = await startSandbox({ seed: false });
  try {
    // A realistic account: contacts with tags and attributes, enough for full pages.
    const seed = directClient(sandbox);
    const seedFile = path.join(dir, 'seed.csv');
    await writeFile(seedFile, generateContactsCsv(500).csv.replace(/\n0(\d\d\d) /g, '\n+91$1'));
    await seed.upload(seedFile);
    await seed.agent.close();

    const server = await connectServer(sandbox);
    const direct = directClient(sandbox);
    if (!values.only || values.only === 'calls') await perCall(sandbox, server, direct);
    await textSize(sandbox, server);
    await toolListSize(server);
    await direct.agent.close();
    await server.client.close();
    if (!values.only || values.only === 'startup') await startup(sandbox);
    if (!values.only || values.only === 'import') await importBench(dir);
  } finally {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
    clearTimeout(deadline);
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `\nMachine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}\n`,
  );
  console.log('| benchmark | through the MCP server | plain HTTP, same sandbox | result |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.benchmark} | ${r.ours} | ${r.direct} | ${r.verdict} |`);
}

await main();
