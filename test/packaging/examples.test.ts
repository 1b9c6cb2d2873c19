/**
 * The examples are the proof that agent frameworks can drive the server: each runs as a user runs it
 * (`tsx examples/….ts`, a child process), its framework's own MCP client starting the built server over
 * stdio against a sandbox, a scripted model doing the job "tag the Mumbai fair's visitors expo-2026,
 * list the segment". Each prints one JSON line with the segment as the sandbox holds it afterwards; the
 * assertions are on that, not on what the model said.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TIMEOUT_MS = 90_000;
/** The frameworks' current majors (ai@7, Mastra) need Node 22: on Node 20 their examples are skipped. */
const NODE_22 = Number(process.versions.node.split('.')[0]) >= 22;

/** The fair's five visitors in examples/fair.ts, and none of the other contacts. */
const VISITORS = ['+919820011201', '+919820011202', '+919820011203', '+919820011204', '+919820011205'];

interface Report {
  framework: string;
  segment: string;
  members: string[];
  calls: string[];
  text_read_bytes: number[];
  structured_json_read: boolean;
}

async function runExample(file: string, ...args: string[]): Promise<Report> {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', file, ...args], {
      cwd: ROOT,
      timeout: TIMEOUT_MS,
    });
    const last = stdout.trim().split('\n').at(-1) ?? '';
    return JSON.parse(last) as Report;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${file} failed: ${String(error)}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  }
}

/** The segment holds exactly the visitors, tagged in three calls, the model never read the JSON twice. */
function expectTheJobDone(report: Report): void {
  expect(report.segment).toBe('expo-2026');
  expect(report.members).toEqual(VISITORS);
  expect(report.calls).toEqual(['list_contacts', 'tag_contacts', 'list_contacts']);
  expect(report.structured_json_read).toBe(false);
}

// Each example is its own processes: side by side they take little more than the slowest.
describe('examples/', { timeout: TIMEOUT_MS }, () => {
  const job = 'the agent tags exactly the fair visitors, reading our compact text';
  it.concurrent(`Vercel AI SDK: ${job}`, async () => {
    expectTheJobDone(await runExample('examples/vercel-ai-sdk.ts'));
  });
  it.skipIf(!NODE_22).concurrent(`Vercel AI SDK 7 (Node 22+): ${job}`, async () => {
    expectTheJobDone(await runExample('examples/vercel-ai-sdk-7.ts'));
  });
  it.skipIf(!NODE_22).concurrent(`Mastra (Node 22+): ${job}`, async () => {
    expectTheJobDone(await runExample('examples/mastra.ts'));
  });

  // The LangChain example with its afterToolCall hook and without it, run once for both tests below.
  let langchainRuns: Promise<[Report, Report]> | undefined;
  const langchain = () =>
    (langchainRuns ??= Promise.all([
      runExample('examples/langchain.ts'),
      runExample('examples/langchain.ts', '--default-output'),
    ]));

  it.concurrent(`LangChain: ${job}`, async () => {
    const [report] = await langchain();
    expectTheJobDone(report);
  });

  it.concurrent('LangChain without the afterToolCall hook: the model reads the contacts twice', async () => {
    const [compact, byDefault] = await langchain();
    expect(byDefault.members).toEqual(VISITORS);
    expect(byDefault.structured_json_read).toBe(true);
    byDefault.text_read_bytes.forEach((bytes, i) =>
      expect(bytes).toBeGreaterThan(compact.text_read_bytes[i] ?? 0),
    );
  });
});
