import * as v from 'valibot';
import type { KubeObject } from '../../core/cluster/gateway.ts';
import { Rfc1123Label } from '../../core/names.ts';
import { MEMORY, type PodRequest } from '../../core/orders/order-pod.ts';
import { epochSeconds, type CreateOrderInput, type OrderItem } from '../../core/orders/order-item.ts';
import type { HostPortOccupancy } from '../../core/regions/host-ports.ts';
import { parseImageName } from '../../core/registries/image-check.ts';
import { wireFieldsFrom } from '../zadig/errors.ts';

/**
 * V-Kube's wire shapes, both ways: the request schemas (the document's field
 * names, turned into domain input) and the response views.
 */

/** The fields errors name, in the document's words: the pod's region is its node selector's. */
export const wireField = wireFieldsFrom({ region: 'nodeSelector.region' });

/** Absent and empty are the same to this dialect's callers: both are a missing field. */
const present = <S extends v.GenericSchema>(schema: S) =>
  v.pipe(
    v.unknown(),
    v.transform((value) => (value === '' || (Array.isArray(value) && value.length === 0) ? undefined : value)),
    schema,
  );

const Port = v.pipe(v.number(), v.integer('must be an integer'), v.minValue(1), v.maxValue(65535));

export const CheckPortsBody = v.object({
  region: present(v.string()),
  ports: present(v.array(Port)),
});

/** The same body as the document states it: an empty `region` or `ports` is a missing one. */
export const CheckPortsBodyDocs = v.object({
  region: v.pipe(v.string(), v.minLength(1)),
  ports: v.pipe(v.array(Port), v.minLength(1)),
});

/** `image` and `tag` as the document has them; the tag may also end the image (`nginx:stable`). */
export const ImageQuery = v.pipe(
  v.object({ image: v.optional(v.string(), ''), tag: v.optional(v.string()) }),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const parsed = parseImageName(dataset.value.image, dataset.value.tag);
    if (parsed) return parsed;
    addIssue({ message: 'must be an image name and a tag' });
    return NEVER;
  }),
);

export const ImageQueryDocs = v.object({
  image: v.pipe(v.string(), v.description('Image name, e.g. nginx or registry.example.com/team/app')),
  tag: v.pipe(v.string(), v.description('Image tag, e.g. stable')),
});

const PORT_STATUS = {
  unknownRegion: 'NoResource',
  unavailable: 'InternalErr',
  occupied: 'PortsOccupied',
  free: 'NotOccupied',
} as const satisfies Record<HostPortOccupancy['outcome'], string>;

export const checkPortsView = (occupancy: HostPortOccupancy) => ({
  occupied: occupancy.occupied,
  status: PORT_STATUS[occupancy.outcome],
});

/** What the document answers a successful image check with; a deploy answers the same. */
export const statusOk = { status: 'OK' } as const;

const Text = (max: number) => v.pipe(v.string(), v.maxLength(max));
const Amount = v.pipe(v.number(), v.minValue(0));
const RESOURCE_UNIT = /^([1-9][0-9]?)-Unit-Resource$/;
export const MAX_RESOURCE_UNITS = 64;

/**
 * An order as the marketplace describes it (`POST /admin/vkube/orders`).
 * What Berth sets itself (`createdAt`, `updatedAt`, `serviceExpiredDate`) is
 * ignored if sent; `region` places the order's pod.
 */
export const CreateOrderBody = v.pipe(
  v.object({
    id: v.optional(
      v.pipe(
        v.string(),
        v.regex(/^[a-z0-9]([-a-z0-9]{0,46}[a-z0-9])?$/, 'must be lowercase letters, digits and "-", at most 48'),
      ),
    ),
    region: v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(63)),
    duration: v.pipe(v.number(), v.integer('must be whole seconds'), v.minValue(1, 'must be at least 1 second')),
    amount: v.optional(Amount, 0),
    amountPaid: v.optional(Amount, 0),
    serviceID: v.optional(Text(256), ''),
    service: v.optional(Text(256), 'Container Service'),
    serviceCategoryID: v.optional(Text(256), ''),
    provider: v.optional(Text(256), 'v-kube-service'),
    address: v.optional(Text(256), ''),
    recipient: v.optional(Text(256), ''),
    serviceOptions: v.object({
      portSpecification: v.optional(Text(256), 'User Specified Service Port'),
      resourceUnit: v.pipe(
        v.string(),
        v.regex(RESOURCE_UNIT, 'must be "<n>-Unit-Resource"'),
        v.transform((text) => Number(RESOURCE_UNIT.exec(text)![1])),
        v.maxValue(MAX_RESOURCE_UNITS, `must be at most ${MAX_RESOURCE_UNITS} units`),
      ),
    }),
    status: v.optional(Text(64), 'OrderFiled'),
    publicKey: v.optional(Text(4096), ''),
  }),
  v.transform(
    (body): CreateOrderInput => ({
      id: body.id,
      region: body.region,
      durationSeconds: body.duration,
      amount: body.amount,
      amountPaid: body.amountPaid,
      serviceId: body.serviceID,
      serviceName: body.service,
      serviceCategoryId: body.serviceCategoryID,
      provider: body.provider,
      consumerAddress: body.address,
      merchantAddress: body.recipient,
      portSpecification: body.serviceOptions.portSpecification,
      resourceUnits: body.serviceOptions.resourceUnit,
      status: body.status,
      publicKey: body.publicKey,
    }),
  ),
);

/** An order with the document's field names (`GET /k8s/order`). */
export const orderView = (order: OrderItem) => ({
  createdAt: epochSeconds(order.createdAt),
  updatedAt: epochSeconds(order.updatedAt),
  duration: order.durationSeconds,
  serviceExpiredDate: order.expiresAt,
  amount: order.amount,
  amountPaid: order.amountPaid,
  serviceID: order.serviceId,
  service: order.serviceName,
  serviceCategoryID: order.serviceCategoryId,
  provider: order.provider,
  address: order.consumerAddress,
  recipient: order.merchantAddress,
  id: order.id,
  serviceOptions: {
    portSpecification: order.portSpecification,
    resourceUnit: `${order.resourceUnits}-Unit-Resource`,
  },
  status: order.status,
  publicKey: order.publicKey,
});

/** What the admin sees besides: where the order's pod runs, and which host ports it holds. */
export const adminOrderView = (order: OrderItem) => ({
  ...orderView(order),
  region: order.region,
  cluster: order.clusterId,
  namespace: order.namespace,
  hostPorts: order.hostPorts ?? [],
  podRemovedAt: order.podRemovedAt ?? null,
});

/** The document's `"/bin/sh\n-c\ntail -f /dev/null"`: one argument per line; a last newline ends the list. */
const lines = (text: string | undefined): string[] => {
  if (text === undefined || text === '') return [];
  const parts = text.split(/\r?\n/);
  return parts.at(-1) === '' ? parts.slice(0, -1) : parts;
};

const ContainerPort = v.pipe(
  v.object({ containerPort: v.optional(Port), hostPort: v.optional(Port) }),
  v.check((port) => port.containerPort !== undefined || port.hostPort !== undefined, 'needs containerPort or hostPort'),
  // A host port alone maps the same container port, as `docker run -p 2999` does.
  v.transform((port) => ({ containerPort: (port.containerPort ?? port.hostPort)!, hostPort: port.hostPort })),
);

const Containers = v.pipe(
  v.array(
    v.object({
      name: Rfc1123Label,
      imageName: v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(512)),
      ports: v.optional(v.array(ContainerPort), []),
      resource: v.object({ memory: v.pipe(v.string(), v.regex(MEMORY, 'must be a size in Mi or Gi, e.g. 100Mi')) }),
      command: v.optional(v.pipe(v.string(), v.maxLength(16_384))),
      args: v.optional(v.pipe(v.string(), v.maxLength(16_384))),
    }),
  ),
  v.maxLength(16, 'at most 16 containers'),
);

/** The deploy body as the document states it: an empty `region` or `containers` is a missing one. */
export const DeployBodyDocs = v.object({
  nodeSelector: v.object({ region: v.pipe(v.string(), v.minLength(1)) }),
  containers: v.pipe(Containers, v.minLength(1)),
});

export const DeployBody = v.pipe(
  v.object({
    nodeSelector: v.object({ region: present(v.string()) }),
    containers: present(Containers),
  }),
  v.transform(
    (body): PodRequest => ({
      region: body.nodeSelector.region,
      containers: body.containers.map((container) => ({
        name: container.name,
        image: container.imageName,
        ports: container.ports,
        memory: container.resource.memory,
        command: lines(container.command),
        args: lines(container.args),
      })),
    }),
  ),
);

/** `GET /k8s/pod/status`: the pod's status and spec exactly as Kubernetes has them. */
export const podStatusView = (pod: KubeObject) => ({
  name: pod.metadata.name,
  podStatus: pod['status'] ?? {},
  podSpec: pod['spec'] ?? {},
  annotations: pod.metadata.annotations ?? {},
});

export const PodLogQuery = v.object({ container: v.optional(Rfc1123Label) });
