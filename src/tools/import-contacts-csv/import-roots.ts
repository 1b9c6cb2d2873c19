/** Which directories import_contacts_csv reads a `file_path` from: the client's roots, or the server's setting. */
import { fileURLToPath } from 'node:url';
import { describeCause } from '../../mcp/results.js';
import type { ToolCall } from '../../mcp/tool.js';

/** How long the client has to answer roots/list before the configured directories apply. */
export const ROOTS_TIMEOUT_MS = 3_000;

/**
 * Where a `file_path` may lie: the client's roots when it offers them (the folders its user opened),
 * else the configured directories. A client that declares roots but does not answer within
 * ROOTS_TIMEOUT_MS does not hold the call up: the configured directories apply, and a warning says so.
 */
export async function allowedDirectories(
  { server, context }: ToolCall,
  warnings: string[],
): Promise<string[]> {
  const configured = context.import.allowedDirs;
  if (!server.server.getClientCapabilities()?.roots) return configured;
  try {
    const timeout = context.import.rootsTimeoutMs ?? ROOTS_TIMEOUT_MS;
    const { roots } = await server.server.listRoots(undefined, { timeout });
    const dirs = roots
      .filter((root) => root.uri.startsWith('file://'))
      .map((root) => fileURLToPath(root.uri));
    // A client with no folder open offers no roots: then the server's own setting applies.
    return dirs.length > 0 ? dirs : configured;
  } catch (error) {
    warnings.push(
      `The client did not list its roots (${describeCause(error)}), so the server's configured directories ` +
        'applied (VOBIZ_IMPORT_DIRS, or its working directory).',
    );
    return configured;
  }
}
