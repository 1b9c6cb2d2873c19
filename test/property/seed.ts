/**
 * One fixed fast-check seed, so that a run is repeatable and CI cannot fail on the one seed in a thousand
 * that nobody can reproduce. To explore, run the property tests with other seeds:
 *
 *   FC_SEED=random npx vitest run test/property     # a new seed each run; a failure prints it
 *   FC_SEED=12345 npx vitest run test/property      # replay the seed a failure printed
 */
import fc from 'fast-check';

const FIXED_SEED = 20_261_127;

const asked = process.env['FC_SEED'];
export const SEED =
  asked === 'random' ? Math.floor(Math.random() * 2 ** 31) : asked ? Number(asked) : FIXED_SEED;
fc.configureGlobal({ seed: SEED });
if (asked) process.stderr.write(`fast-check seed ${SEED}\n`);
