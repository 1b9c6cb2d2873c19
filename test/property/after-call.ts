/**
 * What must hold after every call a property test makes, whatever it sent: a clear outcome (a short error
 * that says something, or a structured result), requests only to the contacts API, and an untouched
 * Object.prototype.
 */
import type { CallToolResult } from '@modelcontextprotocol/client';
import { expect } from 'vitest';
import type { RequestLogEntry } from '../../src/sandbox/index.js';
import { textOf } from '../support/context.js';

/** Longest error text a model should get back, whatever it sent. */
export const MAX_ERROR_TEXT = 4_000;

/** Every path a request may go to: the collection, the import, or one contact by a safe id. */
const SAFE_PATH = /^\/api\/v1\/messaging\/contacts(\/import|\/[A-Za-z0-9_-]{1,128})?$/;

const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

/** An isError result that says what went wrong, briefly, or a result with structured content. */
export function expectClearOutcome(result: CallToolResult): void {
  const text = textOf(result);
  if (result.isError) {
    expect(text.length, 'an error says what went wrong').toBeGreaterThan(10);
    // A 10 kB argument is not echoed back into the model's context.
    expect(text.length).toBeLessThan(MAX_ERROR_TEXT);
  } else {
    expect(result.structuredContent, text).toBeDefined();
  }
}

/** No request left the contacts API's paths, however the arguments tried. */
export function expectSafeRequests(requests: readonly RequestLogEntry[]): void {
  for (const request of requests) {
    expect(request.path).toMatch(SAFE_PATH);
    expect(request.route).not.toBeNull();
  }
}

export function expectPrototypeIntact(): void {
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
}
