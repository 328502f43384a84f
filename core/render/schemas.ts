/**
 * The shapes of service variables (what `variables.ts` checks and renders),
 * apart from the rules that read YAML: request schemas validate with these
 * without loading the YAML parser.
 */
import * as v from 'valibot';
import { NO_WHITE_SPACE } from '../names.ts';

export const VariableType = v.picklist(['string', 'bool', 'enum', 'yaml']);
export type VariableType = v.InferOutput<typeof VariableType>;

export const VariableKey = v.pipe(
  v.string(),
  v.nonEmpty('key must not be empty'),
  v.maxLength(256, 'key must be at most 256 characters'),
  v.regex(NO_WHITE_SPACE, 'key must not contain white space'),
);

/** A declared variable: a key, its value, type, options (for `enum`) and description. */
export const ServiceVariable = v.object({
  key: VariableKey,
  value: v.optional(v.unknown(), ''),
  type: v.optional(VariableType, 'string'),
  options: v.nullish(v.array(v.string()), []),
  desc: v.nullish(v.string(), ''),
});
export type ServiceVariable = v.InferOutput<typeof ServiceVariable>;

/** A value for a declared variable (template loads, environment overrides): its type comes from the declaration. */
export const VariableValue = v.object({
  key: VariableKey,
  value: v.optional(v.unknown(), ''),
});
export type VariableValue = v.InferOutput<typeof VariableValue>;
