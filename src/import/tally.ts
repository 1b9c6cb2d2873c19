/**
 * What the checks of an import found, row by row: counts, the first errors, tags, a sample, repeated
 * numbers and — in a dry run — numbers outside known ranges. A model needs examples and counts, not
 * fifty thousand lines.
 */
import { rangeWarning } from '../vobiz/phone.js';
import type { CheckedRow, ContactRow, RepeatedNumber, RowChecker, RowError } from './csv-rows.js';

/** Failed rows kept, by the checks here or from Vobiz's answers: the result lists at most 50; the rest are counted. */
export const MAX_KEPT_ERRORS = 50;
const MAX_RANGE_WARNINGS = 5;
const MAX_TRUNK_EXAMPLES = 5;
const SAMPLE_ROWS = 3;

export class RowTally {
  total = 0;
  valid = 0;
  invalid = 0;
  /** The first invalid rows, in file order. */
  readonly errors: RowError[] = [];
  /** Valid rows whose phone number was rewritten to E.164. */
  normalised = 0;
  /** Valid rows whose number lost a trunk prefix (`+44 (0)20…` → +4420…), and the first few of them. */
  trunkDropped = 0;
  readonly trunkExamples: string[] = [];
  /** Invalid rows that failed for want of a country code: `default_country` would fix them. */
  missingCountryCode = 0;
  readonly tagCounts = new Map<string, number>();
  /** Valid rows with at least one attribute value. */
  withAttributes = 0;
  /** The first valid rows, as they are sent. */
  readonly sample: ContactRow[] = [];
  /** Numbers outside every range known to be allocated (counted only when `checkRanges`). */
  outOfRange = 0;
  readonly rangeWarnings: string[] = [];

  constructor(
    /** Whose repeats to report: the checker that saw the rows. */
    readonly checker: RowChecker,
    /**
     * A dry run's extras: tag counts, a sample, and every number looked up in libphonenumber's ranges
     * (too slow for every row of a real import, which reports none of them).
     */
    private readonly dryRun = false,
  ) {}

  get repeats(): readonly RepeatedNumber[] {
    return this.checker.repeats;
  }

  get repeatCount(): number {
    return this.checker.repeatCount;
  }

  add(checked: CheckedRow): void {
    this.total++;
    if (!checked.ok) {
      this.invalid++;
      if (this.errors.length < MAX_KEPT_ERRORS) this.errors.push(checked.error);
      if (checked.error.missingCountryCode) this.missingCountryCode++;
      return;
    }
    const { row } = checked;
    this.valid++;
    if (row.normalised) this.normalised++;
    if (row.rewritten !== undefined && this.trunkDropped++ < MAX_TRUNK_EXAMPLES) {
      this.trunkExamples.push(`row ${row.row}: ${row.rewritten}`);
    }
    if (row.attributes) this.withAttributes++;
    if (!this.dryRun) return;
    for (const tag of row.tags) this.tagCounts.set(tag, (this.tagCounts.get(tag) ?? 0) + 1);
    if (this.sample.length < SAMPLE_ROWS) this.sample.push(row);
    const warning = rangeWarning(row.phone_number);
    if (warning) {
      this.outOfRange++;
      if (this.rangeWarnings.length < MAX_RANGE_WARNINGS) this.rangeWarnings.push(warning);
    }
  }
}
