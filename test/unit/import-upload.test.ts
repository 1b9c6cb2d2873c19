/**
 * Row numbers the API reports inside a chunk must come back as the row numbers of the user's file.
 * The sandbox accepts every row our checks accept, so a small loopback API that refuses the second
 * row of every chunk it is sent stands in for an upstream that is stricter than we are.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sniffCsv, textSource } from '../../src/import/csv-source.js';
import { checkCsv, uploadCsvInChunks } from '../../src/import/import-csv.js';
import { VobizClient } from '../../src/vobiz/client.js';
import { json, startLoopbackApi, uploadedNumbers } from './scripted-api.js';

let upstream: Awaited<ReturnType<typeof startLoopbackApi>>;
let client: VobizClient;
const chunksReceived: string[][] = [];

beforeAll(async () => {
  upstream = await startLoopbackApi((req, res, body) => {
    const phones = uploadedNumbers(body);
    chunksReceived.push(phones);
    json(200, {
      total: phones.length,
      created: phones.length - 1,
      updated: 0,
      failed: 1,
      errors: [{ row: 2, phone_number: phones[1], reason: 'number is blocked' }],
    })(req, res, body);
  });
  client = new VobizClient({ baseUrl: upstream.baseUrl, credentials: { bearerToken: 'test-token' } });
});
afterAll(async () => {
  await client.close();
  await upstream.close();
});

it('maps the rows of each chunk back to the rows of the original file, skipping locally invalid rows', async () => {
  const lines = ['phone_number,name'];
  for (let i = 1; i <= 9; i++)
    lines.push(i === 3 ? 'bad,Invalid' : `+9197100000${String(i).padStart(2, '0')},N${i}`);
  const source = textSource(lines.join('\n'));
  const shape = await sniffCsv(source);
  const { tally } = await checkCsv(source, shape, {});
  expect(tally).toMatchObject({ total: 9, valid: 8, invalid: 1 });

  const progress: number[] = [];
  const outcome = await uploadCsvInChunks(
    source,
    shape,
    {},
    {
      client,
      chunkRows: 3,
      concurrency: 1,
      signal: new AbortController().signal,
      onProgress: (p) => void progress.push(p.rowsDone),
    },
  );
  // Chunks: rows [1,2,4], [5,6,7], [8,9]; the API refuses the 2nd of each: rows 2, 6, 9.
  expect(chunksReceived.map((c) => c.length)).toEqual([3, 3, 2]);
  expect(outcome.errors.map((e) => e.row)).toEqual([2, 6, 9]);
  expect(outcome.errors.map((e) => e.phone_number)).toEqual([
    '+919710000002',
    '+919710000006',
    '+919710000009',
  ]);
  expect(outcome).toMatchObject({ created: 5, failed: 3, rowsSent: 8, chunksDone: 3 });
  expect(outcome.tally).toMatchObject({ total: 9, valid: 8, invalid: 1 });
  // Progress counts the rows done with, the invalid one included, as each chunk is answered.
  expect(progress).toHaveLength(3);
  expect(progress).toEqual([...progress].sort((a, b) => a - b));
  expect(progress.at(-1)).toBe(9);
});
