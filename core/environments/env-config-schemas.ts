import * as v from 'valibot';
import { ProjectKey } from '../auth/schemas.ts';
import { Rfc1123Subdomain } from '../names.ts';
import { EnvConfigType, EnvKey } from './schemas.ts';

/** `common_env_cfg_type`, and the `type` query parameter: exactly as Zadig spells them. */
export const EnvConfigTypeName = v.picklist(
  EnvConfigType.options,
  `must be one of ${EnvConfigType.options.join(', ')}`,
);
export type EnvConfigTypeName = v.InferOutput<typeof EnvConfigTypeName>;

/** An environment configuration is named as its Kubernetes object is. */
export const EnvConfigName = Rfc1123Subdomain;

const YamlData = v.pipe(v.string(), v.minLength(1, 'must not be empty'));

/**
 * `POST .../:envKey/envcfgs`. `name` is the spec's (required there); when it
 * is left out the object's `metadata.name` names the configuration, which is
 * what Zadig's own server does with it.
 */
export const AddEnvConfigInput = v.object({
  name: v.optional(EnvConfigName),
  common_env_cfg_type: EnvConfigTypeName,
  yaml_data: YamlData,
});
export type AddEnvConfigInput = v.InferOutput<typeof AddEnvConfigInput>;

/** `PUT .../envcfgs`: the environment is named in the body. */
export const UpdateEnvConfigInput = v.object({
  name: v.optional(EnvConfigName),
  env_key: EnvKey,
  common_env_cfg_type: EnvConfigTypeName,
  yaml_data: YamlData,
});
export type UpdateEnvConfigInput = v.InferOutput<typeof UpdateEnvConfigInput>;

/** `?projectKey=&type=` of the list, detail and delete routes. */
export const EnvConfigQuery = v.object({ projectKey: ProjectKey, type: EnvConfigTypeName });
export type EnvConfigQuery = v.InferOutput<typeof EnvConfigQuery>;
