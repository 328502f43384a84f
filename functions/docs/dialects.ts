import { adminRoutes } from '../admin/routes.ts';
import { hooksRoutes } from '../hooks/routes.ts';
import { k8sServiceRoutes } from '../k8s-service/routes.ts';
import { oteAppRoutes } from '../ote-app/routes.ts';
import { oteDeployRoutes } from '../ote-deploy/routes.ts';
import { oteRepositoryRoutes } from '../ote-repository/routes.ts';
import { vKubeRoutes, vKubeRoutesAtOtherPaths } from '../v-kube/routes.ts';
import { zadigEnvironmentRoutes } from '../zadig-environment/routes.ts';
import { zadigHelmRoutes } from '../zadig-helm/routes.ts';
import { zadigServiceRoutes } from '../zadig-service/routes.ts';
import type { DialectDocs } from './openapi.ts';

/** Every group's contracts, for the OpenAPI document. Contracts only: no handlers, no cluster client. */
export const dialects: DialectDocs[] = [
  {
    tag: 'admin',
    description: 'Berth administration: API tokens and clusters. Errors use Zadig’s envelope.',
    routes: adminRoutes,
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
    errorExample: { code: 409, message: 'project "test" holds 1 image(s) (test/demo); delete them first' },
  },
  {
    tag: 'ote-app',
    description: 'ote-stack: applications, each name and version kept for ever (a change is a new version).',
    routes: oteAppRoutes,
    errorExample: { code: 409, message: 'application "nginx1" version 1.2 already exists; a change is a new version' },
  },
  {
    tag: 'ote-deploy',
    description:
      'ote-stack: deployments (carried out asynchronously), their upgrade, rollback and history, and their audit.',
    routes: oteDeployRoutes,
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
