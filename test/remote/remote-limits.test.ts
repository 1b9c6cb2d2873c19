/**
 * What a request may hold before it is whole, and what one POST may carry: a connection that has not
 * sent its whole request holds no slot and is cut after MCP_HTTP_REQUEST_TIMEOUT_MS; a JSON-RPC batch
 * (removed from MCP in 2025-06-18) is refused, so it cannot multiply a caller's share of the slots.
 */
import { once } from 'node:events';
import net from 'node:net';
import { StreamableHTTPClientTransport, type JSONRPCMessage } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import {
  call,
  connect,
  MCP_ACCEPT,
  operatorEnv,
  raw,
  rpcError,
  startRemote,
  stopRemote,
  structured,
  type ListOutput,
  type Remote,
} from '../support/remote-stack.js';

const SLOW_SOCKETS = 600;
const REQUEST_TIMEOUT_MS = 3_000;

let sandbox: Sandbox;
let remote: Remote;
beforeAll(async () => {
  sandbox = await startSandbox();
  // Default limits; only the request timeout is shortened, so that the slow sockets end within the test.
  remote = await startRemote({
    ...operatorEnv(sandbox),
    MCP_HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
  });
}, 20_000);
afterAll(async () => {
  await stopRemote(remote);
  await sandbox.close();
});

describe('slow bodies', () => {
  it(`${SLOW_SOCKETS} connections that send headers and "{" neither stop a genuine caller nor stay`, async () => {
    const { hostname, port } = new URL(remote.url);
    const sockets: net.Socket[] = [];
    const answers: string[] = [];
    try {
      await Promise.all(
        Array.from({ length: SLOW_SOCKETS }, async () => {
          const socket = net.connect(Number(port), hostname);
          sockets.push(socket);
          let answer = '';
          socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
          socket.on('close', () => answers.push(answer));
          socket.on('error', () => undefined);
          await once(socket, 'connect');
          // The same account as the genuine caller: its slots are what the slow bodies would take.
          await new Promise<void>((resolve) =>
            socket.write(
              `POST /mcp HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\n` +
                `Accept: ${MCP_ACCEPT}\r\nContent-Length: 1000\r\n\r\n{`,
              () => resolve(),
            ),
          );
        }),
      );

      const genuine = await connect(remote.url);
      try {
        const page = structured<ListOutput>(await call(genuine, 'list_contacts', { limit: 3 }));
        expect(page.contacts.rows.length).toBeGreaterThan(0);
      } finally {
        await genuine.close();
      }

      // The server ends them itself, with 408, once they are past the request timeout.
      await Promise.all(sockets.map((socket) => (socket.closed ? undefined : once(socket, 'close'))));
      expect(answers).toHaveLength(SLOW_SOCKETS);
      expect(answers.filter((answer) => answer.startsWith('HTTP/1.1 408'))).toHaveLength(SLOW_SOCKETS);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  }, 30_000);
});

describe('batches', () => {
  const listCall = (id: number): JSONRPCMessage => ({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'list_contacts', arguments: {} },
  });

  it('refuses a JSON-RPC batch with -32600 saying why, and runs none of its calls', async () => {
    const before = sandbox.requestCount();
    const transport = new StreamableHTTPClientTransport(new URL(remote.url));
    await transport.start();
    try {
      const batch = [listCall(1), listCall(2)] as unknown as JSONRPCMessage;
      await expect(transport.send(batch)).rejects.toThrow(/batches are not accepted.*2025-06-18/);
    } finally {
      await transport.close();
    }

    const answer = await raw(remote.url, {
      body: JSON.stringify(Array.from({ length: 100 }, (_, i) => listCall(i))),
    });
    expect(answer.status).toBe(400);
    expect(rpcError(answer)).toEqual({
      code: -32600,
      message: expect.stringMatching(
        /^Invalid Request: JSON-RPC batches are not accepted .*one message per POST/,
      ),
    });
    expect(sandbox.requestCount()).toBe(before);
  });
});
