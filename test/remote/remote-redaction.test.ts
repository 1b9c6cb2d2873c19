/**
 * A caller's own Vobiz token never comes back, even when the upstream echoes it in an error message:
 * not in tool results (text or structured), not in JSON-RPC errors, not in the server's log.
 */
import http from 'node:http';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textOf } from '../support/context.js';
import {
  call,
  connect,
  listenOnLoopback,
  recordingFetch,
  startRemote,
  stopRemote,
  type Remote,
} from '../support/remote-stack.js';

const CALLER = { authId: 'MA_ECHO0001', authToken: 'tok-caller-7f3a9c1e55' };
const BEARER = 'jwt.caller-bearer.8d2e4b6a';
/** JSON escapes `"` and `\`: echoed inside an API's JSON message, this token reads escaped. */
const QUOTED = 'Zq"7\\w-9f3a9c1e55k';

/** An API that refuses every request with a message quoting the credentials it was sent. */
async function startEchoingUpstream() {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const credential = req.headers['x-auth-token'] ?? req.headers.authorization ?? '';
    seen.push(String(credential));
    req.resume();
    res.writeHead(400, { 'content-type': 'application/json' });
    // `/contacts/pad-N`: the echo starts 4 characters before character N of the message, where a clip cuts.
    const clipAt = /\/contacts\/pad-(\d+)/.exec(req.url ?? '')?.[1];
    const lead = clipAt === undefined ? 'credential ' : 'x'.repeat(Number(clipAt) - 4);
    res.end(
      JSON.stringify({
        status: 'error',
        error: {
          code: 'BAD_REQUEST',
          message: `${lead}${String(credential)} may not ${req.method} ${req.url}`,
          details: { credential },
        },
        timestamp: new Date().toISOString(),
        requestId: 'req_echo',
      }),
    );
  });
  return { ...(await listenOnLoopback(server)), seen };
}

let upstream: Awaited<ReturnType<typeof startEchoingUpstream>>;
let remote: Remote;
beforeAll(async () => {
  upstream = await startEchoingUpstream();
  // No configured account: the only credentials are the caller's own, sent with each request.
  remote = await startRemote({ VOBIZ_BASE_URL: upstream.baseUrl, VOBIZ_DEBUG: '1' });
}, 20_000);
afterAll(async () => {
  await stopRemote(remote);
  await upstream.close();
});

describe("the caller's own credentials", () => {
  for (const [kind, headers, secret] of [
    [
      'an auth token',
      { 'X-Vobiz-Auth-Id': CALLER.authId, 'X-Vobiz-Auth-Token': CALLER.authToken },
      CALLER.authToken,
    ],
    ['a bearer token', { 'X-Vobiz-Bearer-Token': BEARER }, BEARER],
    ['a token holding " and \\', { 'X-Vobiz-Auth-Id': CALLER.authId, 'X-Vobiz-Auth-Token': QUOTED }, QUOTED],
  ] as const) {
    it(`never come back when the upstream echoes ${kind}`, async () => {
      const recorder = recordingFetch();
      const client: Client = await connect(remote.url, headers, { fetch: recorder.fetch });
      const texts: string[] = [];
      try {
        const listed = await call(client, 'list_contacts');
        const fetched = await call(client, 'get_contact', { id: 'c_echo_1' });
        const tagged = await call(client, 'tag_contacts', { ids: ['c_echo_1', 'c_echo_2'], add: ['x'] });
        const created = await call(client, 'create_contact', { phone_number: '+919800000931', name: 'Echo' });
        // Echoes cut where the client clips an API message (1000) and where a rendering clips it (300).
        const cut = [
          await call(client, 'get_contact', { id: 'pad-1000' }),
          await call(client, 'get_contact', { id: 'pad-300' }),
        ];
        for (const result of [listed, fetched, tagged, created, ...cut]) texts.push(JSON.stringify(result));
        const read = await client.readResource({ uri: 'vobiz://contacts/c_echo_1' }).then(
          () => 'no error',
          // The SDK's message no longer starts with the code: put it there, as the assertion reads.
          (error: unknown) => `${(error as { code?: unknown }).code} ${String(error)}`,
        );
        texts.push(read);

        expect(listed.isError).toBe(true);
        expect(textOf(listed)).toMatch(/\[redacted\]/); // the echo reached the text, redacted
        expect(read).toMatch(/-32603.*\[redacted\]/);
      } finally {
        await client.close();
      }
      expect(upstream.seen.some((credential) => credential.includes(secret))).toBe(true);
      // Neither whole, nor escaped (once, as in a JSON string, or twice, as in JSON inside JSON), nor its
      // first characters before a clip.
      const escaped = JSON.stringify(secret).slice(1, -1);
      const forms = [
        secret,
        escaped,
        JSON.stringify(escaped).slice(1, -1),
        secret.slice(0, 5),
        escaped.slice(0, 5),
      ];
      for (const text of [...texts, ...recorder.received])
        for (const form of forms) expect(text, form).not.toContain(form);
      expect(recorder.received.length).toBeGreaterThan(0);
      expect(remote.stderr()).not.toContain(secret);
      expect(remote.stdout()).toBe(''); // remote mode writes its logs to stderr too
    });
  }
});
