// One shape for the property tests of readers (config, scenario, truth): over generated
// input, every answer is a result that keeps the reader's promises or the reader's own
// typed error; any other exception fails the property with its counterexample.
import fc from 'fast-check';

export interface ReaderProperty<I, R, E> {
  read: (input: I) => R;
  /** The one error type the reader may throw. */
  error: new (...args: never[]) => E;
  /** Asserts (node:assert, cheap at thousands of runs) what an accepted answer promises. */
  kept: (result: R, input: I) => void;
  /** Asserts how a refusal reads. */
  refused: (error: E, input: I) => void;
}

/** Runs the property `runs` times; returns how many inputs were accepted, so a test can show both sides were reached. */
export function checkReader<I, R, E>(input: fc.Arbitrary<I>, p: ReaderProperty<I, R, E>, runs: number): number {
  let accepted = 0;
  fc.assert(
    fc.property(input, (i) => {
      let result: R;
      try {
        result = p.read(i);
      } catch (e) {
        if (!(e instanceof p.error)) throw e;
        p.refused(e, i);
        return;
      }
      accepted++;
      p.kept(result, i);
    }),
    { numRuns: runs },
  );
  return accepted;
}
