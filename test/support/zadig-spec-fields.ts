import type { RouteContract } from '../../functions/http/contract.ts';
import { envConfigRoutesByScope } from '../../functions/zadig-environment/env-config-routes.ts';
import { environmentRoutesByScope } from '../../functions/zadig-environment/routes.ts';
import { subEnvRoutes } from '../../functions/zadig-environment/sub-env-routes.ts';
import { workloadRoutes } from '../../functions/zadig-environment/workload-routes.ts';
import { serviceRoutesByScope } from '../../functions/zadig-service/routes.ts';

/**
 * Every field of every request body the two Zadig specs document
 * (`zadig-service.md`, `zadig-environment.md`; Helm routes are not served),
 * as dotted paths (a list's items by the list's own name), and what Berth
 * does with it: `honoured`, or `refused` with a 400 naming it. Fields of a
 * refused field are not listed: the whole field is refused.
 */
export type Verdict = 'honoured' | 'refused';
export type DocumentedBody = { route: string; contract: RouteContract; fields: Record<string, Verdict> };

const all = (verdict: Verdict, ...fields: string[]) => Object.fromEntries(fields.map((name) => [name, verdict]));

const envVariableKvs = (list: string) =>
  all(
    'honoured',
    `${list}.variable_kvs`,
    `${list}.variable_kvs.key`,
    `${list}.variable_kvs.value`,
    `${list}.variable_kvs.use_global_variable`,
  );
const serviceKeyVals = (list: string) =>
  all('honoured', list, `${list}.key`, `${list}.value`, `${list}.type`, `${list}.options`, `${list}.desc`);

const envRoutes = environmentRoutesByScope;
const serviceRoutes = serviceRoutesByScope;

export const documentedBodies: DocumentedBody[] = [
  {
    route: 'POST /openapi/environments',
    contract: envRoutes.test.create,
    fields: {
      ...all('honoured', 'env_key', 'cluster_id', 'namespace', 'registry_id'),
      ...all('honoured', 'env_configs', 'env_configs.yaml_data', 'env_configs.common_env_cfg_type'),
      ...all('honoured', 'global_variables', 'global_variables.key', 'global_variables.value'),
      ...all('honoured', 'services', 'services.service_name', 'services.type', 'services.containers'),
      ...all('honoured', 'services.containers.image', 'services.containers.image_name', 'services.containers.name'),
      ...envVariableKvs('services'),
      ...all('honoured', 'sub_env', 'sub_env.base_env', 'sub_env.enable'),
    },
  },
  {
    route: 'POST /openapi/environments/production',
    contract: envRoutes.production.create,
    fields: {
      ...all('honoured', 'env_key', 'env_name', 'cluster_id', 'namespace', 'registry_id'),
      ...all('honoured', 'sub_env', 'sub_env.base_env', 'sub_env.enable'),
    },
  },
  { route: 'PUT /openapi/environments/:envKey', contract: envRoutes.test.edit, fields: all('honoured', 'registry_id') },
  {
    route: 'PUT /openapi/environments/production/:envKey',
    contract: envRoutes.production.edit,
    fields: all('honoured', 'registry_id', 'env_name'),
  },
  ...(['test', 'production'] as const).flatMap((scope): DocumentedBody[] => {
    const prefix = scope === 'production' ? '/openapi/environments/production' : '/openapi/environments';
    return [
      {
        route: `POST ${prefix}/service/yaml`,
        contract: envRoutes[scope].addServices,
        fields: {
          ...all('honoured', 'env_key', 'service_list', 'service_list.service_name'),
          ...envVariableKvs('service_list'),
        },
      },
      {
        route: `PUT ${prefix}/:envKey/services`,
        contract: envRoutes[scope].updateServices,
        fields: { ...all('honoured', 'service_list', 'service_list.service_name'), ...envVariableKvs('service_list') },
      },
      {
        route: `DELETE ${prefix}/service/yaml`,
        contract: envRoutes[scope].deleteServices,
        fields: all('honoured', 'env_key', 'service_names', 'not_delete_resource'),
      },
      {
        route: `PUT ${prefix}/:envKey/variable`,
        contract: envRoutes[scope].updateGlobals,
        fields: all('honoured', 'global_variables', 'global_variables.key', 'global_variables.value'),
      },
      {
        route: `POST ${prefix}/:envKey/envcfgs`,
        contract: envConfigRoutesByScope[scope].addEnvConfig,
        fields: all('honoured', 'name', 'common_env_cfg_type', 'yaml_data'),
      },
      {
        route: `PUT ${prefix}/envcfgs`,
        contract: envConfigRoutesByScope[scope].updateEnvConfig,
        fields: all('honoured', 'name', 'env_key', 'common_env_cfg_type', 'yaml_data'),
      },
    ];
  }),
  {
    route: 'POST /openapi/environments/scale',
    contract: workloadRoutes.scale,
    fields: all('honoured', 'project_key', 'env_key', 'workload_name', 'workload_type', 'target_replicas'),
  },
  ...(['deploymentImage', 'statefulSetImage', 'cronJobImage'] as const).map(
    (name): DocumentedBody => ({
      route: `POST ${workloadRoutes[name].path}`,
      contract: workloadRoutes[name],
      fields: all('honoured', 'product_name', 'env_name', 'service_name', 'name', 'container_name', 'image'),
    }),
  ),
  {
    route: 'POST /openapi/environments/:envKey/share/portal/:serviceName',
    contract: subEnvRoutes.setPortal,
    fields: all('honoured', 'host', 'port_number', 'port_protocol'),
  },
  {
    route: 'POST /openapi/service/template/load/yaml',
    contract: serviceRoutes.test.loadTemplate,
    fields: all(
      'honoured',
      'service_name',
      'project_key',
      'template_name',
      'auto_sync',
      'variable_yaml',
      'variable_yaml.key',
      'variable_yaml.value',
    ),
  },
  {
    route: 'POST /openapi/service/template/production/load/yaml',
    contract: serviceRoutes.production.loadTemplate,
    fields: {
      ...all(
        'honoured',
        'service_name',
        'project_key',
        'template_name',
        'auto_sync',
        'variable_yaml',
        'variable_yaml.key',
        'variable_yaml.value',
      ),
      yaml: 'refused',
    },
  },
  ...(['test', 'production'] as const).flatMap((scope): DocumentedBody[] => [
    {
      route: `POST ${serviceRoutes[scope].createRaw.path}`,
      contract: serviceRoutes[scope].createRaw,
      fields: { ...all('honoured', 'service_name', 'yaml'), ...serviceKeyVals('variable_yaml') },
    },
    {
      route: `PUT ${serviceRoutes[scope].updateYaml.path}`,
      contract: serviceRoutes[scope].updateYaml,
      fields: all('honoured', 'type', 'yaml'),
    },
    {
      route: `PUT ${serviceRoutes[scope].updateVariables.path}`,
      contract: serviceRoutes[scope].updateVariables,
      fields: serviceKeyVals('service_variable_kvs'),
    },
  ]),
];
