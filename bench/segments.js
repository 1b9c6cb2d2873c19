// Segment scans (issue 16): how fast a `where` filter reads the account, and how many upstream requests
// it costs, measured side by side in one run against the same 20,000-contact sandbox on loopback:
//
// - through the MCP server (the built CLI over stdio, as a client runs it), list_tags and a tag_contacts
//   dry run with a where filter the API cannot apply (every contact is read);
// - the same pages read by a plain HTTP loop, the floor any scan over this API has;
// - a where filter with a required tag, which the server pushes down to the API's `tag` filter.
//
//   npm run build && node bench/segments.js [-- --contacts 20000 --runs 5]
//
// Prints a markdown table. Loopback only; every loop is bounded in count, the whole run in time.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Agent, request } from 'undici';
import { generateContacts, startSandbox } from '../dist/sandbox/index.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const { values } = parseArgs({
  options: { contacts: { type: 'string', default: '20000' }, runs: { type: 'string', default: '5' } },
});
const CONTACTS = Number(values.contacts);
const RUNS = Number(values.runs);
const giveUp = setTimeout(() => {
  console.error('bench/segments: over 5 minutes, giving up');
  process.exit(1);
}, 300_000);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rate = (contacts, ms) => Math.round(contacts / (ms / 1000));

const sandbox = await startSandbox({
  contacts: generateContacts(CONTACTS, { accountId: 'MA_SANDBOX1', seed: 16 }),
});
const transport = new StdioClientTransport({
  command: process.execPath,
  args: [CLI],
  env: {
    PATH: process.env.PATH ?? '',
    VOBIZ_BASE_URL: sandbox.baseUrl,
    VOBIZ_AUTH_ID: sandbox.credentials.authId,
    VOBIZ_AUTH_TOKEN: sandbox.credentials.authToken,
  },
  stderr: 'ignore',
});
const client = new Client({ name: 'bench-segments', version: '1.0.0' });
await client.connect(transport);

/** Time and upstream list requests of one tool call; `scanned` as the tool reports it. */
async function measureTool(name, args, scannedOf) {
  const times = [];
  let requests = 0;
  let scanned = 0;
  for (let run = 0; run <= RUNS; run++) {
    const before = sandbox.requestLog.at(-1);
    const start = performance.now();
    const result = await client.callTool({ name, arguments: args });
    const elapsed = performance.now() - start;
    if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
    const log = sandbox.requestLog;
    requests = log.slice(log.indexOf(before) + 1).filter((r) => r.route === 'list').length;
    scanned = scannedOf(result.structuredContent);
    if (run > 0) times.push(elapsed); // the first run warms up both sides
  }
  return { ms: median(times), requests, scanned };
}

/** The floor: the same pages read by a plain keep-alive HTTP loop, doing nothing with them. */
async function measurePlain(query) {
  const agent = new Agent({ keepAliveTimeout: 30_000 });
  const headers = { 'x-auth-id': sandbox.credentials.authId, 'x-auth-token': sandbox.credentials.authToken };
  const times = [];
  let requests = 0;
  let scanned = 0;
  for (let run = 0; run <= RUNS; run++) {
    const start = performance.now();
    requests = 0;
    scanned = 0;
    for (let page = 1; page <= CONTACTS / 100 + 1; page++) {
      const res = await request(`${sandbox.baseUrl}/contacts?limit=100&page=${page}${query}`, {
        headers,
        dispatcher: agent,
      });
      const body = await res.body.json();
      requests++;
      scanned += body.items.length;
      if (!body.has_more) break;
    }
    if (run > 0) times.push(performance.now() - start);
  }
  await agent.close();
  return { ms: median(times), requests, scanned };
}

const rows = [];
function row(what, { ms, requests, scanned }, floor) {
  rows.push(
    `| ${what} | ${scanned} | ${ms.toFixed(0)} ms | ${rate(scanned, ms).toLocaleString('en')} | ${
      floor ? `×${(ms / floor.ms).toFixed(2)}` : '—'
    } | ${requests} | ${((requests / scanned) * 10_000).toFixed(1)} | ${((requests / CONTACTS) * 10_000).toFixed(1)} |`,
  );
}

try {
  const plain = await measurePlain('');
  const listTags = await measureTool('list_tags', {}, (out) => out.scanned);
  const dryRun = await measureTool(
    'tag_contacts',
    { where: { attributes: { city: 'Mumbai' }, inactive_for: '30d' }, add: ['bench'], dry_run: true },
    (out) => out.scan.scanned,
  );
  const plainVip = await measurePlain('&tag=vip');
  const pushedDown = await measureTool(
    'list_tags',
    { where: { tags_all: ['vip'], tags_none: ['expo-2026'] } },
    (out) => out.scanned,
  );
  const probed = await measureTool(
    'list_tags',
    { where: { tags_all: ['newsletter', 'vip'] } },
    (out) => out.scanned,
  );

  console.log(
    `\nSegment scans over a ${CONTACTS.toLocaleString('en')}-contact sandbox (median of ${RUNS} runs):\n`,
  );
  console.log(
    '| scan | contacts read | time | contacts/s | vs plain HTTP | list requests | requests per 10,000 read | requests per 10,000 in the account |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  row('plain HTTP loop, every page (the floor)', plain);
  row('list_tags, whole account', listTags, plain);
  row('tag_contacts dry run, where city + inactive_for (no push-down)', dryRun, plain);
  row('plain HTTP loop, tag=vip', plainVip);
  row('list_tags, where tags_all vip + tags_none (tag=vip pushed down)', pushedDown, plainVip);
  row('list_tags, where tags_all newsletter + vip (2 probes, then tag=vip)', probed, plainVip);
  for (const line of rows) console.log(line);
} finally {
  clearTimeout(giveUp);
  await client.close();
  await sandbox.close();
}
