/**
 * `npm run build`: bundles the server with esbuild into dist/, and writes the licences of the bundled
 * packages beside it (dist/THIRD_PARTY_NOTICES.md, shipped in the package).
 *
 * Why a bundle: an MCP client starts the server for every session, so start-up time is felt (the
 * bundle loads one file per entry instead of resolving a hundred packages); `npx` installs a package
 * with no dependencies in about a second; and the Claude Desktop bundle (.mcpb) is the package's files
 * as they are. The sandbox, remote mode, doctor and the import code are split into chunks loaded on use.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import ts from 'typescript';
import { listAllTools } from '../docs/tool-reference.js';

/** Entries whose types the package exports (package.json "exports"). */
const PUBLIC_TYPES = ['src/sandbox/index.ts'];

// The docs entries are for `npm run bench` (bench/model-reading.js), which runs them from dist/; the
// package leaves dist/docs out.
const ENTRIES = [
  'src/cli.ts',
  'src/demo/demo.ts',
  'src/demo/sample-csv.ts',
  'src/docs/model-reading.ts',
  'src/docs/tool-reference.ts',
  'src/sandbox/index.ts',
];

await rm('dist', { recursive: true, force: true });
// tools/list, computed once from the sources being bundled (see src/mcp/tool-list.ts).
// As a client that renders MCP Apps lists them: tools/list leaves the view's own tools out for others.
const toolList = {
  stdio: await listAllTools(false, { apps: true }),
  remote: await listAllTools(true, { apps: true }),
};
const { metafile } = await build({
  entryPoints: ENTRIES,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  outdir: 'dist',
  outbase: 'src',
  chunkNames: 'chunks/[name]-[hash]',
  // Whole minification, names included: the server parses less at every start (about 10 ms of ~145).
  // Error messages stay as written; stack traces need the source maps, which the build writes too.
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
  metafile: true,
  define: { __BUILT_TOOL_LIST__: JSON.stringify(JSON.stringify(toolList)) },
  // Bundled CommonJS packages call require(); ESM output has none of its own.
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
});
await writeFile('dist/THIRD_PARTY_NOTICES.md', await notices(metafile));
await writeDeclarations(PUBLIC_TYPES);

/**
 * The type declarations of the package's code exports (package.json "exports": `./sandbox`), beside
 * their JavaScript: tsc's declarations of the entry, and of the files its declarations import, alone —
 * the entry's own implementation pulls in more (zod, busboy) that its public types never name.
 */
async function writeDeclarations(entries: readonly string[]): Promise<void> {
  const emitted = new Map<string, string>();
  const program = ts.createProgram([...entries], {
    ...tsconfigOptions(),
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: 'src',
    outDir: 'dist',
  });
  const { diagnostics } = program.emit(undefined, (file, text) => void emitted.set(path.resolve(file), text));
  if (diagnostics.length > 0) {
    throw new Error(ts.formatDiagnostics(diagnostics, ts.createCompilerHost({})));
  }
  const wanted = entries.map((entry) =>
    path.resolve(entry.replace(/^src\//, 'dist/').replace(/\.ts$/, '.d.ts')),
  );
  const written = new Set<string>();
  while (wanted.length > 0) {
    const file = wanted.pop() as string;
    const text = emitted.get(file);
    if (text === undefined) throw new Error(`tsc wrote no declarations for ${file}`);
    if (written.has(file)) continue;
    written.add(file);
    await writeFile(file, text);
    for (const [, specifier] of text.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)) {
      wanted.push(path.resolve(path.dirname(file), `${specifier}.d.ts`));
    }
  }
}

function tsconfigOptions(): ts.CompilerOptions {
  const { config } = ts.readConfigFile('tsconfig.json', (file) => ts.sys.readFile(file));
  return ts.parseJsonConfigFileContent(config, ts.sys, '.').options;
}

/** The name, version, licence and licence text of every package whose code went into the bundle. */
async function notices(meta: Metafile): Promise<string> {
  const roots = new Set<string>();
  for (const input of Object.keys(meta.inputs)) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match?.[1]) roots.add(match[1]);
  }
  const sections: string[] = [];
  for (const root of [...roots].sort()) {
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
      license?: string;
    };
    const text = await licenceText(root);
    sections.push(`## ${pkg.name} ${pkg.version} — ${pkg.license ?? 'see below'}\n\n${text.trim()}\n`);
  }
  return (
    '# Third-party notices\n\n' +
    `dist/ bundles the code of the ${sections.length} packages below (\`npm run build\` writes this file from ` +
    "the bundler's list of inputs). Their licences follow.\n\n" +
    sections.join('\n')
  );
}

async function licenceText(root: string): Promise<string> {
  for (const name of ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license', 'LICENCE', 'LICENSE-MIT']) {
    try {
      return await readFile(path.join(root, name), 'utf8');
    } catch {
      // try the next name
    }
  }
  return '(The package ships no licence file; its package.json names the licence above.)';
}
