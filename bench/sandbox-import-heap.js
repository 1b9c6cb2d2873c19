// Memory and speed of the sandbox's streamed CSV import: generates a large CSV, uploads it as a
// multipart stream, samples this process's memory while the upload runs, and prints a markdown table.
//
//   npm run build && node --expose-gc bench/sandbox-import-heap.js [--rows 200000]
//
// Client and sandbox share this process, so the peaks include the client's side of the upload too;
// the point is that neither side holds the file: the peaks should stay far below a copy of the file
// per row object, and the retained heap should be the contacts alone.
import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import { parseArgs } from 'node:util';
import { FormData, request } from 'undici';
import { startSandbox } from '../dist/sandbox/index.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '200000' } } });
const rows = Number(values.rows);
const TIME_LIMIT_MS = 120_000;
const MB = 1024 * 1024;

const gc = typeof globalThis.gc === 'function' ? globalThis.gc : undefined;
const collect = () => {
  gc?.();
  gc?.();
};

/** A realistic file: quoted names with commas, two tags per row, one bad phone number per 1,000 rows. */
async function writeCsv(file, count) {
  const out = createWriteStream(file);
  const write = async (text) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('phone_number,name,tags\r\n');
  for (let index = 0; index < count; index += 1) {
    const phone = index % 1000 === 999 ? '98765' : `+9170${String(index).padStart(8, '0')}`;
    await write(`${phone},"Customer ${index}, Pvt Ltd","bulk,cohort-${index % 12}"\r\n`);
  }
  out.end();
  await once(out, 'finish');
}

const dir = await mkdtemp(path.join(tmpdir(), 'sandbox-import-bench-'));
const csvPath = path.join(dir, 'contacts.csv');
let sandbox;
try {
  await writeCsv(csvPath, rows);
  const fileBytes = (await stat(csvPath)).size;

  sandbox = await startSandbox({ seed: false });
  collect();
  const baselineHeap = process.memoryUsage().heapUsed;

  let peakHeap = 0;
  let peakRss = 0;
  let samples = 0;
  const sample = () => {
    const { heapUsed, rss } = process.memoryUsage();
    peakHeap = Math.max(peakHeap, heapUsed);
    peakRss = Math.max(peakRss, rss);
    samples += 1;
  };
  sample();
  const sampler = setInterval(sample, 50);

  const form = new FormData();
  // A file-backed Blob: undici streams it from disk into the multipart body.
  form.append('file', await openAsBlob(csvPath, { type: 'text/csv' }), 'contacts.csv');
  const started = performance.now();
  const response = await request(`${sandbox.baseUrl}/contacts/import`, {
    method: 'POST',
    headers: { 'x-auth-id': sandbox.credentials.authId, 'x-auth-token': sandbox.credentials.authToken },
    body: form,
    headersTimeout: TIME_LIMIT_MS,
    bodyTimeout: TIME_LIMIT_MS,
  });
  const summary = await response.body.json();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  sample();
  if (response.statusCode !== 200)
    throw new Error(`import answered ${response.statusCode}: ${JSON.stringify(summary)}`);

  collect();
  const retained = process.memoryUsage().heapUsed - baselineHeap;
  const stored = sandbox.contacts().length;
  const mb = (bytes) => (bytes / MB).toFixed(1);

  console.log(`| metric | value |
|---|---|
| rows | ${rows.toLocaleString('en-US')} (created ${summary.created}, updated ${summary.updated}, failed ${summary.failed}) |
| upload seconds | ${seconds.toFixed(2)} |
| rows/s | ${Math.round(rows / seconds).toLocaleString('en-US')} |
| file size MB | ${mb(fileBytes)} |
| peak heapUsed MB | ${mb(peakHeap)} (${samples} samples) |
| peak RSS MB | ${mb(peakRss)} |
| heap retained by the store MB | ${mb(retained)} for ${stored.toLocaleString('en-US')} contacts (${Math.round(retained / stored)} B each)${gc ? '' : ' — run with --expose-gc for a collected figure'} |`);
} finally {
  await sandbox?.close();
  await rm(dir, { recursive: true, force: true });
}
