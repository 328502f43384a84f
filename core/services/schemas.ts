import * as v from 'valibot';
import type { ServiceVariable, VariableValue } from '../render/variables.ts';

/** Zadig's service names; `services` and `production` would collide with route segments. */
export const ServiceName = v.pipe(
  v.string(),
  v.regex(/^[a-zA-Z0-9-_]+$/, 'must match ^[a-zA-Z0-9-_]+$'),
  v.maxLength(64, 'must be at most 64 characters'),
  v.notValues(['services', 'production'], 'is reserved by the API’s paths'),
);

export const ServiceYaml = v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(512 * 1024));

/** A service made from a YAML template; with `autoSync` it follows the template's later edits. */
export type NewTemplateService = {
  project: string;
  name: string;
  template: string;
  autoSync: boolean;
  /** Values for the template's declared variables. */
  values: VariableValue[];
};

/** A service from YAML written by hand, with its declared variables. */
export type NewRawService = { name: string; yaml: string; variables: ServiceVariable[] };

export const ServiceLabel = v.object({
  key: v.pipe(
    v.string(),
    v.regex(
      /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
      'must be a Kubernetes label key',
    ),
  ),
  value: v.pipe(
    v.string(),
    v.regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, 'must be a Kubernetes label value'),
  ),
});
export const ServiceLabels = v.pipe(
  v.array(ServiceLabel),
  v.check((labels) => new Set(labels.map((label) => label.key)).size === labels.length, 'must not repeat a key'),
);
export type ServiceLabel = v.InferOutput<typeof ServiceLabel>;
