/**
 * `npm run docs`: rewrites the generated sections of the README and docs/ (pages.ts says which).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { GENERATED_PAGES, withGeneratedSections } from './pages.js';

const root = new URL('../../', import.meta.url);
for (const page of GENERATED_PAGES) {
  const file = new URL(page.path, root);
  const text = await readFile(file, 'utf8');
  const updated = await withGeneratedSections(page, text);
  if (updated !== text) await writeFile(file, updated);
  process.stderr.write(`${page.path}: ${updated === text ? 'up to date' : 'generated sections updated'}\n`);
}
