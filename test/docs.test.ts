/**
 * The README's generated sections — the tool reference, from the registered tools, and the settings
 * table, from the configuration loader's own table — must match the code: a change not carried into the
 * README fails here (and so CI). `npm run docs` updates them.
 */
import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { settingsReference } from '../src/config.js';
import { defaultOf, EnvSchema } from '../src/settings.js';
import { renderSettings, withGeneratedSections } from '../src/docs/readme.js';

it('README.md carries the current tool reference and settings table (run `npm run docs` to update them)', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  expect(await withGeneratedSections(readme)).toBe(readme);
});

it('documents every variable the loader reads, and the loader reads every one it documents', async () => {
  const source = await readFile(new URL('../src/settings.ts', import.meta.url), 'utf8');
  const read = [...new Set(source.match(/\b(?:VOBIZ|MCP_HTTP)_[A-Z_]+(?=: documented)/g))].sort();
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
    if (value === undefined)
      expect(setting.default, setting.name).toMatch(/^(—|all|the working directory.*|random per process)$/);
    else if (Array.isArray(value)) expect(value, setting.name).toEqual([]);
    else
      expect(setting.default.replace(/`/g, ''), setting.name).toMatch(
        new RegExp(`^${String(value).replace(/[.]/g, '\\.')}\\b`),
      );
  }
});
