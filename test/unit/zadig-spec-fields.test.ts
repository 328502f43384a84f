import type * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { documentedBodies } from '../support/zadig-spec-fields.ts';

type Schema = v.GenericSchema & {
  entries?: Record<string, Schema>;
  wrapped?: Schema;
  item?: Schema;
  options?: Schema[];
};

/**
 * The schema a dotted body path lands on, through optional wrappers, list
 * items and a union's first form; undefined when not declared.
 */
function schemaAt(schema: Schema, path: readonly string[]): Schema | undefined {
  let current: Schema | undefined = schema;
  for (const step of ['', ...path]) {
    while (current?.wrapped || current?.item || current?.options)
      current = current.wrapped ?? current.item ?? current.options?.[0];
    if (step === '') continue;
    current = current?.entries?.[step];
  }
  return current;
}
const verdictOf = (schema: Schema) => (schema.wrapped?.type === 'never' ? 'refused' : 'honoured');

describe('every documented field of the Zadig request bodies', () => {
  it.each(documentedBodies)('$route declares each field as honoured or refused', ({ contract, fields }) => {
    const body = contract.body as Schema;
    const declared = Object.fromEntries(
      Object.keys(fields).map((path) => {
        const schema = schemaAt(body, path.split('.'));
        return [path, schema ? verdictOf(schema) : 'stripped'];
      }),
    );
    expect(declared).toEqual(fields);
  });
});
