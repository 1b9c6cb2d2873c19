/**
 * Schemas every client accepts. Some clients validate tool schemas with ajv in strict mode, which
 * refuses constructs such as a union of types (`"type": ["string", "number"]`) unless told to allow
 * them; a refused schema means the tool is never offered to the model.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { listAllTools } from '../../src/docs/tool-reference.js';

describe('every tool schema compiles under ajv strict mode', async () => {
  const tools = await listAllTools();
  const ajv = new Ajv2020({ strict: true, allErrors: true });

  it.each(tools.map((tool) => [tool.name, tool] as const))('%s', (_name, tool) => {
    // $schema names JSON Schema 2020-12, the dialect the SDK writes.
    expect(() => ajv.compile(tool.inputSchema)).not.toThrow();
    expect(tool.outputSchema).toBeDefined();
    expect(() => ajv.compile(tool.outputSchema!)).not.toThrow();
  });

  it('is strict enough to refuse what it should (a union of types)', () => {
    expect(() =>
      ajv.compile({ type: 'object', additionalProperties: { type: ['string', 'number'] } }),
    ).toThrow(/union type/);
  });
});
