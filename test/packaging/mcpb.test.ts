/**
 * The Claude Desktop bundle as a user installs it: `npm run mcpb` packs the built server into a .mcpb
 * file; Claude Desktop unpacks it, fills the manifest's `mcp_config` with the settings the user typed
 * into its form, and spawns that command. This test does the same with the bundle built from this tree,
 * against the sandbox on loopback.
 *
 * Runs the script with --ignore-scripts: its `premcpb` step rebuilds dist/ from scratch, which would
 * pull the files from under the other test files running beside this one (as in pack.test.ts). So this
 * packs the dist/ that `npm test` (pretest) or `npm run build` left.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MANIFEST_SCHEMAS, unpackExtension } from '@anthropic-ai/mcpb';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TIMEOUT_MS = 120_000;

interface Manifest {
  manifest_version: string;
  server: {
    entry_point: string;
    mcp_config: { command: string; args: string[]; env: Record<string, string> };
  };
  tools: { name: string }[];
}

/** What Claude Desktop does with the user's settings: `${__dirname}` and `${user_config.X}` filled in. */
function substitute(template: string, bundleDir: string, settings: Record<string, string>): string {
  return template
    .replaceAll('${__dirname}', bundleDir)
    .replace(/\$\{user_config\.([^}]*)\}/g, (_, key: string) => {
      const value = settings[key];
      if (value === undefined) throw new Error(`the test gives no value for user_config.${key}`);
      return value;
    });
}

/**
 * The bundle's server as Claude Desktop runs it: `node` (here, the one running the tests) with the
 * manifest's arguments and environment, the user's settings filled in, started in / as on macOS.
 */
function runBundle(manifest: Manifest, bundleDir: string, settings: Record<string, string>) {
  const { args, env } = manifest.server.mcp_config;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: args.map((arg) => substitute(arg, bundleDir, settings)),
    env: Object.fromEntries(
      Object.entries(env).map(([name, template]) => [name, substitute(template, bundleDir, settings)]),
    ),
    cwd: path.parse(bundleDir).root,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'claude-desktop-like', version: '1.0.0' });
  return { client, connect: () => client.connect(transport), stderr: () => stderr };
}

async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const name = path.posix.join(prefix, entry.name);
      return entry.isDirectory() ? filesUnder(dir, name) : [name];
    }),
  );
  return nested.flat();
}

describe('the Claude Desktop bundle (npm run mcpb)', { timeout: TIMEOUT_MS }, () => {
  let tmp = '';
  let bundleFile = '';
  let bundleDir = '';
  let manifest: Manifest;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'vobiz-mcpb-'));
    bundleFile = path.join(tmp, 'vobiz-contacts.mcpb');
    bundleDir = path.join(tmp, 'installed');
    await run('npm', ['run', 'mcpb', '--ignore-scripts', '--', bundleFile], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(await unpackExtension({ mcpbPath: bundleFile, outputDir: bundleDir, silent: true })).toBe(true);
    manifest = JSON.parse(await readFile(path.join(bundleDir, 'manifest.json'), 'utf8')) as Manifest;
  }, TIMEOUT_MS);

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('holds the built server, its manifest and package.json, and no dependencies, sources or maps', async () => {
    const files = await filesUnder(bundleDir);
    expect(files).toEqual(
      expect.arrayContaining(['manifest.json', 'package.json', manifest.server.entry_point]),
    );
    expect(files.filter((file) => /^(node_modules|src|test|bench|examples)\//.test(file))).toEqual([]);
    expect(files.filter((file) => file.endsWith('.map') || file.endsWith('.ts'))).toEqual([]);
    // dist/ is ES modules: without "type": "module" beside it, node would read dist/cli.js as CommonJS.
    const pkg = JSON.parse(await readFile(path.join(bundleDir, 'package.json'), 'utf8')) as { type?: string };
    expect(pkg.type).toBe('module');
    const { size } = await stat(bundleFile);
    console.info(`${path.basename(bundleFile)}: ${files.length} files, ${(size / 1024).toFixed(1)} KB`);
  });

  it('carries a manifest that passes the MCPB 0.3 schema', () => {
    expect(manifest.manifest_version).toBe('0.3');
    const parsed = MANIFEST_SCHEMAS['0.3'].safeParse(manifest);
    const issues = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues).toEqual([]);
  });

  it('runs as Claude Desktop runs it, with the settings a user types in, and its tools work', async () => {
    const sandbox: Sandbox = await startSandbox({ port: 0, seed: false });
    const importDir = path.join(tmp, 'imports');
    await mkdir(importDir);
    await writeFile(
      path.join(importDir, 'fair.csv'),
      'phone_number,name,tags\n+919820011101,Asha Rao,expo\n+919820011102,Vikram Nair,expo\n',
    );
    const settings = {
      auth_id: sandbox.credentials.authId,
      auth_token: sandbox.credentials.authToken,
      base_url: sandbox.baseUrl,
      read_only: 'false',
      import_directory: importDir,
      sandbox: 'false',
    };
    expect(manifest.server.mcp_config.command).toBe('node');
    const { client, connect, stderr } = runBundle(manifest, bundleDir, settings);
    try {
      await connect();
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(manifest.tools.map((tool) => tool.name).sort());

      const created = await client.callTool({
        name: 'create_contact',
        arguments: { phone_number: '+919820011100', name: 'Bundle Test' },
      });
      expect(created.isError, JSON.stringify(created.content)).toBeFalsy();
      // The settings' import folder is the one the server reads CSV files from.
      const imported = await client.callTool({
        name: 'import_contacts_csv',
        arguments: { file_path: path.join(importDir, 'fair.csv') },
      });
      expect(imported.isError, JSON.stringify(imported.content)).toBeFalsy();
      expect(
        sandbox
          .contacts()
          .map((contact) => contact.phone_number)
          .sort(),
      ).toEqual(['+919820011100', '+919820011101', '+919820011102']);
      expect(stderr()).not.toContain(settings.auth_token);
    } catch (error) {
      throw new Error(`${String(error)}\nserver stderr:\n${stderr()}`);
    } finally {
      await client.close();
      await sandbox.close();
    }
  });

  it('runs on its own sandbox with the Sandbox switch on and the account fields left empty', async () => {
    const settings = {
      auth_id: '',
      auth_token: '',
      base_url: 'https://api.vobiz.ai/api/v1/messaging',
      read_only: 'false',
      import_directory: tmp,
      sandbox: 'true',
    };
    const { client, connect, stderr } = runBundle(manifest, bundleDir, settings);
    try {
      await connect();
      const listed = await client.callTool({ name: 'list_contacts', arguments: { limit: 5 } });
      expect(listed.isError, JSON.stringify(listed.content)).toBeFalsy();
      expect((listed.structuredContent as { total: number }).total).toBeGreaterThan(0);
      expect(stderr()).toMatch(/SANDBOX mode/);
    } catch (error) {
      throw new Error(`${String(error)}\nserver stderr:\n${stderr()}`);
    } finally {
      await client.close();
    }
  });
});
