// The main job on a real network (issue 21): the built server over stdio, as a client runs it, against a
// 20,000-contact sandbox that answers every request 100 ms late (a user in India calling the API) and,
// in some rows, limits the account to 100 requests a second. Every figure stands beside its floor from
// the same run: the round trips or the rate the work cannot beat.
//
//   npm run build && node bench/real-network.js [-- --contacts 20000 --latency 100 --rate 100 --tag 2000]
//
// Rows:
// - a whole-account scan (list_tags): floor = pages ÷ ceiling × round trip;
// - tagging `--tag` contacts with no rate limit, and at `--rate` requests/s: floor = writes ÷ ceiling ×
//   round trip, and writes ÷ rate; the requests per contact changed; the share answered 429;
// - a job: tagging 60 s of writes at the rate, with the call budget at its default, followed by get_job:
//   every call answers within the budget, and the job ends within 1.5× its floor.
// Loopback only; every loop is bounded in count and the whole run in time.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { generateContacts, startSandbox } from '../dist/sandbox/index.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '20000' },
    latency: { type: 'string', default: '100' },
    rate: { type: 'string', default: '100' },
    tag: { type: 'string', default: '2000' },
    'job-seconds': { type: 'string', default: '60' },
    ceiling: { type: 'string', default: '32' },
  },
});
const CONTACTS = Number(values.contacts);
const LATENCY_MS = Number(values.latency);
const RATE = Number(values.rate);
const TAG = Number(values.tag);
const JOB_SECONDS = Number(values['job-seconds']);
const CEILING = Number(values.ceiling);
const PAGE = 100;
const giveUp = setTimeout(() => {
  console.error('bench/real-network: over 10 minutes, giving up');
  process.exit(1);
}, 600_000);

const sandbox = await startSandbox({
  contacts: generateContacts(CONTACTS, { accountId: 'MA_SANDBOX1', seed: 21 }),
});

/** A fresh server process each row: its account pace starts from nothing, as a user's would. */
async function connect(env = {}) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    env: {
      PATH: process.env.PATH ?? '',
      VOBIZ_BASE_URL: sandbox.baseUrl,
      VOBIZ_AUTH_ID: sandbox.credentials.authId,
      VOBIZ_AUTH_TOKEN: sandbox.credentials.authToken,
      VOBIZ_CONCURRENCY: String(CEILING),
      VOBIZ_CONFIRM: 'never',
      ...env,
    },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'bench-real-network', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** Gives `count` contacts (every `step`-th) the tag `tag`, directly in the sandbox's store. */
async function tagInSandbox(tag, count) {
  const { baseUrl, credentials } = sandbox;
  const contacts = sandbox.contacts().slice(0, count);
  const csv = [
    'phone_number,name,tags',
    ...contacts.map((c) => `${c.phone_number},${c.name.replaceAll(',', ' ')},${tag}`),
  ];
  const form = new FormData();
  form.append('file', new Blob([csv.join('\n')], { type: 'text/csv' }), 'tag.csv');
  const response = await fetch(`${baseUrl}/contacts/import`, {
    method: 'POST',
    headers: { 'x-auth-id': credentials.authId, 'x-auth-token': credentials.authToken },
    body: form,
  });
  if (response.status !== 200) throw new Error(`seeding the tag failed: ${response.status}`);
}

const rows = [];
const row = (what, measured, floor, extra = '') =>
  rows.push(
    `| ${what} | ${(measured / 1000).toFixed(2)} s | ${(floor / 1000).toFixed(2)} s | ×${(measured / floor).toFixed(2)} | ${extra} |`,
  );

/** One tool call, followed through get_job if it became a job; the longest single call is kept too. */
async function run(client, name, args) {
  const start = performance.now();
  let longestCall = 0;
  const timed = async (tool, a) => {
    const t = performance.now();
    const result = await client.callTool({ name: tool, arguments: a }, { timeout: 600_000 });
    longestCall = Math.max(longestCall, performance.now() - t);
    return result;
  };
  let result = await timed(name, args);
  let jobs = 0;
  while (result.structuredContent?.job?.state === 'running') {
    jobs++;
    result = await timed('get_job', { id: result.structuredContent.job.id });
  }
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content).slice(0, 300)}`);
  const structured = result.structuredContent?.result ?? result.structuredContent;
  return { ms: performance.now() - start, longestCall, jobs, structured };
}

// 1. A whole-account scan: the first of a fresh server (code not yet warm, the account's window still
// at its start), then the median of three more.
sandbox.setNetwork({ latencyMs: LATENCY_MS });
{
  const client = await connect();
  const pages = Math.ceil(CONTACTS / PAGE);
  const floor = (pages / CEILING) * LATENCY_MS;
  const scans = [];
  for (let i = 0; i < 4; i++) {
    sandbox.resetStats();
    scans.push(await run(client, 'list_tags', {}));
  }
  const stats = sandbox.stats();
  const notes = `${stats.byRoute.list} list requests, at most ${stats.maxInFlight} at once`;
  row(
    `list_tags, whole account (${CONTACTS} contacts, ${pages} pages), fresh server`,
    scans[0].ms,
    floor,
    notes,
  );
  const median = scans
    .slice(1)
    .map((scan) => scan.ms)
    .sort((a, b) => a - b)[1];
  row(`list_tags, whole account, median of the next 3`, median, floor, notes);
  await client.close();
}

// 2. Tagging, no rate limit, then at the rate.
async function tagRow(label, tag, count, network, floorOf) {
  sandbox.setNetwork(network);
  await tagInSandbox(tag, count);
  const client = await connect();
  sandbox.resetStats();
  const tagged = await run(client, 'tag_contacts', { tag, add: [`${tag}-done`], max_contacts: 100_000 });
  const stats = sandbox.stats();
  const changed = tagged.structured.changed;
  const perContact = stats.requests / changed;
  const limited = `${((100 * stats.rateLimited) / stats.requests).toFixed(1)}% answered 429`;
  row(
    label,
    tagged.ms,
    floorOf(changed),
    `${changed} changed, ${perContact.toFixed(3)} requests per contact changed, ${limited}; longest call ${(tagged.longestCall / 1000).toFixed(1)} s${tagged.jobs ? `, ${tagged.jobs} get_job` : ''}`,
  );
  await client.close();
  return tagged;
}
await tagRow(
  `tag_contacts, ${TAG} contacts, no rate limit`,
  'plain',
  TAG,
  { latencyMs: LATENCY_MS },
  (writes) => Math.max((writes / CEILING) * LATENCY_MS, LATENCY_MS),
);
const limited = { latencyMs: LATENCY_MS, rateLimit: { perSecond: RATE } };
await tagRow(
  `tag_contacts, ${TAG} contacts, ${RATE} requests/s`,
  'rated',
  TAG,
  limited,
  (writes) => (writes / RATE) * 1000,
);

// 3. A job: JOB_SECONDS of writes at the rate, with the default call budget.
const jobWrites = JOB_SECONDS * RATE;
await tagRow(
  `a ${JOB_SECONDS}-second job: tag_contacts, ${jobWrites} contacts at ${RATE} requests/s`,
  'job',
  Math.min(jobWrites, CONTACTS),
  limited,
  (writes) => (writes / RATE) * 1000,
);

clearTimeout(giveUp);
await sandbox.close();
console.log(`\n### Real network: ${LATENCY_MS} ms a round trip, ${CONTACTS} contacts, ceiling ${CEILING}\n`);
console.log('| work | measured | floor | ratio | notes |');
console.log('|---|---|---|---|---|');
for (const line of rows) console.log(line);
