/**
 * The package as a user gets it: `npm pack` of the built tree, installed into an empty project with no
 * network, and run through its bin — what `npx vobiz-contacts-mcp` runs after it installs the package.
 *
 * Packs with --ignore-scripts: `prepack` rebuilds dist/ from scratch, which would pull the files from
 * under the other test files running beside this one. So this tests the dist/ that `npm test` (pretest)
 * or `npm run build` left, and fails when that build is missing a module of src/.
 *
 * The build bundles every dependency into dist/, so the package has no dependencies of its own: `npx`
 * installs one tarball, and this test can install it with --offline.
 */
import { execFile } from 'node:child_process';
import { readFile, mkdtemp, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_NAMES } from '../../src/tools/all-tools.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TIMEOUT_MS = 120_000;

interface PackageJson {
  name: string;
  version: string;
  license: string;
  bin: Record<string, string>;
  engines: Record<string, string>;
  dependencies?: Record<string, string>;
}
interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string }[];
}

const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson;
const BIN_NAME = Object.keys(pkg.bin)[0] ?? '';

/**
 * npm for the child processes: the cache and registry of this run, but none of the settings an
 * enclosing `npm test` exports for the repo itself (npm_config_local_prefix would point the install
 * at the repo).
 */
const npmEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !/^npm_/i.test(key) || /^npm_config_(cache|registry|userconfig|globalconfig)$/i.test(key),
  ),
);
const npm = (args: string[], cwd: string) =>
  run('npm', args, { cwd, env: npmEnv, maxBuffer: 16 * 1024 * 1024 });

/** Every relative import (static or dynamic) of the shipped JavaScript, as package paths. */
function relativeImports(files: string[], read: (file: string) => Promise<string>) {
  return Promise.all(
    files
      .filter((file) => file.endsWith('.js'))
      .map(async (file) => {
        const code = await read(file);
        const specifiers = [...code.matchAll(/(?:from|import\()\s*"(\.{1,2}\/[^"]+)"/g)].map(
          (m) => m[1] ?? '',
        );
        return specifiers.map((specifier) => path.posix.join(path.posix.dirname(file), specifier));
      }),
  ).then((lists) => lists.flat());
}

describe('the npm package', { timeout: TIMEOUT_MS }, () => {
  let tmp = '';
  let project = '';
  let packed: PackResult;
  let bin = '';
  let installMs = 0;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'vobiz-pack-'));
    project = path.join(tmp, 'project');
    await mkdir(project);
    const packOut = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT);
    const results = JSON.parse(packOut.stdout) as PackResult[];
    packed = results[0] as PackResult;
    const spec = `file:../${packed.filename}`;
    await writeFile(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'pack-test', private: true, dependencies: { [pkg.name]: spec } }),
    );
    const started = Date.now();
    await npm(['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], project);
    installMs = Date.now() - started;
    bin = path.join(project, 'node_modules', '.bin', BIN_NAME);
  }, TIMEOUT_MS);

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('ships the built server and its docs, not tests, sources, source maps or dev-only programs', async () => {
    const files = packed.files.map((file) => file.path);
    expect(files).toEqual(
      expect.arrayContaining(['package.json', 'README.md', 'manifest.json', 'dist/cli.js', 'LICENSE']),
    );
    // The licences of the packages bundled into dist/ travel with it.
    expect(files).toContain('dist/THIRD_PARTY_NOTICES.md');
    const notices = await readFile(path.join(ROOT, 'dist/THIRD_PARTY_NOTICES.md'), 'utf8');
    for (const bundled of [
      '@modelcontextprotocol/server',
      'zod',
      'undici',
      'csv-parse',
      'libphonenumber-js',
    ]) {
      expect(notices).toMatch(new RegExp(`^## ${bundled.replace('/', '\\/')} \\S+ — `, 'm'));
    }
    expect(files.filter((file) => /^(test|src|bench|\.ci)\//.test(file))).toEqual([]);
    // No sources: the .ts files shipped are the declarations of the code exports (package.json "exports").
    const sources = files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
    expect(files.filter((file) => file.endsWith('.map')).concat(sources)).toEqual([]);
    expect(files).toContain('dist/sandbox/index.d.ts');
    expect(files.filter((file) => /^dist\/(demo|docs)\//.test(file))).toEqual([]);
    const imports = await relativeImports(files, (file) => readFile(path.join(ROOT, file), 'utf8'));
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((file) => !files.includes(file))).toEqual([]);
    console.info(
      `${packed.filename}: ${packed.entryCount} files, ${(packed.size / 1024).toFixed(1)} KB packed, ` +
        `${(packed.unpackedSize / 1024).toFixed(1)} KB unpacked; offline install ${installMs} ms`,
    );
  });

  it('is self-contained: no dependencies to install', () => {
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  it('installs an executable bin with its shebang', async () => {
    const target = path.join(project, 'node_modules', pkg.name, pkg.bin[BIN_NAME] ?? '');
    expect((await stat(target)).mode & 0o111).not.toBe(0);
    expect((await readFile(target, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect((await stat(bin)).isFile()).toBe(true);
  });

  // The two runs of the bin are independent: side by side they take the time of one.
  it.concurrent('prints the package version with --version', async ({ expect }) => {
    const { stdout } = await run(bin, ['--version'], { cwd: project, env: childEnv() });
    expect(stdout.trim()).toBe(pkg.version);
  });

  it.concurrent('serves the eight tools over stdio with --sandbox, and they work', async ({ expect }) => {
    const transport = new StdioClientTransport({
      command: bin,
      args: ['--sandbox'],
      cwd: project,
      env: childEnv(),
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const client = new Client({ name: 'pack-test', version: '1.0.0' });
    try {
      await client.connect(transport);
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(TOOL_NAMES);
      // A real call: phone validation, the HTTP client and the sandbox all load from the package.
      const created = await client.callTool({
        name: 'create_contact',
        arguments: { phone_number: '+91 98200 55501', name: 'Pack Test' },
      });
      expect(created.isError, JSON.stringify(created.content)).toBeFalsy();
      expect(created.structuredContent).toMatchObject({ phone_number: '+919820055501' });
    } catch (error) {
      throw new Error(`${String(error)}\nserver stderr:\n${stderr}`);
    } finally {
      await client.close();
    }
  });

  it.concurrent(
    'exports the sandbox: `vobiz-contacts-mcp/sandbox` starts it, and it answers the API',
    async ({ expect }) => {
      const script = path.join(project, 'use-sandbox.mjs');
      await writeFile(
        script,
        [
          "import { startSandbox } from 'vobiz-contacts-mcp/sandbox';",
          'const sandbox = await startSandbox({ port: 0 });',
          'const { authId, authToken } = sandbox.credentials;',
          "const headers = { 'X-Auth-ID': authId, 'X-Auth-Token': authToken };",
          'const page = await (await fetch(`${sandbox.baseUrl}/contacts?limit=2`, { headers })).json();',
          'console.log(JSON.stringify({ count: page.items.length, total: page.total }));',
          'await sandbox.close();',
        ].join('\n'),
      );
      const { stdout } = await run(process.execPath, [script], { cwd: project, env: childEnv() });
      const answer = JSON.parse(stdout) as { count: number; total: number };
      expect(answer.count).toBe(2);
      expect(answer.total).toBeGreaterThan(2);
    },
  );

  it.concurrent('comes with types a strict TypeScript project compiles against', async ({ expect }) => {
    const file = path.join(project, 'typed.mts');
    await writeFile(
      file,
      [
        "import { startSandbox, type Sandbox } from 'vobiz-contacts-mcp/sandbox';",
        'const sandbox: Sandbox = await startSandbox({ port: 0, network: { latencyMs: 100 } });',
        "sandbox.faults.inject({ fault: { kind: 'server_error', status: 503 }, times: 1 });",
        'const url: string = sandbox.baseUrl;',
        'console.log(url, sandbox.stats().requests);',
        'await sandbox.close();',
      ].join('\n'),
    );
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const flags = [
      '--noEmit',
      '--strict',
      '--module',
      'nodenext',
      '--target',
      'es2022',
      '--skipLibCheck',
      'false',
    ];
    const typeRoots = ['--typeRoots', path.join(ROOT, 'node_modules', '@types'), '--types', 'node'];
    const checked = await run(process.execPath, [tsc, ...flags, ...typeRoots, file], { cwd: project }).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }),
    );
    expect(checked.stdout).toBe('');
  });
});

/** The bin's `#!/usr/bin/env node` finds the node running the tests; no VOBIZ_* settings leak in. */
function childEnv(): Record<string, string> {
  const env: Record<string, string> = {
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env['PATH'] ?? ''}`,
  };
  for (const key of ['HOME', 'TMPDIR', 'SystemRoot']) {
    const value = process.env[key];
    if (value) env[key] = value;
  }
  return env;
}
