// `npm run bench`: what the MCP layer costs, measured side by side in one run against the same
// sandbox, printed as a markdown table. Each figure is a ratio or a difference against the plain
// HTTP call doing the same work, so the machine's speed cancels out.
//
//   node bench/run.js [--calls 2000] [--only calls|startup]   (bench/import.js measures the import)
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
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Agent, FormData, request } from 'undici';
import { startSandbox } from '../dist/sandbox/index.js';
import { generateContactsCsv } from '../dist/demo/sample-csv.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '2000' },
    'startup-runs': { type: 'string', default: '15' },
    only: { type: 'string' },
  },
});
const CALLS = Number(values.calls);
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

const MINIMAL = fileURLToPath(new URL('./minimal-server.js', import.meta.url));
const FILESYSTEM = fileURLToPath(
  new URL('../node_modules/@modelcontextprotocol/server-filesystem/dist/index.js', import.meta.url),
);

/** The built server (or another, by its script) as an MCP client sees it, pointed at `sandbox`. */
async function connectServer(sandbox, env = {}, script = CLI) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [script],
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
async function _peakRssMb(pid) {
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

/**
 * get_contact through our server, beside the same authenticated GET made directly and through the
 * minimal server (bench/minimal-server.js: the SDK's floor). The three run in alternating rounds, so
 * that a slow patch of the machine falls on all of them alike.
 */
async function perCall(sandbox, server, direct) {
  const minimal = await connectServer(sandbox, {}, MINIMAL);
  const ids = sandbox.contacts().map((c) => c.id);
  const paths = {
    direct: (i) => direct.get(`/contacts/${ids[i % ids.length]}`),
    minimal: (i) => callOk(minimal.client, 'get_contact', { id: ids[i % ids.length] }),
    ours: (i) => callOk(server.client, 'get_contact', { id: ids[i % ids.length] }),
  };
  for (let i = 0; i < 300; i++) for (const run of Object.values(paths)) await run(i); // warm-up
  const samples = { direct: [], minimal: [], ours: [] };
  const ROUNDS = 10;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(paths)) {
      for (let i = 0; i < CALLS / ROUNDS; i++) {
        const start = performance.now();
        await run(i);
        samples[name].push(performance.now() - start);
      }
    }
  }
  await minimal.client.close();
  const [d, m, o] = [stats(samples.direct), stats(samples.minimal), stats(samples.ours)];
  row(
    `get_contact × ${CALLS}, median (p99)`,
    `${ms(o.median)} (${ms(o.p99)}); minimal server ${ms(m.median)} (${ms(m.p99)})`,
    `${ms(d.median)} (${ms(d.p99)})`,
    `overhead ${ms(o.median - d.median)}/call; ours − minimal ${ms(o.median - m.median)} ${o.median - m.median <= 0.1 ? '✅ ≤ 0.1 ms' : '❌ > 0.1 ms'}`,
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

/** Spawn → first tools/list answer: ours, the reference filesystem server, and bare node printing a line. */
async function startup(sandbox, dir) {
  const spawnLine = async (args, env) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    await once(child.stdout, 'data');
    const elapsed = performance.now() - start;
    child.kill();
    return elapsed;
  };
  const firstList = async (connect) => {
    const start = performance.now();
    const server = await connect();
    await server.client.listTools();
    const elapsed = performance.now() - start;
    await server.client.close();
    return elapsed;
  };
  const filesystem = () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [FILESYSTEM, dir],
      stderr: 'ignore',
    });
    const client = new Client({ name: 'bench', version: '1.0.0' });
    return client.connect(transport).then(() => ({ client }));
  };
  const bare = [];
  const ours = [];
  const reference = [];
  for (let i = 0; i < STARTUP_RUNS; i++) {
    bare.push(await spawnLine(['-e', 'console.log("ready")'], {}));
    ours.push(await firstList(() => connectServer(sandbox)));
    reference.push(await firstList(filesystem));
  }
  const [o, b, f] = [stats(ours).median, stats(bare).median, stats(reference).median];
  row(
    `start-up: spawn → first tools/list answer (median of ${STARTUP_RUNS})`,
    `${o.toFixed(0)} ms; reference filesystem server ${f.toFixed(0)} ms`,
    `${b.toFixed(0)} ms (bare node printing a line)`,
    `+${(o - b).toFixed(0)} ms over bare node ${o - b <= 120 ? '✅ ≤ 120 ms' : '❌ > 120 ms'}; ${(o / f).toFixed(2)} of the filesystem server ${o <= f / 2 ? '✅ ≤ ½' : '❌ > ½'}`,
  );
}

async function textSize(sandbox, server) {
  const result = await callOk(server.client, 'list_contacts', { limit: 100 });
  // The contacts as JSON objects, pretty-printed: what a server that simply returns the API's answer gives.
  const { columns, rows } = result.structuredContent.contacts;
  const items = rows.map((row) => Object.fromEntries(columns.map((column, i) => [column, row[i]])));
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
    if (!values.only || values.only === 'startup') await startup(sandbox, dir);
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
