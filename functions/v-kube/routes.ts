import * as v from 'valibot';
import { defineRoute, type RouteContract } from '../http/contract.ts';
import { CheckPortsBody, ImageQuery, ImageQueryDocs } from './views.ts';

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
    responses: {
      200: {
        description: 'status NoResource, InternalErr, PortsOccupied (occupied lists them) or NotOccupied',
        example: { occupied: [22, 3306], status: 'PortsOccupied' },
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
