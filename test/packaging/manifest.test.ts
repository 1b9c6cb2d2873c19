/**
 * The two descriptions of the server published next to the npm package — manifest.json (an MCP Bundle,
 * `mcpb pack`) and server.json (the MCP registry) — must not drift from package.json or from the tools
 * the server really registers.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig, sandboxRequested } from '../../src/config.js';
import { TOOL_NAMES } from '../../src/tools/all-tools.js';

const readJson = async <T>(file: string): Promise<T> =>
  JSON.parse(await readFile(new URL(`../../${file}`, import.meta.url), 'utf8')) as T;

interface PackageJson {
  name: string;
  version: string;
  description: string;
  license: string;
  mcpName: string;
  bin: Record<string, string>;
  engines: { node: string };
}

interface UserConfigOption {
  type: 'string' | 'number' | 'boolean' | 'directory' | 'file';
  title: string;
  description: string;
  required?: boolean;
  default?: string | number | boolean | string[];
  sensitive?: boolean;
}

interface Manifest {
  manifest_version: string;
  name: string;
  version: string;
  description: string;
  license: string;
  author: { name: string };
  server: {
    type: string;
    entry_point: string;
    mcp_config: { command: string; args: string[]; env: Record<string, string> };
  };
  tools: { name: string; description: string }[];
  compatibility: { runtimes: { node: string } };
  user_config: Record<string, UserConfigOption>;
}

interface EnvironmentVariable {
  name: string;
  description: string;
  isRequired?: boolean;
  isSecret?: boolean;
  default?: string;
}

interface ServerJson {
  $schema: string;
  name: string;
  description: string;
  version: string;
  packages: {
    registryType: string;
    identifier: string;
    version: string;
    transport: { type: string };
    environmentVariables: EnvironmentVariable[];
  }[];
}

const pkg = await readJson<PackageJson>('package.json');
const manifest = await readJson<Manifest>('manifest.json');
const serverJson = await readJson<ServerJson>('server.json');
const sorted = (names: string[]) => [...names].sort();

describe('manifest.json (MCP Bundle)', () => {
  it('carries the name, version, description, licence and Node range of package.json', () => {
    expect(manifest.manifest_version).toBe('0.3');
    expect(manifest).toMatchObject({
      name: pkg.name,
      version: pkg.version,
      description: pkg.description,
      license: pkg.license,
    });
    expect(manifest.compatibility.runtimes.node).toBe(pkg.engines.node);
    expect(manifest.author.name).not.toBe('');
  });

  it('runs the same entry point as the npm bin', () => {
    const { server } = manifest;
    expect(server.type).toBe('node');
    expect(Object.values(pkg.bin)).toEqual([server.entry_point]);
    expect(server.mcp_config.command).toBe('node');
    expect(server.mcp_config.args).toEqual([`\${__dirname}/${server.entry_point}`]);
  });

  it('lists exactly the tools the server registers, each with a description', () => {
    expect(sorted(manifest.tools.map((tool) => tool.name))).toEqual(sorted([...TOOL_NAMES]));
    for (const tool of manifest.tools) expect(tool.description.length).toBeGreaterThan(10);
  });

  it('declares every ${user_config.X} it references, and references every setting it declares', async () => {
    const text = await readFile(new URL('../../manifest.json', import.meta.url), 'utf8');
    const referenced = new Set([...text.matchAll(/\$\{user_config\.([^}]*)\}/g)].map((match) => match[1]));
    expect(referenced.size).toBeGreaterThan(0);
    expect(sorted(Object.keys(manifest.user_config))).toEqual(sorted([...referenced] as string[]));
  });

  it('keeps the token secret, and needs a value for every setting without a default', () => {
    const { env } = manifest.server.mcp_config;
    const optionFor = (variable: string) => {
      const key = /^\$\{user_config\.([^}]*)\}$/.exec(env[variable] ?? '')?.[1];
      const option = key === undefined ? undefined : manifest.user_config[key];
      if (!option) throw new Error(`${variable} is not mapped from one user_config setting`);
      return option;
    };
    // Not required: with the sandbox switch on, the bundle runs without an account.
    expect(optionFor('VOBIZ_SANDBOX')).toMatchObject({ type: 'boolean', required: false, default: false });
    expect(optionFor('VOBIZ_AUTH_ID')).toMatchObject({ type: 'string', required: false });
    expect(optionFor('VOBIZ_AUTH_TOKEN')).toMatchObject({ type: 'string', required: false, sensitive: true });
    expect(optionFor('VOBIZ_BASE_URL')).toMatchObject({
      required: false,
      default: 'https://api.vobiz.ai/api/v1/messaging',
    });
    expect(optionFor('VOBIZ_READ_ONLY')).toMatchObject({ type: 'boolean', required: false });
    // A host substitutes nothing useful for an optional setting the user skipped: give each a default.
    for (const [key, option] of Object.entries(manifest.user_config)) {
      if (!option.required) expect(option.default, key).toBeDefined();
    }
  });

  it('yields an environment the server accepts', () => {
    const samples: Record<string, string> = { auth_id: 'MA_TEST1234', auth_token: 'token-for-test' };
    const value = (key: string) => {
      const option = manifest.user_config[key];
      return samples[key] ?? String(option?.default ?? '').replace('${HOME}', os.homedir());
    };
    const env = Object.fromEntries(
      Object.entries(manifest.server.mcp_config.env).map(([name, template]) => [
        name,
        template.replace(/\$\{user_config\.([^}]*)\}/g, (_, key: string) => value(key)),
      ]),
    );
    const config = loadConfig(env);
    expect(config.credentials).toEqual({ authId: 'MA_TEST1234', authToken: 'token-for-test' });
    expect(config.baseUrl).toBe('https://api.vobiz.ai/api/v1/messaging');
    expect(config.readOnly).toBe(false);
    expect(config.importDirs).toEqual([`${os.homedir()}/Downloads`]);
    expect(sandboxRequested(env)).toBe(false);
    expect(sandboxRequested({ ...env, VOBIZ_SANDBOX: 'true' })).toBe(true);
  });
});

it('docs/configuration.md lists every field the bundle asks for, with its variable', async () => {
  const page = await readFile(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  const rows = page.slice(page.indexOf('## The Claude Desktop bundle'));
  for (const [variable, template] of Object.entries(manifest.server.mcp_config.env)) {
    const key = /^\$\{user_config\.([^}]*)\}$/.exec(template)?.[1] ?? '';
    const title = manifest.user_config[key]?.title ?? `user_config.${key}`;
    expect(rows, variable).toMatch(
      new RegExp(`^\\| ${title.replace(/[()]/g, '\\$&')}.*\\| \`${variable}\` \\|`, 'm'),
    );
  }
});

describe('server.json (MCP registry)', () => {
  it('names the server as package.json mcpName does (the registry checks it to verify the npm package)', () => {
    expect(serverJson.name).toBe(pkg.mcpName);
    expect(serverJson.name).toMatch(/^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/);
    expect(serverJson.$schema).toMatch(
      /^https:\/\/static\.modelcontextprotocol\.io\/schemas\/\d{4}-\d{2}-\d{2}\/server\.schema\.json$/,
    );
  });

  it('publishes this version of this npm package over stdio', () => {
    expect(serverJson.version).toBe(pkg.version);
    expect(serverJson.packages).toHaveLength(1);
    expect(serverJson.packages[0]).toMatchObject({
      registryType: 'npm',
      identifier: pkg.name,
      version: pkg.version,
      transport: { type: 'stdio' },
    });
  });

  it('has a description within the registry limit of 100 characters', () => {
    expect(serverJson.description.length).toBeGreaterThan(0);
    expect(serverJson.description.length).toBeLessThanOrEqual(100);
  });

  it('asks for the same environment as the bundle, with the token secret', () => {
    const variables = serverJson.packages[0]?.environmentVariables ?? [];
    expect(sorted(variables.map((variable) => variable.name))).toEqual(
      sorted(Object.keys(manifest.server.mcp_config.env)),
    );
    const byName = new Map(variables.map((variable) => [variable.name, variable]));
    expect(byName.get('VOBIZ_SANDBOX')).toMatchObject({ isRequired: false, format: 'boolean' });
    expect(byName.get('VOBIZ_AUTH_ID')).toMatchObject({ isRequired: false });
    expect(byName.get('VOBIZ_AUTH_TOKEN')).toMatchObject({ isRequired: false, isSecret: true });
    expect(byName.get('VOBIZ_BASE_URL')).toMatchObject({
      isRequired: false,
      default: 'https://api.vobiz.ai/api/v1/messaging',
    });
    for (const variable of variables) expect(variable.description, variable.name).not.toBe('');
  });
});
