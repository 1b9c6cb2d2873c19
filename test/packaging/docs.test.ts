/**
 * The generated parts of the docs — the README's tool table, docs/tools.md (stdio and remote), and
 * docs/configuration.md from the configuration loader's own table — must match the code: a change not
 * carried into them fails here (and so CI). `npm run docs` updates them. (docs/reliability.md's fault
 * table is checked by the fault suite, which it is written from.)
 */
import { readFile, stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { settingsReference } from '../../src/config.js';
import { GENERATED_PAGES, renderSettings, withGeneratedSections } from '../../src/docs/pages.js';
import { defaultOf, EnvSchema } from '../../src/settings.js';

describe.each(GENERATED_PAGES.map((page) => [page.path, page] as const))('%s', (file, page) => {
  it('carries the current generated sections (run `npm run docs` to update them)', async () => {
    const text = await readFile(new URL(`../../${file}`, import.meta.url), 'utf8');
    expect(await withGeneratedSections(page, text)).toBe(text);
  });
});

it('documents every variable the loader reads, and the loader reads every one it documents', async () => {
  const source = await readFile(new URL('../../src/settings.ts', import.meta.url), 'utf8');
  const read = [...new Set(source.match(/\b(?:(?:VOBIZ|MCP)_[A-Z_]+|REDIS_URL)(?=: documented)/g))].sort();
  expect(
    settingsReference()
      .map((s) => s.name)
      .sort(),
  ).toEqual(read);
  const table = renderSettings();
  for (const name of read) expect(table).toContain(`| \`${name}\` |`);
  // Nothing else in the code reads the environment for a setting.
  expect(read.length).toBeGreaterThan(20);
});

it('shows each setting with the default the loader really applies', () => {
  const shape: Record<string, Parameters<typeof defaultOf>[0]> = EnvSchema.shape;
  for (const setting of settingsReference()) {
    const schema = shape[setting.name];
    if (!schema) throw new Error(`${setting.name} is not in the table`);
    const value = defaultOf(schema);
    if (value === undefined) {
      expect(setting.default, setting.name).toMatch(
        /^(—|all|the working directory.*|random per process|`json` with `--http`, `text` over stdio|the listening address)$/,
      );
    } else if (Array.isArray(value)) {
      expect(value, setting.name).toEqual([]);
    } else {
      const shown = String(value).replace(/[.]/g, '\\.');
      expect(setting.default.replace(/`/g, ''), setting.name).toMatch(new RegExp(`^${shown}\\b`));
    }
  }
});

const PAGES = [
  'README.md',
  'CONTRIBUTING.md',
  'CHANGELOG.md',
  ...[
    'tools',
    'configuration',
    'segments',
    'importing',
    'remote',
    'reliability',
    'performance',
    'frameworks',
  ].map((name) => `docs/${name}.md`),
];

it.each(PAGES)('%s links only to files that exist', async (file) => {
  const url = new URL(`../../${file}`, import.meta.url);
  const text = await readFile(url, 'utf8');
  const targets = [...text.matchAll(/\]\((?!https?:|#|mailto:)([^)#\s]+)/g)].map((match) => match[1] ?? '');
  const missing: string[] = [];
  for (const target of targets) {
    await stat(new URL(target, url)).catch(() => missing.push(target));
  }
  expect(missing).toEqual([]);
});

it('keeps the README short: under 15 kB', async () => {
  const readme = await readFile(new URL('../../README.md', import.meta.url));
  expect(readme.length).toBeLessThan(15 * 1024);
});
