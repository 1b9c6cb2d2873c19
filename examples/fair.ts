/**
 * The job every example gives its agent — "tag everyone from the Mumbai fair as expo-2026, then show me
 * the segment" — and the stage around it, which a user of a framework does not write:
 *
 * - the sandbox (this project's local Vobiz API, in this process), holding the fair's visitors among
 *   other contacts;
 * - the command that starts the MCP server over stdio against it;
 * - the scripted model's moves: what a capable model does for this job, one move per turn, decided only
 *   from the tool results' text as the framework hands it to the model (no network, no real model);
 * - the check: the segment read back from the sandbox itself, not from anything the agent said.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';

export const JOB = 'Tag everyone from the Mumbai fair as expo-2026, then show me the segment.';
const FAIR_TAG = 'mumbai-fair';
const SEGMENT = 'expo-2026';

/** The fair's visitors, imported from its badge scanner, and two contacts that were not there. */
const CONTACTS_CSV = `phone_number,name,tags
+919820011201,Asha Rao,${FAIR_TAG}
+919820011202,Vikram Nair,"${FAIR_TAG},vip"
+919820011203,Meera Iyer,${FAIR_TAG}
+919820011204,Farhan Qureshi,${FAIR_TAG}
+919820011205,Kavya Menon,${FAIR_TAG}
+919820011298,Rohan Das,delhi-fair
+919820011299,Neha Kulkarni,newsletter
`;
const VISITORS = ['+919820011201', '+919820011202', '+919820011203', '+919820011204', '+919820011205'];

/** The built server, as a user's MCP client starts it: `node dist/cli.js` (run `npm run build` first). */
const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');

/** What the scripted model did: the tools it called, and the text of each tool result it read. */
export interface Transcript {
  calls: string[];
  read: string[];
}

export interface Stage {
  /** How to start the MCP server over stdio, pointed at the sandbox. */
  server: { command: string; args: string[]; env: Record<string, string> };
  /** Reads the segment back from the sandbox, prints it as one JSON line, and says whether it is right. */
  report(framework: string, transcript: Transcript): boolean;
  close(): Promise<void>;
}

/** A sandbox seeded with its sample contacts plus the fair's CSV, and the server command for it. */
export async function startStage(): Promise<Stage> {
  const sandbox = await startSandbox({ port: 0 });
  await importCsv(sandbox, CONTACTS_CSV);
  return {
    server: {
      command: process.execPath,
      args: [CLI],
      env: {
        VOBIZ_BASE_URL: sandbox.baseUrl,
        VOBIZ_AUTH_ID: sandbox.credentials.authId,
        VOBIZ_AUTH_TOKEN: sandbox.credentials.authToken,
      },
    },
    report(framework, { calls, read }) {
      const members = sandbox
        .contacts()
        .filter((contact) => contact.tags.includes(SEGMENT))
        .map((contact) => contact.phone_number)
        .sort();
      const exact = JSON.stringify(members) === JSON.stringify(VISITORS);
      const result = {
        framework,
        segment: SEGMENT,
        exact,
        members,
        expected: VISITORS,
        calls,
        // What the model read from each tool result, in bytes, and whether the structured JSON was in it.
        text_read_bytes: read.map((text) => Buffer.byteLength(text)),
        structured_json_read: read.some((text) => text.includes('"columns":[')),
      };
      console.log(JSON.stringify(result));
      return exact;
    },
    close: () => sandbox.close(),
  };
}

/** Seeds the sandbox through its public API, as the real API takes a CSV (POST /contacts/import). */
async function importCsv(sandbox: Sandbox, csv: string): Promise<void> {
  const form = new FormData();
  form.append('file', new Blob([csv], { type: 'text/csv' }), 'contacts.csv');
  const response = await fetch(`${sandbox.baseUrl}/contacts/import`, {
    method: 'POST',
    headers: { 'X-Auth-ID': sandbox.credentials.authId, 'X-Auth-Token': sandbox.credentials.authToken },
    body: form,
  });
  if (!response.ok) throw new Error(`seeding the sandbox failed: HTTP ${response.status}`);
}

export type Move = { tool: string; args: Record<string, unknown> } | { say: string };

/**
 * The scripted model: given the text of every tool result it has read so far, its next move. It finds
 * the visitors, tags them by the ids it read, then lists the segment and reports it.
 */
export function nextMove(textRead: string[]): Move {
  const [found, tagged, segment] = textRead;
  if (found === undefined) return { tool: 'list_contacts', args: { tag: FAIR_TAG, limit: 100 } };
  if (tagged === undefined) return { tool: 'tag_contacts', args: { ids: idsIn(found), add: [SEGMENT] } };
  if (segment === undefined) return { tool: 'list_contacts', args: { tag: SEGMENT, limit: 100 } };
  return { say: `Done: the ${SEGMENT} segment now holds ${idsIn(segment).length} contacts.` };
}

/** Contact ids (UUIDs) in a text, each once: a framework may show the model the same id twice. */
function idsIn(text: string): string[] {
  return [...new Set(text.match(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g))];
}
