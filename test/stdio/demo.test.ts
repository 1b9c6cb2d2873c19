/**
 * `npm run demo` is the README's "see it work" command: run the built demo as a user does and check
 * that the session it prints did the main job — tools listed, a contact created and found, the
 * generated CSV imported with its bad rows reported, a segment by `where` (no tags; a city in any
 * spelling and recent activity), a segment tagged once (a re-run changes nothing) and listed by tag,
 * and on a real network a tag_contacts that outlasts a short call budget, followed to its end as a job.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { generateContactsCsv } from '../../src/demo/sample-csv.js';

const DEMO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/demo/demo.js');

it('walks through the main job against the sandbox and exits 0', { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, [DEMO], {
    env: { PATH: process.env['PATH'] ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const [code] = await once(child, 'exit');
  expect(code, stderr).toBe(0);

  for (const tool of [
    'list_contacts',
    'get_contact',
    'create_contact',
    'tag_contacts',
    'import_contacts_csv',
  ]) {
    expect(stdout).toContain(tool);
  }
  expect(stdout).toMatch(/\+919820055501 +Meera Nair/);

  const { invalidRows } = generateContactsCsv(2_000, { invalidEvery: 97 });
  expect(stdout).toContain(`2000 rows: ${2_000 - invalidRows} valid, ${invalidRows} invalid`);
  // Three invalid rows are shown; the rest are counted, not left out in silence.
  expect(stdout).toContain(`… and ${invalidRows - 3} more`);
  expect(stdout).toContain(`created ${2_000 - invalidRows}, updated 0, failed ${invalidRows}`);

  // A segment the API cannot filter by: every contact read, the dry run's count then tagged for real.
  const segment =
    /dry run: (\d+) untagged contacts would get "unsorted" — read (\d+) of (\d+) contacts, every one\n.*for real: (\d+) changed/.exec(
      stdout,
    );
  expect(segment, stdout).not.toBeNull();
  expect(segment![2]).toBe(segment![3]);
  expect(segment![4]).toBe(segment![1]);
  expect(stdout).toMatch(/Rahul Sharma +Mumbai/);
  expect(stdout).toMatch(/Ananya Iyer +mumbai/);

  const tagged = /first run: (\d+) changed; second run: 0 changed, (\d+) unchanged/.exec(stdout);
  expect(tagged, stdout).not.toBeNull();
  expect(Number(tagged![1])).toBeGreaterThan(0);
  expect(tagged![2]).toBe(tagged![1]);
  expect(stdout).toContain(`${tagged![1]} contacts carry expo-2026`);

  // On a real network, with a short budget: the call answers with a job, get_job follows it to its end.
  expect(stdout).toMatch(
    /tag_contacts answered after [\d.]+ s: Job [0-9a-f]{8}.*\(tag_contacts\) is running/,
  );
  expect(stdout).toMatch(/get_job after [\d.]+ s: Job .*\(tag_contacts\) done\./);
  expect(stdout).toMatch(/\n {2}\d+ contacts tagged in [\d.]+ s, every call within the budget/);
  expect(stdout).toContain('Done.');
});
