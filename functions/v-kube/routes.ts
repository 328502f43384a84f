import * as v from 'valibot';
import { defineRoute, type RouteContract } from '../http/contract.ts';
import {
  CheckPortsBody,
  CheckPortsBodyDocs,
  DeployBodyDocs,
  ImageQuery,
  ImageQueryDocs,
  PodLogQuery,
} from './views.ts';

const tags = ['v-kube'] as const;
const SecretHeader = v.object({
  secret: v.pipe(v.string(), v.description('The order’s secret, shown once when the order was recorded')),
});
const unauthorized = {
  description: 'No secret, or not the secret of an order (the same answer either way)',
  example: { error: { code: 401, message: 'a valid order secret is required in the secret header' } },
};

export const vKubeRoutes = {
  regions: defineRoute({
    method: 'get',
    path: '/k8s/regions',
    summary: 'Query valid regions: the region labels of the nodes of every registered cluster',
    tags,
    access: 'public',
    responses: {
      200: { description: 'The regions, sorted; [] when there is none', example: ['cn-north', 'cn-south'] },
      503: { description: 'No registered cluster answered' },
    },
  }),
  images: defineRoute({
    method: 'get',
    path: '/k8s/images',
    summary: 'Check if image exist, in the registered registries (a name without host: the default registry)',
    tags,
    access: 'public',
    query: ImageQuery,
    docs: { query: ImageQueryDocs },
    responses: {
      200: { description: 'The registry has the image with this tag', example: { status: 'OK' } },
      400: {
        description: 'Not an image name with a tag',
        example: { error: { code: 400, message: 'image format not allow.Format: image:tag' } },
      },
      404: {
        description: 'No registered registry has the image with this tag',
        example: { error: { code: 404, message: 'image does not exist.' } },
      },
    },
  }),
  checkPorts: defineRoute({
    method: 'post',
    path: '/k8s/checkports',
    summary: 'Host port occupation validation in a region',
    tags,
    access: 'public',
    body: CheckPortsBody,
    docs: { body: CheckPortsBodyDocs },
    responses: {
      200: {
        description: 'status NoResource, InternalErr, PortsOccupied (occupied lists them) or NotOccupied',
        example: { occupied: [22, 3306], status: 'PortsOccupied' },
        failures: {
          noResource: { occupied: [], status: 'NoResource' },
          internalError: { occupied: [], status: 'InternalErr' },
        },
      },
      400: { description: 'region or ports missing', example: { error: { code: 400, message: 'item field empty' } } },
    },
  }),
  order: defineRoute({
    method: 'get',
    path: '/k8s/order',
    summary: 'Query order information by secret',
    tags,
    access: 'public',
    docs: { headers: SecretHeader },
    responses: {
      200: {
        description: 'The order; `duration` is in seconds and `serviceExpiredDate` is when its service ends',
        example: {
          createdAt: 1620962741,
          updatedAt: 1620962788,
          duration: 100,
          serviceExpiredDate: '2021-05-14T03:27:21.000Z',
          amount: 18000,
          amountPaid: 18000,
          serviceID: '9xxxxxx0xxx6exxxxxxxxx',
          service: 'Container Service',
          serviceCategoryID: 'xxxxxxxxxxxxxxxxxxxxxxxx',
          provider: 'v-kube-service',
          address: 'xxxxxxxxxxxxxxxxxxxxxxxx',
          recipient: 'xxxxxxxxxxxxxxxxxxxxxxxx',
          id: 'xxxxxxxxxxxxxxxxxxxxxxxx',
          serviceOptions: { portSpecification: 'User Specified Service Port', resourceUnit: '2-Unit-Resource' },
          status: 'OrderFiled',
          publicKey: '',
        },
      },
      401: unauthorized,
    },
  }),
  deploy: defineRoute({
    method: 'post',
    path: '/api/v1/k8s/deploy',
    summary: 'Pod deployment with secret: the order’s pod, replacing the one deployed before',
    tags,
    access: 'public',
    // Read by the handler once the secret is checked, so a stranger learns nothing from validation errors.
    docs: { body: DeployBodyDocs, headers: SecretHeader },
    responses: {
      200: { description: 'Applied; the pod starts on a node of the region', example: { status: 'OK' } },
      400: {
        description: 'A field is wrong, the region is not the order’s, or the memory is over the order’s budget',
        example: {
          error: {
            code: 400,
            message:
              "containers: the containers' memory totals 2148Mi, over the order's budget of 2Gi (2 resource units)",
          },
        },
      },
      401: unauthorized,
      403: { description: 'The order’s service has expired' },
      409: {
        description: 'Host ports already occupied in the region; nothing was applied',
        example: {
          error: {
            code: 409,
            message: 'host ports already occupied in region "cn-north": 2999; nothing was deployed',
          },
        },
      },
      503: { description: 'The cluster did not answer within the timeout' },
    },
  }),
  podLog: defineRoute({
    method: 'get',
    path: '/k8s/pod/log',
    summary: 'Query pod log with secret: the last 1000 lines, as one JSON string',
    tags,
    access: 'public',
    docs: { query: PodLogQuery, headers: SecretHeader },
    responses: {
      200: {
        description: 'The log of the pod’s first container (or of `container`)',
        example:
          '/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration\n/docker-entrypoint.sh: Configuration complete; ready for start up\n',
      },
      401: unauthorized,
      403: { description: 'The order’s service has expired' },
      404: { description: 'The order has no pod yet' },
    },
  }),
  podStatus: defineRoute({
    method: 'get',
    path: '/k8s/pod/status',
    summary: 'Query pod status data with secret',
    tags,
    access: 'public',
    docs: { headers: SecretHeader },
    responses: {
      200: {
        description: 'The pod’s name, status, spec and annotations as Kubernetes has them',
        example: {
          name: '609e0a3505b1a3d4f8e9c0a1-c57f44868-s7drh',
          podStatus: { phase: 'Running', hostIP: '10.0.0.4', podIP: '10.1.251.97', qosClass: 'Burstable' },
          podSpec: {
            containers: [{ name: 'nginx-test', image: 'nginx', ports: [{ hostPort: 2999, containerPort: 80 }] }],
            nodeSelector: { region: 'cn-north' },
            nodeName: 'kwok-node-a',
          },
          annotations: {},
        },
      },
      401: unauthorized,
      403: { description: 'The order’s service has expired' },
      404: { description: 'The order has no pod yet' },
    },
  }),
};

/** The document gives most paths as `/k8s/...` and calls them as `/api/v1/k8s/...`: each is served at both. */
export const API_PREFIX = '/api/v1';

export const otherPath = <C extends RouteContract>(contract: C): C => ({
  ...contract,
  path: contract.path.startsWith(`${API_PREFIX}/`)
    ? contract.path.slice(API_PREFIX.length)
    : API_PREFIX + contract.path,
});

/** The same contracts at their second path, for the OpenAPI document. */
export const vKubeRoutesAtOtherPaths: Record<string, RouteContract> = Object.fromEntries(
  Object.entries(vKubeRoutes).map(([name, contract]) => [`${name}AtOtherPath`, otherPath(contract)]),
);
