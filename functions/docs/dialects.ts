import { adminRoutes } from '../admin/routes.ts';
import { hooksRoutes } from '../hooks/routes.ts';
import { k8sServiceRoutes } from '../k8s-service/routes.ts';
import { oteAppRoutes } from '../ote-app/routes.ts';
import { oteDeployRoutes } from '../ote-deploy/routes.ts';
import { oteRepositoryRoutes } from '../ote-repository/routes.ts';
import { vKubeRoutes, vKubeRoutesAtOtherPaths } from '../v-kube/routes.ts';
import { zadigHelmRoutes } from '../zadig-helm/routes.ts';
import { environmentRoutesByScope, operationRoutes, zadigEnvironmentRoutes } from '../zadig-environment/routes.ts';
import {
  projectRoutes,
  SCOPES,
  serviceRoutesByScope,
  templateRoutes,
  zadigServiceRoutes,
} from '../zadig-service/routes.ts';
import type { DialectDocs, RouteLink } from './openapi.ts';

const linked = (from: RouteLink['from'], parameters: RouteLink['parameters'], ...targets: RouteLink['to'][]) =>
  targets.map((to): RouteLink => ({ from, to, parameters }));

const byId = { id: '$response.body#/id' };
const adminLinks = [
  ...linked(adminRoutes.createToken, byId, adminRoutes.deleteToken),
  ...linked(
    adminRoutes.registerCluster,
    byId,
    adminRoutes.getCluster,
    adminRoutes.updateCluster,
    adminRoutes.clusterHealth,
    adminRoutes.deleteCluster,
  ),
  ...linked(
    adminRoutes.registerRegistry,
    byId,
    adminRoutes.getRegistry,
    adminRoutes.registryHealth,
    adminRoutes.deleteRegistry,
  ),
  ...linked(adminRoutes.createOrder, byId, adminRoutes.deleteOrder),
  ...linked(
    adminRoutes.createHook,
    byId,
    adminRoutes.getHook,
    adminRoutes.rotateHookSecret,
    adminRoutes.testHook,
    adminRoutes.listHookDeliveries,
    adminRoutes.deleteHook,
  ),
];

const oteRepositoryLinks = [
  ...linked(
    oteRepositoryRoutes.createProject,
    { projectName: '$response.body#/data/projectName' },
    oteRepositoryRoutes.listImages,
    oteRepositoryRoutes.deleteProject,
  ),
  ...linked(
    oteRepositoryRoutes.createThirdPartyRepository,
    { repositoryId: '$response.body#/data/repositoryId' },
    oteRepositoryRoutes.getThirdPartyRepository,
    oteRepositoryRoutes.deleteThirdPartyRepository,
  ),
];

const oteAppLinks = linked(oteAppRoutes.createApp, { appId: '$response.body#/data/id' }, oteAppRoutes.getApp);

const oteDeployLinks = [oteDeployRoutes.createDeploy, oteDeployRoutes.installDeploy].flatMap((create) => [
  ...linked(
    create,
    { deployId: '$response.body#/data/id' },
    oteDeployRoutes.getDeploy,
    oteDeployRoutes.upgradeDeploy,
    oteDeployRoutes.deleteDeployById,
  ),
  ...linked(create, { deployName: '$response.body#/data/deployName' }, oteDeployRoutes.deleteDeployByName),
]);

const zadigServiceLinks = [
  ...linked(
    projectRoutes.createProject,
    { projectKey: '$request.body#/project_key' },
    projectRoutes.getProject,
    projectRoutes.deleteProject,
  ),
  ...linked(
    templateRoutes.createTemplate,
    { name: '$request.body#/name' },
    templateRoutes.getTemplate,
    templateRoutes.updateTemplate,
    templateRoutes.deleteTemplate,
  ),
  ...SCOPES.flatMap((scope) => {
    const services = serviceRoutesByScope[scope];
    return linked(
      services.createRaw,
      { projectKey: '$request.query.projectKey', serviceName: '$request.body#/service_name' },
      services.detail,
      services.labels,
      services.setLabels,
      services.updateYaml,
      services.updateVariables,
      services.remove,
    );
  }),
];

const zadigEnvironmentLinks = SCOPES.flatMap((scope) => {
  const environments = environmentRoutesByScope[scope];
  return [
    ...linked(
      environments.create,
      { projectKey: '$request.query.projectKey', envKey: '$request.body#/env_key' },
      environments.detail,
      environments.globals,
      environments.remove,
    ),
    ...linked(environments.create, { id: '$response.body#/operation_id' }, operationRoutes.getOperation),
  ];
});

/** Every group's contracts, for the OpenAPI document. Contracts only: no handlers, no cluster client. */
export const dialects: DialectDocs[] = [
  {
    tag: 'admin',
    description: 'Berth administration: API tokens and clusters. Errors use Zadig’s envelope.',
    routes: adminRoutes,
    links: adminLinks,
    errorExample: {
      code: 400,
      message: 'Bad Request',
      description: 'kubeconfig: kubeconfig user "dev" needs an exec plugin, which cannot run on Lambda',
    },
  },
  {
    tag: 'zadig-service',
    description: 'Zadig OpenAPI: projects, K8s YAML templates and services (test and production).',
    routes: zadigServiceRoutes,
    links: zadigServiceLinks,
    errorExample: {
      code: 400,
      message: 'Bad Request',
      description: 'variable_yaml[0].value: variable "replicas" must be one of [1 2 3], got "5"',
    },
  },
  {
    tag: 'zadig-environment',
    description:
      'Zadig OpenAPI: environments of K8s YAML projects (test and production), their services and global variables; changes are applied asynchronously and tracked as operations.',
    routes: zadigEnvironmentRoutes,
    links: zadigEnvironmentLinks,
    errorExample: {
      code: 409,
      message: 'Conflict',
      description: 'namespace "shop-dev" of cluster "local" is already used by environment "dev" of project "shop"',
    },
  },
  {
    tag: 'ote-repository',
    description:
      'ote-stack: image repository (projects, images and tags on the registry named by BERTH_OTE_REGISTRY) and third-party repositories.',
    routes: oteRepositoryRoutes,
    links: oteRepositoryLinks,
    errorExample: { code: 409, message: 'project "test" holds 1 image(s) (test/demo); delete them first' },
  },
  {
    tag: 'ote-app',
    description: 'ote-stack: applications, each name and version kept for ever (a change is a new version).',
    routes: oteAppRoutes,
    links: oteAppLinks,
    errorExample: { code: 409, message: 'application "nginx1" version 1.2 already exists; a change is a new version' },
  },
  {
    tag: 'ote-deploy',
    description:
      'ote-stack: deployments (carried out asynchronously), their upgrade, rollback and history, and their audit.',
    routes: oteDeployRoutes,
    links: oteDeployLinks,
    errorExample: { code: 404, message: 'deployment "999999" not found' },
  },
  {
    tag: 'zadig-helm',
    description:
      'Zadig OpenAPI for Helm: chart templates (stored as OCI artifacts, addressed by digest), Helm services made from them, Helm environments and their release values.',
    routes: zadigHelmRoutes,
    errorExample: {
      code: 400,
      message: 'Bad Request',
      description: 'file: "web/../../etc/passwd" leaves the chart\'s directory ("..")',
    },
  },
  {
    tag: 'k8s-service',
    description: 'K8s-service REST API: pod lookup and replica updates on the configured cluster.',
    routes: k8sServiceRoutes,
    // Its document answers a missing or wrong parameter with 200 and `code` 201.
    refusesWithStatus: 200,
    errorExample: {
      code: 201,
      message: '[ERROR] mandatory parameters missed. ',
      msgId: '1641876953',
      responseTime: '2022-01-11 13:00:28',
    },
  },
  {
    tag: 'v-kube',
    description:
      'V-Kube: regions, image and host-port checks (open), and orders with their pod (the order’s `secret` header). Every path is served both as `/k8s/...` and `/api/v1/k8s/...`.',
    routes: { ...vKubeRoutes, ...vKubeRoutesAtOtherPaths },
    errorExample: { error: { code: 400, message: 'item field empty' } },
  },
  {
    tag: 'hooks',
    description:
      'Inbound hooks: registry and CI deliveries (distribution, Harbor, GitHub, Standard Webhooks, generic), authenticated by the hook’s secret.',
    routes: hooksRoutes,
    errorExample: { code: 401, message: 'Unauthorized', description: 'X-Hub-Signature-256 does not match the body' },
  },
];
