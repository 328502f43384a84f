import * as v from 'valibot';
import { Rfc1123Label } from '../names.ts';
import { ServiceName } from '../services/schemas.ts';
import { VariableKey } from '../render/variables.ts';

/** Environment keys; a few are path segments of the API and cannot name an environment. */
const RESERVED_ENV_KEYS = ['production', 'service', 'services', 'envcfg', 'envcfgs', 'scale', 'kube', 'image'];
export const EnvKey = v.pipe(
  Rfc1123Label,
  v.check(
    (key) => !RESERVED_ENV_KEYS.includes(key),
    `must not be one of ${RESERVED_ENV_KEYS.join(', ')} (reserved by the API's paths)`,
  ),
);

/** An environment's value for a service variable; `use_global_variable` takes the environment's global value instead. */
export const EnvVariableKV = v.object({
  key: VariableKey,
  value: v.optional(v.unknown()),
  use_global_variable: v.optional(v.boolean(), false),
});
export type EnvVariableKV = v.InferOutput<typeof EnvVariableKV>;

const ContainerImage = v.object({
  name: v.pipe(v.string(), v.minLength(1, 'must not be empty')),
  image: v.pipe(v.string(), v.regex(/^[^\s]+$/, 'must be an image reference'), v.maxLength(1024)),
  image_name: v.optional(v.string()),
});
export type ContainerImage = v.InferOutput<typeof ContainerImage>;

export const EnvServiceInput = v.object({
  service_name: ServiceName,
  type: v.optional(v.literal('k8s', 'must be k8s')),
  containers: v.optional(v.array(ContainerImage), []),
  variable_kvs: v.optional(v.array(EnvVariableKV), []),
});
export type EnvServiceInput = v.InferOutput<typeof EnvServiceInput>;

export const GlobalVariableValue = v.object({ key: VariableKey, value: v.unknown() });
export type GlobalVariableValue = v.InferOutput<typeof GlobalVariableValue>;

export const EnvConfigType = v.picklist(['ConfigMap', 'Secret', 'Ingress', 'PVC']);
export type EnvConfigType = v.InferOutput<typeof EnvConfigType>;

export const CreateEnvironmentInput = v.object({
  env_key: EnvKey,
  env_name: v.optional(v.pipe(v.string(), v.maxLength(128))),
  cluster_id: v.pipe(v.string(), v.minLength(1, 'must not be empty')),
  namespace: Rfc1123Label,
  registry_id: v.pipe(v.string(), v.minLength(1, 'must not be empty')),
  global_variables: v.optional(v.array(GlobalVariableValue), []),
  services: v.optional(v.array(EnvServiceInput), []),
  env_configs: v.optional(
    v.array(v.object({ yaml_data: v.pipe(v.string(), v.minLength(1)), common_env_cfg_type: EnvConfigType })),
    [],
  ),
});
export type CreateEnvironmentInput = v.InferOutput<typeof CreateEnvironmentInput>;

/** Production edits take the registry or the alias; test edits the registry, as documented (Required). */
export const EditEnvironmentInput = v.object({
  registry_id: v.optional(v.pipe(v.string(), v.minLength(1, 'must not be empty'))),
  env_name: v.optional(v.pipe(v.string(), v.maxLength(128))),
});
export type EditEnvironmentInput = v.InferOutput<typeof EditEnvironmentInput>;
export const EditTestEnvironmentInput = v.object({
  registry_id: v.pipe(v.string(), v.minLength(1, 'must not be empty')),
});

export const AddEnvServicesInput = v.object({
  env_key: EnvKey,
  service_list: v.pipe(v.array(EnvServiceInput), v.minLength(1, 'must name at least one service')),
});
export type AddEnvServicesInput = v.InferOutput<typeof AddEnvServicesInput>;

export const UpdateEnvServicesInput = v.object({
  service_list: v.pipe(v.array(EnvServiceInput), v.minLength(1, 'must name at least one service')),
});
export type UpdateEnvServicesInput = v.InferOutput<typeof UpdateEnvServicesInput>;

export const DeleteEnvServicesInput = v.object({
  env_key: EnvKey,
  service_names: v.pipe(v.array(ServiceName), v.minLength(1, 'must name at least one service')),
  not_delete_resource: v.optional(v.boolean(), false),
});
export type DeleteEnvServicesInput = v.InferOutput<typeof DeleteEnvServicesInput>;

export const UpdateGlobalVariablesInput = v.object({
  global_variables: v.array(GlobalVariableValue),
});
export type UpdateGlobalVariablesInput = v.InferOutput<typeof UpdateGlobalVariablesInput>;
