/**
 * `npm run docs`: rewrites the README's generated sections (the tool reference and the settings table).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { withGeneratedSections } from './readme.js';

const readmePath = fileURLToPath(new URL('../../README.md', import.meta.url));
const readme = await readFile(readmePath, 'utf8');
const updated = await withGeneratedSections(readme);
if (updated !== readme) await writeFile(readmePath, updated);
process.stderr.write(updated === readme ? 'README is up to date.\n' : 'README generated sections updated.\n');
