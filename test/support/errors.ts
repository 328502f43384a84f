import { expect } from 'vitest';
import { InvalidInputError } from '../../core/errors.ts';

/** The InvalidInputError a call throws (failing the test if it throws nothing, or something else). */
export function errorOf(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected an InvalidInputError');
}
