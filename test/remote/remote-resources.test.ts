/**
 * resources/read of a contact URI that names no contact, or is not a contact URI at all, answers with
 * the JSON-RPC error the spec names — -32602, which the 2026-07-28 revision gives a resource not
 * found as well as invalid params, told apart by the message — in both modes, never -32603 (which
 * says the server failed).
 */
import { type Client, ProtocolError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { startStack, type Stack } from '../support/context.js';
import { connect, operatorEnv, startRemote, stopRemote, type Remote } from '../support/remote-stack.js';

async function readError(client: Client, uri: string): Promise<ProtocolError> {
  const error: unknown = await client.readResource({ uri }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ProtocolError);
  return error as ProtocolError;
}

function expectTheSpecCodes(getClient: () => Client, getSandbox: () => Sandbox) {
  it('answers -32602 for a contact that does not exist, and still reads one that does', async () => {
    const missing = await readError(getClient(), 'vobiz://contacts/c_does_not_exist');
    expect(missing.code).toBe(-32602);
    expect(missing.message).toMatch(/Resource not found: no contact c_does_not_exist/);
    expect(missing.data).toEqual({ uri: 'vobiz://contacts/c_does_not_exist' });

    const contact = getSandbox().contacts()[0]!;
    const read = await getClient().readResource({ uri: `vobiz://contacts/${contact.id}` });
    expect(JSON.parse((read.contents[0] as { text: string }).text)).toMatchObject({ id: contact.id });
  });

  it('answers -32602 for a URI that is not a contact URI, without asking the API', async () => {
    const before = getSandbox().requestCount();
    for (const uri of ['vobiz://contacts/not an id', 'vobiz://contacts/a/b', 'vobiz://contacts/', 'hello']) {
      const malformed = await readError(getClient(), uri);
      expect(malformed.code, uri).toBe(-32602);
      expect(malformed.message).toMatch(/Not a contact URI: .*vobiz:\/\/contacts\/\{id\}/);
    }
    expect(getSandbox().requestCount()).toBe(before);
  });
}

describe('resource errors over stdio', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack.close());

  expectTheSpecCodes(
    () => stack.client,
    () => stack.sandbox,
  );
});

describe('resource errors in remote mode', () => {
  let sandbox: Sandbox;
  let remote: Remote;
  let client: Client;
  beforeAll(async () => {
    sandbox = await startSandbox();
    remote = await startRemote(operatorEnv(sandbox));
    client = await connect(remote.url);
  }, 20_000);
  afterAll(async () => {
    await client.close();
    await stopRemote(remote);
    await sandbox.close();
  });

  expectTheSpecCodes(
    () => client,
    () => sandbox,
  );
});
