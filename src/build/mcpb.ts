/**
 * `npm run mcpb [-- out.mcpb]`: the bundle Claude Desktop installs with a double-click. It holds the npm
 * package's files as they are (`npm pack --dry-run` lists them; the server has no runtime dependencies),
 * packed by the official tool, @anthropic-ai/mcpb, which also checks manifest.json.
 */
import { execSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { packExtension } from '@anthropic-ai/mcpb';

const { name, version } = JSON.parse(readFileSync('package.json', 'utf8')) as {
  name: string;
  version: string;
};
const output = resolve(process.argv[2] ?? `${name}-${version}.mcpb`);
const [{ files }] = JSON.parse(
  execSync('npm pack --dry-run --json --ignore-scripts', { encoding: 'utf8' }),
) as [{ files: { path: string }[] }];
const stage = mkdtempSync(join(tmpdir(), 'mcpb-'));
for (const file of files) cpSync(file.path, join(stage, file.path));
const root = process.cwd();
// mcpb lists the files relative to the working directory: pack from inside the staging folder.
process.chdir(stage);
const packed = await packExtension({ extensionPath: stage, outputPath: output });
process.chdir(root);
rmSync(stage, { recursive: true });
process.exitCode = packed ? 0 : 1;
