/**
 * `npm run docs`: rewrites the README's tool reference from the registered tools.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { listAllTools, renderToolReference, withToolReference } from './tool-reference.js';

const readmePath = fileURLToPath(new URL('../../README.md', import.meta.url));
const readme = await readFile(readmePath, 'utf8');
const updated = withToolReference(readme, renderToolReference(await listAllTools()));
if (updated !== readme) await writeFile(readmePath, updated);
process.stderr.write(
  updated === readme ? 'README tool reference is up to date.\n' : 'README tool reference updated.\n',
);
