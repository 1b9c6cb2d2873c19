/**
 * An upstream that misbehaves in size, against the real stdio server: a 60 MB answer is a clear error
 * and the session lives on, under a cap the user can set; a 2 MB error message is clipped, not copied
 * into the model's context.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, textOf, type Stack } from '../support/context.js';

const contact = {
  id: 'c1',
  phone_number: '+919812340000',
  name: 'Asha',
  tags: [],
  custom_attributes: {},
};
let upstream: Server;
let stack: Stack;
let bytesServed = 0;
let baseUrl: string;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const url = req.url ?? '';
    if (url.startsWith('/api/v1/messaging/contacts?') || url === '/api/v1/messaging/contacts') {
      // 60 MB of one JSON list, streamed without a length, as a broken upstream might.
      res.writeHead(200, { 'content-type': 'application/json' });
      const item = JSON.stringify({ ...contact, name: 'x'.repeat(1000) });
      const chunk = Buffer.from(`${`${item},`.repeat(1000)}`);
      res.write('{"items":[');
      let sent = 0;
      const pump = () => {
        while (sent < 60 * 1024 * 1024) {
          sent += chunk.length;
          bytesServed += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end(`${JSON.stringify(contact)}],"total":1,"page":1,"limit":25,"has_more":false}`);
      };
      res.on('error', () => undefined);
      pump();
      return;
    }
    if (url.endsWith('/contacts/c-100kb')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ ...contact, id: 'c-100kb', name: 'z'.repeat(100 * 1024) }));
    }
    if (url.endsWith('/contacts/huge-error')) {
      res.writeHead(422, { 'content-type': 'application/json' });
      const message = `bad request ${'y'.repeat(2 * 1024 * 1024)}`;
      return void res.end(JSON.stringify({ status: 'error', error: { code: 'VALIDATION_ERROR', message } }));
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(contact));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/api/v1/messaging`;
  stack = await startStack({ env: { VOBIZ_BASE_URL: baseUrl } });
});
afterAll(async () => {
  await stack?.close();
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve));
});

it('a 60 MB answer is a clear error, read no further than the cap, and the session lives on', async () => {
  const result = await stack.call('list_contacts', {});
  expect(result.isError).toBe(true);
  expect(textOf(result)).toMatch(/a body over 4 MB \(VOBIZ_MAX_RESPONSE_BYTES\); it was not read/);
  expect(textOf(result).length).toBeLessThan(1_000);
  // The server stopped reading: far less than the 60 MB went out (socket buffers hold some).
  expect(bytesServed).toBeLessThan(30 * 1024 * 1024);

  const next = await stack.call('get_contact', { id: 'c1' });
  expect(next.isError, textOf(next)).toBeFalsy();
  expect(next.structuredContent).toMatchObject({ id: 'c1', name: 'Asha' });
});

it('the cap is VOBIZ_MAX_RESPONSE_BYTES: a 100 kB contact is read by default, refused under a 64 kB cap', async () => {
  const read = await stack.call('get_contact', { id: 'c-100kb' });
  expect(read.isError, textOf(read)).toBeFalsy();
  const capped = await startStack({ env: { VOBIZ_BASE_URL: baseUrl, VOBIZ_MAX_RESPONSE_BYTES: '65536' } });
  try {
    const refused = await capped.call('get_contact', { id: 'c-100kb' });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/a body over 64 kB \(VOBIZ_MAX_RESPONSE_BYTES\); it was not read/);
    expect(textOf(refused)).toMatch(/raise VOBIZ_MAX_RESPONSE_BYTES/);
  } finally {
    await capped.close();
  }
});

it('a 2 MB upstream error message is clipped', async () => {
  const result = await stack.call('get_contact', { id: 'huge-error' });
  expect(result.isError).toBe(true);
  const text = textOf(result);
  expect(text).toMatch(/^Vobiz rejected the request \(HTTP 422 VALIDATION_ERROR: "bad request y+…"\)/);
  expect(text.length).toBeLessThan(1_000);
  expect(stack.stderr().length).toBeLessThan(20_000);
});
