/**
 * `npm run demo`: a scripted agent session against the built server in --sandbox mode, over stdio with
 * the SDK client — the main job end to end, a segment by attributes and dates included, with no Vobiz
 * account. This is a terminal program: unlike the server, it prints to stdout.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, type CallToolResult } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { SingleBar, Presets } from 'cli-progress';
import type { ContactOutput } from '../mcp/contact-output.js';
import { fromTable } from '../mcp/table.js';
import { generateContactsCsv } from './sample-csv.js';
import { DEFAULT_SANDBOX_AUTH_ID, generateContacts, startSandbox } from '../sandbox/index.js';

const CLI = fileURLToPath(new URL('../cli.js', import.meta.url));
const IMPORT_ROWS = 2_000;
/** Invalid rows the demo prints of a dry run; the rest are counted. */
const SHOWN_ERRORS = 3;
const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);

function step(title: string): void {
  process.stdout.write(`\n${bold(`▶ ${title}`)}\n`);
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** A plain text table: the columns sized to their widest cell. */
function table(rows: Record<string, unknown>[]): void {
  if (rows.length === 0) return print('  (none)');
  const columns = Object.keys(rows[0] ?? {});
  const cells = rows.map((row) => columns.map((c) => String(row[c] ?? '')));
  const widths = columns.map((c, i) => Math.min(48, Math.max(c.length, ...cells.map((r) => r[i]!.length))));
  const line = (values: string[]) =>
    `  ${values.map((v, i) => v.slice(0, widths[i]).padEnd(widths[i]!)).join('  ')}`;
  print(line(columns));
  print(line(widths.map((w) => '─'.repeat(w))));
  for (const row of cells) print(line(row));
}

/** A contact as the tools give it (empty tags and attributes left out). */
type ContactOut = ContactOutput;

type TableOut = Parameters<typeof fromTable>[0];
/** The contacts of a list_contacts result, which gives them as a table (columns, rows). */
const contactsOf = (result: Record<string, unknown>) => fromTable<ContactOut>(result['contacts'] as TableOut);

const contactRows = (items: ContactOut[]) =>
  items.map((c) => ({
    id: `${c.id.slice(0, 8)}…`,
    phone_number: c.phone_number,
    name: c.name,
    tags: (c.tags ?? []).join(','),
  }));

async function main(): Promise<void> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'vobiz-demo-'));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, '--sandbox'],
    env: { VOBIZ_IMPORT_DIRS: workDir, VOBIZ_IMPORT_CHUNK_ROWS: '250', VOBIZ_CONFIRM: 'never' },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'vobiz-demo', version: '1.0.0' });
  const call = async (
    name: string,
    args: Record<string, unknown>,
    onprogress?: (p: { progress: number; total?: number }) => void,
  ) => {
    const result = (await client.callTool(
      { name, arguments: args },
      onprogress && { onprogress },
    )) as CallToolResult;
    if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
    return result.structuredContent as Record<string, unknown>;
  };

  try {
    step('Start the server in sandbox mode (a local Vobiz API, no account needed)');
    await client.connect(transport);
    const info = client.getServerVersion();
    print(`  connected to ${info?.name} ${info?.version} over stdio`);

    step('The tools an agent sees');
    const { tools } = await client.listTools();
    table(
      tools.map((t) => ({
        tool: t.name,
        title: t.title,
        kind: t.annotations?.readOnlyHint ? 'read' : 'write',
      })),
    );

    step('create_contact — phone numbers are E.164; spaces are tidied');
    const created = (await call('create_contact', {
      phone_number: '+91 98200 55501',
      name: 'Meera Nair',
      tags: ['demo'],
      custom_attributes: { city: 'Kochi' },
    })) as unknown as ContactOut;
    table(contactRows([created]));

    step('list_contacts — search by part of a name');
    const found = await call('list_contacts', { search: 'meera' });
    table(contactRows(contactsOf(found)));

    const csvPath = path.join(workDir, 'mumbai-fair.csv');
    const { csv, invalidRows } = generateContactsCsv(IMPORT_ROWS, { invalidEvery: 97 });
    await writeFile(csvPath, csv);
    step(`import_contacts_csv — dry run of a ${IMPORT_ROWS}-row CSV (${invalidRows} rows with problems)`);
    const dry = await call('import_contacts_csv', {
      file_path: csvPath,
      default_country: 'IN',
      dry_run: true,
    });
    print(
      `  ${dry['total']} rows: ${dry['valid']} valid, ${dry['failed']} invalid, ${dry['phone_numbers_normalised'] ?? 0} local numbers rewritten to E.164`,
    );
    const invalid = fromTable<{ row: number; phone_number: string; reason: string }>(
      dry['errors'] as TableOut,
    );
    table(invalid.slice(0, SHOWN_ERRORS));
    const unshown = Number(dry['failed']) - Math.min(invalid.length, SHOWN_ERRORS);
    if (unshown > 0) print(`  … and ${unshown} more`);

    step('import_contacts_csv — the real import, in chunks, with progress');
    const bar = new SingleBar(
      { format: '  {bar} {percentage}% | {value}/{total} rows', hideCursor: true },
      Presets.shades_classic,
    );
    bar.start(Number(dry['valid']), 0);
    const started = performance.now();
    const imported = await call('import_contacts_csv', { file_path: csvPath, default_country: 'IN' }, (p) =>
      bar.update(p.progress),
    );
    bar.update(Number(dry['valid'])); // the last notification can race the result; the result is final
    bar.stop();
    print(
      `  created ${imported['created']}, updated ${imported['updated']}, failed ${imported['failed']} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    step('list_tags — the segments that exist');
    const tags = await call('list_tags', {});
    table((tags['tags'] as [string, number][]).slice(0, 8).map(([tag, contacts]) => ({ tag, contacts })));

    step('tag_contacts with where — a segment the API cannot filter by: every contact without tags');
    const unsorted = await call('tag_contacts', {
      where: { untagged: true },
      add: ['unsorted'],
      dry_run: true,
    });
    const scan = unsorted['scan'] as { scanned: number; total: number; complete: boolean };
    print(
      `  dry run: ${unsorted['matched']} untagged contacts would get "unsorted" — read ${scan.scanned} of ${scan.total} contacts${scan.complete ? ', every one' : ', NOT all'}`,
    );
    const sorted = await call('tag_contacts', { where: { untagged: true }, add: ['unsorted'] });
    print(`  for real: ${sorted['changed']} changed`);

    step('list_contacts with where — Mumbai contacts active in the last 30 days (any spelling of the city)');
    const active = await call('list_contacts', {
      where: { attributes: { city: 'mumbai' }, active_within: '30d' },
    });
    table(
      contactsOf(active).map((c) => ({
        name: c.name,
        city: String(c.custom_attributes?.['city']),
        last_active_at: c.last_active_at,
      })),
    );

    step('tag_contacts — dry run: tag everyone from the Mumbai fair "expo-2026"');
    const plan = await call('tag_contacts', { tag: 'mumbai-fair', add: ['expo-2026'], dry_run: true });
    print(`  ${plan['matched']} matched, ${plan['changed']} would change`);

    step('tag_contacts — for real, then again (nothing left to change)');
    const tagged = await call('tag_contacts', { tag: 'mumbai-fair', add: ['expo-2026'] });
    const again = await call('tag_contacts', { tag: 'mumbai-fair', add: ['expo-2026'] });
    print(
      `  first run: ${tagged['changed']} changed; second run: ${again['changed']} changed, ${again['unchanged']} unchanged`,
    );

    step('list_contacts — the campaign audience, by tag');
    const audience = await call('list_contacts', { tag: 'expo-2026', limit: 5 });
    table(contactRows(contactsOf(audience)));
    print(
      `  … ${audience['total']} contacts carry expo-2026 (next page: ${audience['next_page'] ?? 'none'})`,
    );

    await demoJob();

    print(
      `\n${bold('Done.')} Point Claude Desktop at it next: see "Use it in Claude Desktop" in the README.`,
    );
  } finally {
    await client.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Contacts of the real-network step; 15% of them carry "trial" (seed.ts), so it tags about 600. */
const NETWORK_CONTACTS = 4_000;
const NETWORK = { latencyMs: 100, rateLimit: { perSecond: 200 } };
/** Short, so that the demo shows a job in seconds; a user's default is 40 s (VOBIZ_CALL_BUDGET_MS). */
const DEMO_BUDGET_MS = 1_000;

/**
 * Long work on a real network: an account 100 ms away that takes 200 requests a second, and a call
 * budget of one second. tag_contacts answers with a job within the budget; get_job follows it.
 */
async function demoJob(): Promise<void> {
  step(
    `A real network: ${NETWORK_CONTACTS} contacts, ${NETWORK.latencyMs} ms a round trip, ` +
      `${NETWORK.rateLimit.perSecond} requests/s, and a call budget of ${DEMO_BUDGET_MS / 1000} s`,
  );
  const sandbox = await startSandbox({
    contacts: generateContacts(NETWORK_CONTACTS, { accountId: DEFAULT_SANDBOX_AUTH_ID, seed: 21 }),
    network: NETWORK,
  });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    env: {
      VOBIZ_BASE_URL: sandbox.baseUrl,
      VOBIZ_AUTH_ID: sandbox.credentials.authId,
      VOBIZ_AUTH_TOKEN: sandbox.credentials.authToken,
      VOBIZ_CALL_BUDGET_MS: String(DEMO_BUDGET_MS),
      VOBIZ_CONFIRM: 'never',
    },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'vobiz-demo-network', version: '1.0.0' });
  try {
    await client.connect(transport);
    const started = performance.now();
    const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
    let result = (await client.callTool({
      name: 'tag_contacts',
      arguments: { tag: 'trial', add: ['trial-followup'], max_contacts: 5_000 },
    })) as CallToolResult;
    const job = fieldOf(result, 'job') as { id: string } | undefined;
    if (!job) throw new Error(`tag_contacts did not become a job: ${JSON.stringify(result.content)}`);
    print(`  tag_contacts answered after ${seconds()} s: ${firstLine(result)}`);
    for (let calls = 0; isRunning(result) && calls < 60; calls++) {
      result = (await client.callTool({ name: 'get_job', arguments: { id: job.id } })) as CallToolResult;
      print(`  get_job after ${seconds()} s: ${firstLine(result)}`);
    }
    if (result.isError || isRunning(result)) throw new Error(`the job did not finish: ${firstLine(result)}`);
    const done = fieldOf(result, 'result') as { changed: number } | undefined;
    print(`  ${done?.changed} contacts tagged in ${seconds()} s, every call within the budget`);
  } finally {
    await client.close();
    await sandbox.close();
  }
}

function isRunning(result: CallToolResult): boolean {
  return (fieldOf(result, 'job') as { state?: string } | undefined)?.state === 'running';
}

/** A field of the structured content (an object for every tool of ours; the SDK types it unknown). */
function fieldOf(result: CallToolResult, name: string): unknown {
  return (result.structuredContent as Record<string, unknown> | undefined)?.[name];
}

function firstLine(result: CallToolResult): string {
  const block = result.content[0];
  const text = block?.type === 'text' ? block.text : '';
  return text.split('\n')[0]!.replace(/Job [0-9a-f-]{36}/, (id) => `${id.slice(0, 12)}…`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
