/**
 * Several instances on one rate-limited account: the built CLI in remote mode (`--http`), a sandbox
 * whose account allows BENCH_RATE requests a second (burst BENCH_BURST) with a BENCH_LATENCY_MS round
 * trip, and a tag_contacts over BENCH_CONTACTS contacts per instance, all started at once and followed
 * to their end with get_job. Three set-ups, the same work in each:
 *   - one instance running both jobs;
 *   - two instances, each on its own (no Redis): each finds the account's rate by itself;
 *   - two instances sharing the account's pace through Redis (REDIS_URL; needs redis-server).
 * Prints, for each, the requests, the share answered 429, the wall time and the requests a second,
 * beside the floors; exits 1 when the shared set-up is past a floor. The account's own pace (AIMD on
 * the 429s, pace.ts) finds the rate from the first 429s, so some are expected; what sharing buys is that
 * two instances find it once, together, instead of each on its own.
 *
 *   npm run build && node bench/instances.js
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startSandbox } from '../dist/sandbox/index.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');
const RATE = Number(process.env.BENCH_RATE ?? 100);
const BURST = Number(process.env.BENCH_BURST ?? 25);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 300);
/** The floors: the shared set-up keeps 429s under this share of its requests ... */
const MAX_RATE_LIMITED_SHARE = 0.1;
/** ... and serves at least this share of what one instance doing all the work serves. */
const MIN_SERVED_VS_ONE = 0.8;

const children = [];
process.on('exit', () => children.forEach((child) => child.kill('SIGKILL')));

async function freePort() {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

async function startRedis() {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) return undefined;
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  children.push(child);
  let out = '';
  await new Promise((resolve) =>
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) resolve();
    }),
  );
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

async function startInstance(sandbox, more) {
  const child = spawn(process.execPath, [CLI, '--http', '--port', '0'], {
    env: {
      PATH: process.env.PATH ?? '',
      VOBIZ_BASE_URL: sandbox.baseUrl,
      VOBIZ_AUTH_ID: sandbox.credentials.authId,
      VOBIZ_AUTH_TOKEN: sandbox.credentials.authToken,
      VOBIZ_CALL_BUDGET_MS: '1000',
      VOBIZ_LOG_FORMAT: 'text',
      ...more,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  const url = await new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`instance did not start:\n${stderr}`)), 10_000);
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const match = /listening on (http:\/\/\S+\/mcp)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  const client = new Client({ name: 'bench-instances', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return {
    client,
    stop: async () => {
      await client.close();
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

async function seed(sandbox, tag) {
  const rows = ['phone_number,name,tags'];
  const prefix = 10_000 + Math.floor(Math.random() * 80_000);
  for (let i = 0; i < CONTACTS; i++) rows.push(`+9196${prefix}${String(i).padStart(3, '0')},B${i},${tag}`);
  const form = new FormData();
  form.append('file', new Blob([rows.join('\n')], { type: 'text/csv' }), 'seed.csv');
  const response = await fetch(`${sandbox.baseUrl}/contacts/import`, {
    method: 'POST',
    headers: { 'x-auth-id': sandbox.credentials.authId, 'x-auth-token': sandbox.credentials.authToken },
    body: form,
  });
  if (response.status !== 200) throw new Error(`seeding failed: ${response.status}`);
}

/** tag_contacts through `client`, followed with get_job to its end; the writes that failed. */
async function tagAll(client, tag) {
  // Remote mode needs the dry run's approval token for a change above the threshold.
  const preview = await client.callTool({
    name: 'tag_contacts',
    arguments: { tag, add: ['bench'], dry_run: true },
  });
  const approval = preview.structuredContent?.approval?.token;
  let answer = await client.callTool({
    name: 'tag_contacts',
    arguments: { tag, add: ['bench'], approval },
  });
  const id = answer.structuredContent?.job?.id;
  while (answer.structuredContent?.job?.state === 'running') {
    answer = await client.callTool({ name: 'get_job', arguments: { id } });
  }
  const result = answer.structuredContent?.result ?? answer.structuredContent;
  if (result?.changed === undefined || result.changed + result.failed !== CONTACTS) {
    throw new Error(`tag_contacts did not end: ${JSON.stringify(answer.content).slice(0, 500)}`);
  }
  return result.failed;
}

async function run(label, instanceCount, env) {
  const sandbox = await startSandbox({ port: 0, seed: false });
  try {
    await seed(sandbox, 'bench-a');
    await seed(sandbox, 'bench-b');
    const instances = [];
    for (let i = 0; i < instanceCount; i++) instances.push(await startInstance(sandbox, env()));
    sandbox.setNetwork({ latencyMs: LATENCY_MS, rateLimit: { perSecond: RATE, burst: BURST } });
    sandbox.resetStats();
    const started = performance.now();
    const failed = await Promise.all(
      ['bench-a', 'bench-b'].map((tag, i) => tagAll(instances[i % instanceCount].client, tag)),
    );
    const seconds = (performance.now() - started) / 1000;
    const { requests, rateLimited } = sandbox.stats();
    await Promise.all(instances.map((instance) => instance.stop()));
    return {
      label,
      requests,
      rateLimited,
      share: rateLimited / requests,
      failed: failed[0] + failed[1],
      seconds,
      perSecond: (requests - rateLimited) / seconds,
    };
  } finally {
    await sandbox.close();
  }
}

const redis = await startRedis();
const rows = [
  await run('1 instance, both jobs', 1, () => ({})),
  await run('2 instances, each on its own', 2, () => ({})),
];
if (redis) rows.push(await run('2 instances on Redis', 2, () => ({ REDIS_URL: redis.url })));
redis?.stop();

console.log(
  `\nTwo tag_contacts of ${CONTACTS} contacts on one account limited to ${RATE} requests/s (burst ${BURST}), ` +
    `${LATENCY_MS} ms round trip:\n`,
);
console.log('| set-up | requests | answered 429 | share 429 | writes failed | wall time | served/s |');
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) {
  console.log(
    `| ${row.label} | ${row.requests} | ${row.rateLimited} | ${(row.share * 100).toFixed(1)}% | ` +
      `${row.failed} | ${row.seconds.toFixed(1)} s | ${row.perSecond.toFixed(0)} |`,
  );
}
console.log(
  `\nFloors (2 instances on Redis): under ${MAX_RATE_LIMITED_SHARE * 100}% answered 429, no write failed; at least ` +
    `${MIN_SERVED_VS_ONE * 100}% of one instance's requests/s served.`,
);
if (!redis) {
  console.log('redis-server is not installed: the shared set-up was not run.');
  process.exit(0);
}
const shared = rows[2];
const ok =
  shared.share < MAX_RATE_LIMITED_SHARE &&
  shared.failed === 0 &&
  shared.perSecond >= MIN_SERVED_VS_ONE * rows[0].perSecond;
console.log(ok ? 'Within the floors.' : 'PAST A FLOOR.');
process.exit(ok ? 0 : 1);
