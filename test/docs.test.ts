/**
 * The README's tool reference is generated from the registered tools; a change to a tool's name,
 * description, arguments or annotations that is not carried into the README fails here (and so CI).
 */
import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { listAllTools, renderToolReference, withToolReference } from '../src/docs/tool-reference.js';

it('README.md carries the current tool reference (run `npm run docs` to update it)', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const tools = await listAllTools();
  expect(tools.length).toBeGreaterThanOrEqual(8);
  const reference = renderToolReference(tools);
  for (const tool of tools) expect(reference).toContain(`### \`${tool.name}\``);
  expect(withToolReference(readme, reference)).toBe(readme);
});
