import * as v from 'valibot';
import { ProjectKey } from '../auth/schemas.ts';
import { ServiceVariable, VariableValue } from '../render/variables.ts';

/** Zadig's service names; `services` and `production` would collide with route segments. */
export const ServiceName = v.pipe(
  v.string(),
  v.regex(/^[a-zA-Z0-9-_]+$/, 'must match ^[a-zA-Z0-9-_]+$'),
  v.maxLength(64, 'must be at most 64 characters'),
  v.check((name) => name !== 'services' && name !== 'production', 'is reserved by the API’s paths'),
);

const ServiceYaml = v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(512 * 1024));

export const LoadTemplateServiceInput = v.object({
  service_name: ServiceName,
  project_key: ProjectKey,
  template_name: v.pipe(v.string(), v.minLength(1, 'must not be empty')),
  auto_sync: v.optional(v.boolean(), false),
  variable_yaml: v.optional(v.array(VariableValue), []),
});
export type LoadTemplateServiceInput = v.InferOutput<typeof LoadTemplateServiceInput>;

export const CreateRawServiceInput = v.object({
  service_name: ServiceName,
  yaml: ServiceYaml,
  variable_yaml: v.optional(v.array(ServiceVariable), []),
});
export type CreateRawServiceInput = v.InferOutput<typeof CreateRawServiceInput>;

export const UpdateServiceYamlInput = v.object({
  type: v.literal('k8s', 'must be k8s'),
  yaml: ServiceYaml,
});
export type UpdateServiceYamlInput = v.InferOutput<typeof UpdateServiceYamlInput>;

export const UpdateServiceVariablesInput = v.object({
  service_variable_kvs: v.array(ServiceVariable),
});
export type UpdateServiceVariablesInput = v.InferOutput<typeof UpdateServiceVariablesInput>;

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
export const SetServiceLabelsInput = v.pipe(
  v.array(ServiceLabel),
  v.check((labels) => new Set(labels.map((label) => label.key)).size === labels.length, 'must not repeat a key'),
);
export type ServiceLabel = v.InferOutput<typeof ServiceLabel>;
