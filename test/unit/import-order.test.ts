/**
 * Several chunks of an import are in flight at once, yet a number's later row still wins: a chunk that
 * repeats a number of a chunk still in flight is sent only once that chunk is answered. A small loopback
 * API that answers the first chunk last shows the order on the wire.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sniffCsv, textSource } from '../../src/import/csv-source.js';
import { uploadCsvInChunks } from '../../src/import/import-csv.js';
import { VobizClient } from '../../src/vobiz/client.js';
import { json, startLoopbackApi, uploadedNumbers } from './scripted-api.js';

let upstream: Awaited<ReturnType<typeof startLoopbackApi>>;
let client: VobizClient;
/** Each chunk's first number, in the order the API received them; and every receipt and answer, in order. */
const received: string[] = [];
const events: string[] = [];
let holdFirst: (() => void) | undefined;

beforeAll(async () => {
  upstream = await startLoopbackApi((req, res, body) => {
    const phones = uploadedNumbers(body);
    received.push(phones[0]!);
    events.push(`received ${received.length}`);
    const chunk = received.length;
    const answer = () => {
      events.push(`answered ${chunk}`);
      const n = phones.length;
      json(200, { total: n, created: n, updated: 0, failed: 0, errors: [] })(req, res, body);
    };
    // The first chunk is held until the third has been received: chunks 2 and 3 are in flight with it.
    if (received.length === 1) holdFirst = answer;
    else {
      answer();
      if (received.length === 3) holdFirst?.();
    }
  });
  client = new VobizClient({ baseUrl: upstream.baseUrl, credentials: { bearerToken: 'test-token' } });
});
afterAll(async () => {
  await client.close();
  await upstream.close();
});

it('sends independent chunks at once, and a chunk that repeats a number only after the chunk it repeats', async () => {
  const n = (i: number) => `+9197100000${String(i).padStart(2, '0')}`;
  // Chunks of 2 rows: [1,2] [3,4] [5,6] [1 again,7]: chunk 4 repeats row 1's number from chunk 1.
  const rows = [1, 2, 3, 4, 5, 6, 1, 7].map((i, k) => `${n(i)},Row ${k + 1}`);
  const source = textSource(['phone_number,name', ...rows].join('\n'));
  const outcome = await uploadCsvInChunks(
    source,
    await sniffCsv(source),
    {},
    {
      client,
      chunkRows: 2,
      concurrency: 4,
      signal: new AbortController().signal,
      onProgress: () => undefined,
    },
  );
  expect(outcome).toMatchObject({ chunksDone: 4, rowsSent: 8, created: 8 });
  expect(outcome.tally.repeatCount).toBe(1);
  // Chunks 1–3 were in flight together; chunk 1 was answered last of them, and chunk 4 went only after.
  expect(received).toEqual([n(1), n(3), n(5), n(1)]);
  expect(events.indexOf('received 3')).toBeLessThan(events.indexOf('answered 1'));
  expect(events.indexOf('answered 1')).toBeLessThan(events.indexOf('received 4'));
});
