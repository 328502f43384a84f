import * as v from 'valibot';
import { ProjectKey } from '../../core/auth/schemas.ts';
import { EnvConfigName, EnvConfigTypeName } from '../../core/environments/env-config-schemas.ts';
import { MAX_SERVICES_PER_CHANGE } from '../../core/environments/record-change.ts';
import { EnvConfigType, EnvKey } from '../../core/environments/schemas.ts';
import { PORTAL_PROTOCOLS, PortalHost } from '../../core/environments/sub-environment-schemas.ts';
import { NO_WHITE_SPACE, Rfc1123Label } from '../../core/names.ts';
import { imageName } from '../../core/render/image-name.ts';
import { VariableKey } from '../../core/render/schemas.ts';
import { ServiceName } from '../../core/services/schemas.ts';
import { ObjectName, ReplicaCount } from '../../core/workloads/schemas.ts';
import { documentedRule } from '../http/documented.ts';

/** Zadig's request bodies (and query objects) for environments, in its wire names. */

const NotEmpty = v.pipe(v.string(), v.minLength(1, 'must not be empty'));

/** An environment's value for a service variable; `use_global_variable` takes the environment's global value instead. */
const EnvVariableKV = v.object({
  key: VariableKey,
  value: v.optional(v.unknown()),
  use_global_variable: v.optional(v.boolean(), false),
});

/** `image_name` is what Zadig's clients send; the image names itself, so a different name is a 400, never ignored. */
const ContainerImage = v.pipe(
  v.object({
    name: NotEmpty,
    image: v.pipe(v.string(), v.regex(NO_WHITE_SPACE, 'must be an image reference'), v.maxLength(1024)),
    image_name: v.optional(v.string()),
  }),
  v.forward(
    v.check(
      (container) => container.image_name === undefined || container.image_name === imageName(container.image),
      (issue) => `must be the name of the image (here "${imageName((issue.input as { image: string }).image)}")`,
    ),
    ['image_name'],
  ),
  documentedRule('image_name, when given, must be the name of image (nginx for registry.example.com/lib/nginx:1.25)'),
);

export const EnvServiceInput = v.object({
  service_name: ServiceName,
  type: v.optional(v.literal('k8s', 'must be k8s')),
  containers: v.optional(v.array(ContainerImage), []),
  variable_kvs: v.optional(v.array(EnvVariableKV), []),
});
export type EnvServiceInput = v.InferOutput<typeof EnvServiceInput>;

const GlobalVariableValue = v.object({ key: VariableKey, value: v.unknown() });

/** Zadig's `OpenAPISubEnv`: with `enable`, the new environment becomes a sub-environment of `base_env`. */
const SubEnv = v.object({ base_env: EnvKey, enable: v.boolean('must be a boolean') });

/**
 * The spec's table says `[]SubEnv`, its example and Zadig's server a single
 * object: both are taken. An environment has one base, so a list holds at most one.
 */
const SubEnvField = v.optional(
  v.union(
    [SubEnv, v.pipe(v.array(SubEnv), v.maxLength(1, 'must name at most one base environment'))],
    'must be an object {base_env, enable} (or a list of one)',
  ),
);

export const CreateEnvironmentInput = v.object({
  env_key: EnvKey,
  env_name: v.optional(v.pipe(v.string(), v.maxLength(128))),
  cluster_id: NotEmpty,
  namespace: Rfc1123Label,
  registry_id: NotEmpty,
  global_variables: v.optional(v.array(GlobalVariableValue), []),
  services: v.optional(v.array(EnvServiceInput), []),
  env_configs: v.optional(
    v.array(v.object({ yaml_data: v.pipe(v.string(), v.minLength(1)), common_env_cfg_type: EnvConfigType })),
    [],
  ),
  sub_env: SubEnvField,
});
export type CreateEnvironmentInput = v.InferOutput<typeof CreateEnvironmentInput>;

/** Production edits take the registry or the alias; test edits the registry, as documented (Required). */
export const EditEnvironmentInput = v.object({
  registry_id: v.optional(NotEmpty),
  env_name: v.optional(v.pipe(v.string(), v.maxLength(128))),
});
export type EditEnvironmentInput = v.InferOutput<typeof EditEnvironmentInput>;
export const EditTestEnvironmentInput = v.object({ registry_id: NotEmpty });

/** A change is one transaction, hence the bound (the domain checks it too). */
const ServiceList = v.pipe(
  v.array(EnvServiceInput),
  v.minLength(1, 'must name at least one service'),
  v.maxLength(MAX_SERVICES_PER_CHANGE, `at most ${MAX_SERVICES_PER_CHANGE} services per request`),
);

export const AddEnvServicesInput = v.object({ env_key: EnvKey, service_list: ServiceList });
export type AddEnvServicesInput = v.InferOutput<typeof AddEnvServicesInput>;

export const UpdateEnvServicesInput = v.object({ service_list: ServiceList });
export type UpdateEnvServicesInput = v.InferOutput<typeof UpdateEnvServicesInput>;

export const DeleteEnvServicesInput = v.object({
  env_key: EnvKey,
  service_names: v.pipe(
    v.array(ServiceName),
    v.minLength(1, 'must name at least one service'),
    v.maxLength(MAX_SERVICES_PER_CHANGE, `at most ${MAX_SERVICES_PER_CHANGE} services per request`),
  ),
  not_delete_resource: v.optional(v.boolean(), false),
});
export type DeleteEnvServicesInput = v.InferOutput<typeof DeleteEnvServicesInput>;

export const UpdateGlobalVariablesInput = v.object({ global_variables: v.array(GlobalVariableValue) });
export type UpdateGlobalVariablesInput = v.InferOutput<typeof UpdateGlobalVariablesInput>;

/* Environment configurations */

const YamlData = NotEmpty;

/**
 * `POST .../:envKey/envcfgs`. `name` is the spec's (required there); the
 * object's `metadata.name` names the configuration, which is what Zadig's own
 * server does with it.
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

/* Sub-environments */

/** Zadig's `OpenAPISetPortalServiceRequest`: one host and port the entry service answers on. */
const PortalServer = v.object({
  host: PortalHost,
  port_number: v.pipe(
    v.number('must be a number'),
    v.integer('must be an integer'),
    v.minValue(1, 'must be at least 1'),
    v.maxValue(65535, 'must be at most 65535'),
  ),
  port_protocol: v.picklist(PORTAL_PROTOCOLS, `must be one of ${PORTAL_PROTOCOLS.join(', ')}`),
});

/** The body of "Set Entry Service": the servers, in order; an empty list removes the portal. */
export const SetPortalInput = v.pipe(
  v.array(PortalServer, 'must be a list of servers'),
  v.maxLength(32, 'must name at most 32 servers'),
  v.check(
    (servers) => new Set(servers.map((server) => `${server.host}:${server.port_number}`)).size === servers.length,
    'must not name the same host and port twice',
  ),
);
export type SetPortalInput = v.InferOutput<typeof SetPortalInput>;

/* Day-two actions */

/** Routes the spec documents without a production variant take `production: true` to mean one. */
const Production = v.optional(v.boolean(), false);

export const ScaleInput = v.object({
  project_key: ProjectKey,
  env_key: EnvKey,
  workload_name: ObjectName,
  workload_type: v.picklist(['Deployment', 'StatefulSet'], 'must be Deployment or StatefulSet'),
  target_replicas: ReplicaCount,
  production: Production,
});
export type ScaleInput = v.InferOutput<typeof ScaleInput>;

export const SetImageInput = v.object({
  product_name: ProjectKey,
  env_name: EnvKey,
  service_name: ServiceName,
  name: ObjectName,
  container_name: NotEmpty,
  image: v.pipe(NotEmpty, v.maxLength(1024)),
  production: Production,
});
export type SetImageInput = v.InferOutput<typeof SetImageInput>;
