/**
 * Optional persistence of the sandbox's contacts to one JSON file. Writes are atomic (a temp file in the
 * same directory, then rename, so a reader or a crash never sees half a file) and coalesced: while one
 * write is in flight, any number of changes lead to one more write of the latest state, not one each.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';

const PersistedContactSchema = z.object({
  id: z.string().min(1),
  account_id: z.string(),
  phone_number: z.string(),
  name: z.string(),
  tags: z.array(z.string()),
  custom_attributes: z.record(z.string(), z.unknown()),
  last_active_at: z.string().optional(),
  created_at: z.string(),
  updated_at: z.string(),
});

/** The tokens the sandbox accepts, kept so that a restart does not change them under a configured client. */
const PersistedTokensSchema = z.object({ authToken: z.string().min(1), bearerToken: z.string().min(1) });
export type PersistedTokens = z.infer<typeof PersistedTokensSchema>;

const PersistedStateSchema = z.object({
  version: z.literal(1),
  // Absent from files written before the tokens were kept: new tokens are made and saved then.
  tokens: PersistedTokensSchema.optional(),
  contacts: z.array(PersistedContactSchema),
});
export type PersistedState = z.infer<typeof PersistedStateSchema>;

/** The state saved at `path`, or undefined when there is no file yet. A corrupt file is an error, not
 *  an empty state: starting empty would overwrite the user's data on the next write. */
export async function loadPersistedState(path: string): Promise<PersistedState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`sandbox state file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = PersistedStateSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `sandbox state file ${path} does not hold sandbox contacts: ${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data;
}

export class StatePersister {
  private dirty = false;
  private inFlight: Promise<void> | undefined;
  private lastError: unknown;

  constructor(
    private readonly path: string,
    private readonly serialize: () => string,
  ) {}

  /** Asks for the current state to be written; returns at once. */
  schedule(): void {
    this.dirty = true;
    this.inFlight ??= this.writeUntilClean();
  }

  /** Waits until every scheduled write is on disk; rejects if the last one failed. */
  async flush(): Promise<void> {
    while (this.inFlight) await this.inFlight;
    if (this.lastError !== undefined) {
      const error = this.lastError;
      this.lastError = undefined;
      throw error;
    }
  }

  private async writeUntilClean(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        // Serialised when the write starts, so it carries every change made while the last one ran.
        await writeAtomically(this.path, this.serialize());
        this.lastError = undefined;
      }
    } catch (error) {
      this.lastError = error;
      console.error(`sandbox: could not save state to ${this.path}:`, error);
    } finally {
      this.inFlight = undefined;
    }
  }
}

async function writeAtomically(path: string, data: string): Promise<void> {
  const tempPath = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    // Owner-only: the file holds the sandbox's tokens.
    const file = await open(tempPath, 'w', 0o600);
    try {
      await file.writeFile(data, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tempPath, path);
  } catch (error) {
    await unlink(tempPath).catch(() => undefined);
    throw error;
  }
}
