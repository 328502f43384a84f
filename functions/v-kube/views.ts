import * as v from 'valibot';
import { epochSeconds, type CreateOrderInput, type OrderItem } from '../../core/orders/order-item.ts';
import type { HostPortOccupancy } from '../../core/regions/host-ports.ts';
import { parseImageName } from '../../core/registries/image-check.ts';

/**
 * V-Kube's wire shapes, both ways: the request schemas (the document's field
 * names, turned into domain input) and the response views.
 */

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

export const imageFoundView = { status: 'OK' } as const;

const Text = (max: number) => v.pipe(v.string(), v.maxLength(max));
const Amount = v.pipe(v.number(), v.minValue(0));
const RESOURCE_UNIT = /^([1-9]\d?)-Unit-Resource$/;
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
