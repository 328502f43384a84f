import * as v from 'valibot';
import { ProjectKey } from '../../core/auth/schemas.ts';
import { EnvKey } from '../../core/environments/schemas.ts';
import { Rfc1123Label } from '../../core/names.ts';
import { ServiceName } from '../../core/services/schemas.ts';

/** Zadig's request bodies for Helm templates, services and environments, in its wire names. */

const NotEmpty = v.pipe(v.string(), v.minLength(1, 'must not be empty'));
const ValuesYaml = v.pipe(v.string(), v.maxLength(512 * 1024));

/** Zadig's KeyVal: the value is any JSON ("use json format if nested"). */
const KeyVal = v.object({ key: NotEmpty, value: v.unknown() });

/**
 * A chart upload: the archive as the `file` part of a multipart form, and
 * (optionally) `variables`, the defaults of the variables its values.yaml
 * reads, as a JSON list of `{key, value}`.
 */
export const UploadChartInput = v.object({
  file: v.instance(File, 'must be the chart archive (.tgz), sent as a file part'),
  variables: v.optional(v.pipe(v.string(), v.parseJson(undefined, 'must be JSON'), v.array(KeyVal)), '[]'),
});
/** The upload as the OpenAPI document shows it. */
export const UploadChartDocs = v.object({
  file: v.pipe(v.string(), v.description('The chart archive (.tgz), as `helm package` writes it')),
  variables: v.optional(
    v.pipe(v.string(), v.description('JSON list of {key, value}: defaults for the variables values.yaml reads')),
  ),
});

export const LoadHelmServiceInput = v.object({
  project_key: ProjectKey,
  service_name: ServiceName,
  production: v.optional(v.boolean(), false),
  template_name: NotEmpty,
  values_yaml: v.optional(ValuesYaml, ''),
  variables: v.optional(v.array(KeyVal), []),
  auto_sync: v.optional(v.boolean(), false),
});
export type LoadHelmServiceInput = v.InferOutput<typeof LoadHelmServiceInput>;

/** Namespaces a production environment may not take, as Zadig refuses them. */
const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'];

export const CreateHelmEnvironmentInput = v.pipe(
  v.object({
    env_name: EnvKey,
    alias: v.optional(v.pipe(v.string(), v.maxLength(128))),
    cluster_id: NotEmpty,
    namespace: Rfc1123Label,
    registry_id: NotEmpty,
    project_key: ProjectKey,
    production: v.optional(v.boolean(), false),
    sub_env: v.optional(v.object({ base_env: v.optional(v.string()), enable: v.optional(v.boolean(), false) })),
  }),
  v.forward(
    v.check(
      (input) => !(input.production && SYSTEM_NAMESPACES.includes(input.namespace)),
      `a production environment may not use ${SYSTEM_NAMESPACES.join(', ')}`,
    ),
    ['namespace'],
  ),
);
export type CreateHelmEnvironmentInput = v.InferOutput<typeof CreateHelmEnvironmentInput>;

const HelmEnvService = v.object({
  service_name: ServiceName,
  deploy_strategy: v.picklist(['deploy', 'import'], 'must be deploy or import'),
  values_yaml: v.optional(ValuesYaml, ''),
  override_kvs: v.optional(v.array(KeyVal), []),
  import_values_from_git: v.optional(
    v.object({
      codehost_name: v.string(),
      namespace: v.string(),
      repo: v.string(),
      branch: v.string(),
      value_path: v.string(),
      auto_sync: v.optional(v.boolean()),
    }),
  ),
});

export const AddHelmEnvServicesInput = v.object({
  env_name: EnvKey,
  production: v.optional(v.boolean(), false),
  services: v.pipe(v.array(HelmEnvService), v.minLength(1, 'must name at least one service')),
});
export type AddHelmEnvServicesInput = v.InferOutput<typeof AddHelmEnvServicesInput>;

export const ServiceValuesQuery = v.object({ projectKey: ProjectKey, envName: EnvKey, serviceName: ServiceName });
