import * as v from 'valibot';
import { CreateTokenInput } from '../../core/auth/schemas.ts';
import { RegisterClusterInput, UpdateClusterInput } from '../../core/clusters/schemas.ts';
import { RegisterRegistryInput } from '../../core/registries/schemas.ts';
import { hookAdminRoutes } from '../hooks/routes.ts';
import { defineRoute } from '../http/contract.ts';
import { PageQuery } from '../http/pagination.ts';
import { CreateOrderBody, MAX_RESOURCE_UNITS } from '../v-kube/views.ts';

const tags = ['admin'] as const;
const KUBECONFIG_RULE =
  'kubeconfig must be a kubeconfig YAML whose current context names a cluster (server) and a user whose credentials need no exec plugin';
const IdParam = v.strictObject({ id: v.pipe(v.string(), v.minLength(1), v.maxLength(128)) });

const exampleCluster = {
  id: 'dev',
  name: 'Development',
  labels: { region: 'cn-north' },
  server: 'https://10.0.0.1:6443',
  status: 'ready',
  kube_version: 'v1.36.3',
  status_message: null,
  checked_at: '2026-11-25T10:00:01.000Z',
  created_at: '2026-11-25T10:00:00.000Z',
  updated_at: '2026-11-25T10:00:00.000Z',
  version: 1,
};

const exampleRegistry = {
  id: 'harbor',
  address: 'harbor.example.com',
  namespace: 'shop',
  username: 'robot$shop',
  has_credentials: true,
  insecure: false,
  created_at: '2026-11-25T10:00:00.000Z',
  updated_at: '2026-11-25T10:00:00.000Z',
  version: 1,
};

const exampleOrder = {
  createdAt: 1620962741,
  updatedAt: 1620962741,
  duration: 2592000,
  serviceExpiredDate: '2021-06-13T03:25:41.000Z',
  amount: 18000,
  amountPaid: 18000,
  serviceID: '9xxxxxx0xxx6exxxxxxxxx',
  service: 'Container Service',
  serviceCategoryID: 'xxxxxxxxxxxxxxxxxxxxxxxx',
  provider: 'v-kube-service',
  address: 'xxxxxxxxxxxxxxxxxxxxxxxx',
  recipient: 'xxxxxxxxxxxxxxxxxxxxxxxx',
  id: '609e0a3505b1a3d4f8e9c0a1',
  serviceOptions: { portSpecification: 'User Specified Service Port', resourceUnit: '2-Unit-Resource' },
  status: 'OrderFiled',
  publicKey: '',
  region: 'cn-north',
  cluster: 'default',
  namespace: 'vkube-609e0a3505b1a3d4f8e9c0a1',
  hostPorts: [],
  podRemovedAt: null,
};

export const adminRoutes = {
  createToken: defineRoute({
    method: 'post',
    path: '/admin/tokens',
    summary: 'Mint an API token (its value is shown only in this answer)',
    tags,
    access: 'admin',
    body: CreateTokenInput,
    responses: {
      201: {
        description: 'The token, with its clear value',
        example: {
          id: 'k3v9x2',
          name: 'ci',
          role: 'user',
          projects: ['shop'],
          created_at: '2026-11-25T10:00:00.000Z',
          token: 'berth_…',
        },
      },
    },
  }),
  listTokens: defineRoute({
    method: 'get',
    path: '/admin/tokens',
    summary: 'List API tokens (never their values)',
    tags,
    access: 'admin',
    query: PageQuery,
    responses: { 200: { description: 'A page of tokens', example: { items: [], next_cursor: null } } },
  }),
  deleteToken: defineRoute({
    method: 'delete',
    path: '/admin/tokens/:id',
    summary: 'Revoke an API token',
    tags,
    access: 'admin',
    params: IdParam,
    responses: { 204: { description: 'Revoked' } },
  }),
  registerCluster: defineRoute({
    method: 'post',
    path: '/admin/clusters',
    summary: 'Register a cluster (its kubeconfig is stored encrypted and never returned)',
    tags,
    access: 'admin',
    body: RegisterClusterInput,
    rules: [KUBECONFIG_RULE],
    responses: {
      201: {
        description: 'The cluster, status pending until the probe answers',
        example: { ...exampleCluster, status: 'pending', kube_version: null, checked_at: null },
      },
    },
  }),
  listClusters: defineRoute({
    method: 'get',
    path: '/admin/clusters',
    summary: 'List clusters',
    tags,
    access: 'admin',
    query: PageQuery,
    responses: { 200: { description: 'A page of clusters', example: { items: [exampleCluster], next_cursor: null } } },
  }),
  getCluster: defineRoute({
    method: 'get',
    path: '/admin/clusters/:id',
    summary: 'Read a cluster',
    tags,
    access: 'admin',
    params: IdParam,
    responses: { 200: { description: 'The cluster', example: exampleCluster } },
  }),
  updateCluster: defineRoute({
    method: 'patch',
    path: '/admin/clusters/:id',
    summary: 'Change a cluster’s name, labels or kubeconfig',
    tags,
    access: 'admin',
    params: IdParam,
    body: UpdateClusterInput,
    rules: [KUBECONFIG_RULE],
    responses: {
      200: { description: 'The cluster as written', example: { ...exampleCluster, version: 2 } },
      409: { description: 'Changed concurrently' },
    },
  }),
  deleteCluster: defineRoute({
    method: 'delete',
    path: '/admin/clusters/:id',
    summary: 'Forget a cluster',
    tags,
    access: 'admin',
    params: IdParam,
    responses: { 204: { description: 'Deleted' }, 409: { description: 'Environments use the cluster' } },
  }),
  clusterHealth: defineRoute({
    method: 'get',
    path: '/admin/clusters/:id/health',
    summary: 'Ask the cluster’s API server for its version',
    tags,
    access: 'admin',
    params: IdParam,
    responses: {
      200: {
        description: 'The API server answered',
        example: { id: 'dev', status: 'ok', kube_version: 'v1.36.3', platform: 'linux/amd64', latency_ms: 4 },
      },
      503: { description: 'The API server did not answer within the timeout' },
    },
  }),
  registerRegistry: defineRoute({
    method: 'post',
    path: '/admin/registries',
    summary: 'Register an image registry (its password is stored encrypted and never returned)',
    tags,
    access: 'admin',
    body: RegisterRegistryInput,
    rules: [
      'username and password are given together, or neither',
      'insecure must be true for a plain http:// address',
    ],
    responses: {
      201: { description: 'The registry; `id` is generated when the body has none', example: exampleRegistry },
      409: { description: 'A registry with this id exists' },
    },
  }),
  listRegistries: defineRoute({
    method: 'get',
    path: '/admin/registries',
    summary: 'List image registries',
    tags,
    access: 'admin',
    query: PageQuery,
    responses: {
      200: { description: 'A page of registries', example: { items: [exampleRegistry], next_cursor: null } },
    },
  }),
  getRegistry: defineRoute({
    method: 'get',
    path: '/admin/registries/:id',
    summary: 'Read an image registry',
    tags,
    access: 'admin',
    params: IdParam,
    responses: { 200: { description: 'The registry', example: exampleRegistry } },
  }),
  deleteRegistry: defineRoute({
    method: 'delete',
    path: '/admin/registries/:id',
    summary: 'Forget an image registry',
    tags,
    access: 'admin',
    params: IdParam,
    responses: {
      204: { description: 'Deleted' },
      409: { description: 'Environments use it, or it is ote-stack’s image repository (BERTH_OTE_REGISTRY)' },
    },
  }),
  setDefaultRegistry: defineRoute({
    method: 'put',
    path: '/admin/default-registry',
    summary: 'Mark the registry image names without a host (`nginx`) resolve against',
    tags,
    access: 'admin',
    body: v.strictObject({ registry_id: IdParam.entries.id }),
    responses: {
      200: {
        description: 'The registry now marked default',
        example: { registry_id: 'harbor', updated_at: '2026-11-25T10:00:00.000Z' },
      },
    },
  }),
  getDefaultRegistry: defineRoute({
    method: 'get',
    path: '/admin/default-registry',
    summary: 'The registry marked default',
    tags,
    access: 'admin',
    responses: {
      200: {
        description: 'The registry marked default',
        example: { registry_id: 'harbor', updated_at: '2026-11-25T10:00:00.000Z' },
      },
      404: { description: 'None is marked, or the one marked was deleted' },
    },
  }),
  registryHealth: defineRoute({
    method: 'get',
    path: '/admin/registries/:id/health',
    summary: 'Ask the registry’s distribution API (GET /v2/) with the registered credentials',
    tags,
    access: 'admin',
    params: IdParam,
    responses: {
      200: {
        description: 'The registry answered and accepted the credentials',
        example: { id: 'harbor', status: 'ok', latency_ms: 12 },
      },
      503: {
        description:
          'The registry did not answer within the timeout, or rejected the registered credentials (the description says which)',
      },
    },
  }),
  createOrder: defineRoute({
    method: 'post',
    path: '/admin/vkube/orders',
    summary: 'Record a V-Kube order (its secret is shown only in this answer)',
    tags,
    access: 'admin',
    body: CreateOrderBody,
    rules: [
      `serviceOptions.resourceUnit: at most ${MAX_RESOURCE_UNITS} units (1 GiB of memory each)`,
      'region must be a region in which a registered cluster has nodes',
    ],
    responses: {
      201: {
        description: 'The order, with its clear secret; `duration` is in seconds, one resource unit is 1 GiB of memory',
        example: { ...exampleOrder, secret: '2Vu3Kd…' },
      },
      400: { description: 'A field is wrong, or no registered cluster has nodes in the region' },
      409: { description: 'An order with this id exists' },
    },
  }),
  listOrders: defineRoute({
    method: 'get',
    path: '/admin/vkube/orders',
    summary: 'List V-Kube orders (never their secrets)',
    tags,
    access: 'admin',
    query: PageQuery,
    responses: { 200: { description: 'A page of orders', example: { items: [exampleOrder], next_cursor: null } } },
  }),
  deleteOrder: defineRoute({
    method: 'delete',
    path: '/admin/vkube/orders/:id',
    summary: 'Remove a V-Kube order and its pod',
    tags,
    access: 'admin',
    params: IdParam,
    responses: {
      204: { description: 'The pod’s namespace is being deleted and the order is gone' },
      503: { description: 'The order’s cluster did not answer; the order is kept' },
    },
  }),

  ...hookAdminRoutes,
};
