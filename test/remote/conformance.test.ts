/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance, which needs Node 22) against
 * remote mode with its in-process sandbox: every server scenario that applies to a domain server
 * passes. Its scenarios speak the 2025 era (initialize) only; the suite has none for 2026-07-28 yet.
 *
 * Skipped, because they call the suite's own fixture tools, prompts and resources (`test_simple_text`,
 * `test_simple_prompt`, `test://…`), which a contacts server does not have, or features it does not
 * offer:
 * - tools-call-simple-text, -image, -audio, -embedded-resource, -mixed-content, -with-logging, -error,
 *   -with-progress, -sampling, -elicitation; elicitation-sep1034-defaults, elicitation-sep1330-enums;
 *   json-schema-2020-12: fixture tools (our tools' progress, errors and elicitation are tested on our
 *   own tools elsewhere; remote mode asks with `confirm`, not elicitation);
 * - resources-read-text, -read-binary, -templates-read; prompts-get-simple, -with-args,
 *   -embedded-resource, -with-image: fixture resources and prompts;
 * - completion-complete, resources-subscribe, resources-unsubscribe: not offered (no completions, and
 *   a stateless server has no subscriptions);
 * - server-sse-polling: resuming a broken SSE stream needs a stateful server with an event store; the
 *   suite counts no check against a stateless one.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRemote, stopRemote, type Remote } from '../support/remote-stack.js';

const run = promisify(execFile);
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

const APPLICABLE = [
  'server-initialize',
  'ping',
  'logging-set-level',
  'tools-list',
  'resources-list',
  'prompts-list',
  'server-sse-multiple-streams',
  'dns-rebinding-protection',
];

/** The suite's command line, from its package.json `bin`. */
function conformanceBin(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('@modelcontextprotocol/conformance/package.json');
  const { bin } = require(manifest) as { bin: Record<string, string> };
  return path.join(path.dirname(manifest), bin['conformance']!);
}

describe.skipIf(NODE_MAJOR < 22)('the MCP conformance suite (Node 22+)', () => {
  let remote: Remote;
  beforeAll(async () => {
    remote = await startRemote({}, ['--sandbox']);
  }, 20_000);
  afterAll(async () => stopRemote(remote));

  it.each(APPLICABLE)('passes %s', async (scenario) => {
    const { stdout } = await run(
      process.execPath,
      [conformanceBin(), 'server', '--url', remote.url, '--scenario', scenario],
      { timeout: 25_000 },
    ).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`${scenario} failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
    });
    // At least one check ran, and none failed.
    expect(stdout).toMatch(/Passed: [1-9]\d*\/\d+, 0 failed/);
  });
});
