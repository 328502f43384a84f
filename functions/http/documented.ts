import * as v from 'valibot';

/**
 * What the OpenAPI generator reads beside the validating schemas: metadata
 * for what valibot cannot describe itself.
 */

/** Metadata key: the JSON Schema the OpenAPI document shows for a schema whose wire form valibot cannot describe. */
export const DOCUMENTED_AS = 'documentedAs';
/** Metadata key: a rule checked somewhere no schema shows (in a handler, in core), listed in the operation's description. */
export const DOCUMENTED_RULE = 'documentedRule';

/** States, in the document, a rule on this value that is checked outside its schema (with a 400 when broken). */
export const documentedRule = <T>(rule: string) => v.metadata<T, Record<string, string>>({ [DOCUMENTED_RULE]: rule });

/**
 * A whole number sent as text (a query parameter, a form field), with its
 * bounds. It validates to the number it stands for, and the OpenAPI document
 * declares it as an integer with the same bounds (and `description`: a
 * `v.description` after this schema would describe the number, which the
 * document does not show).
 *
 * @example v.optional(integerText({ minimum: 1, maximum: 100 }), '20')
 */
export const integerText = ({
  minimum,
  maximum,
  description,
}: {
  minimum: number;
  maximum: number;
  description?: string;
}) =>
  v.pipe(
    v.string(),
    v.regex(/^[0-9]+$/, minimum > 0 ? 'must be a positive integer' : 'must be a non-negative integer'),
    v.metadata({ [DOCUMENTED_AS]: { type: 'integer', minimum, maximum, ...(description ? { description } : {}) } }),
    v.transform(Number),
    v.minValue(minimum, `must be at least ${minimum}`),
    v.maxValue(maximum, `must be at most ${maximum}`),
  );
