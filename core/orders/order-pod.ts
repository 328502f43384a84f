import type { ClusterConnections, KubeCluster, KubeObject } from '../cluster/gateway.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError, DomainError, field, InvalidInputError, text, UnavailableError } from '../errors.ts';
import { checkHostPorts } from '../regions/host-ports.ts';
import { keys } from '../store/keys.ts';
import { claimItem, updateAtVersion } from '../store/writes.ts';
import { releaseHostPorts } from './manage-orders.ts';
import { MEMORY_PER_RESOURCE_UNIT_BYTES, ORDER_LABEL, requireActiveOrder, type OrderItem } from './order-item.ts';

export type PodContainer = {
  name: string;
  image: string;
  ports: Array<{ containerPort: number; hostPort?: number | undefined }>;
  /** A quantity in Mi or Gi, e.g. `100Mi`; the container's memory request and limit. */
  memory: string;
  command: string[];
  args: string[];
};

export type PodRequest = { region: string; containers: PodContainer[] };

/** Each claimed port is an item of the deploy's transaction, which DynamoDB caps at 100. */
export const MAX_HOST_PORTS = 32;

/** How much of a pod's log is answered: its last lines, so one answer stays small whatever the pod wrote. */
export const POD_LOG_LINES = 1000;

export const MEMORY = /^([0-9]+(?:\.[0-9]+)?)(Mi|Gi)$/;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** Bytes of a quantity in Mi or Gi; undefined for anything else. */
export function memoryBytes(quantity: string): number | undefined {
  const match = MEMORY.exec(quantity);
  if (!match) return undefined;
  return Math.ceil(Number(match[1]) * (match[2] === 'Gi' ? GiB : MiB));
}

const formatMemory = (bytes: number): string =>
  bytes % GiB === 0 ? `${bytes / GiB}Gi` : `${Number((bytes / MiB).toFixed(2))}Mi`;

/**
 * Deploys the order's pod: one Deployment of one replica in the order's
 * namespace, on a node of its region, replacing what an earlier deploy put
 * there. Checked first, with nothing applied when a check fails: the order is
 * active and for this region, the containers' memory fits the order's
 * budget, and their host ports are free in the region (taken neither by pods
 * on its nodes nor by another order's claim). The ports are then claimed in
 * the table before the cluster is touched, so two orders racing for one port
 * cannot both deploy it.
 */
export async function deployOrderPod({
  ctx,
  connections,
  order,
  request,
}: {
  ctx: CoreContext;
  connections: ClusterConnections;
  order: OrderItem;
  request: PodRequest;
}): Promise<{ name: string; namespace: string }> {
  requireActiveOrder(order, ctx.now());
  if (request.region !== order.region)
    throw new InvalidInputError(
      text`${field('region')}: order "${order.id}" is for region "${order.region}", not "${request.region}"`,
      'region',
    );
  const hostPorts = checkContainers(order, request.containers);

  if (hostPorts.length > 0) {
    const occupancy = await checkHostPorts({
      ctx,
      connections,
      region: order.region,
      ports: hostPorts,
      except: { owner: order.id, namespace: order.namespace },
    });
    if (occupancy.outcome === 'unavailable')
      throw new UnavailableError(`a cluster did not answer; host ports in region "${order.region}" cannot be checked`);
    if (occupancy.outcome === 'occupied')
      throw new ConflictError(
        `host ports already occupied in region "${order.region}": ${occupancy.occupied.join(', ')}; nothing was deployed`,
      );
  }

  const released = (order.hostPorts ?? []).filter((port) => !hostPorts.includes(port));
  await ctx.store.transact(
    [
      updateAtVersion(
        keys.order(order.id),
        order.version,
        { hostPorts, updatedAt: ctx.now().toISOString() },
        `order "${order.id}" changed while this deploy was checked (another deploy?); try again`,
      ),
      ...hostPorts.map((port) =>
        claimItem(
          keys.hostPortClaim(order.region, port),
          order.id,
          { port, region: order.region },
          `host ports already occupied in region "${order.region}": ${port}; nothing was deployed`,
        ),
      ),
      ...releaseHostPorts(order, released),
    ],
    `order "${order.id}" could not be deployed`,
  );

  const cluster = await connections.get(order.clusterId);
  try {
    await cluster.ensureNamespace(order.namespace, { [ORDER_LABEL]: order.id });
    const [result] = await cluster.apply([orderDeployment(order, request)], { namespace: order.namespace });
    if (result?.outcome !== 'applied')
      throw new UnavailableError(`the cluster did not apply the pod of order "${order.id}": ${result?.message}`);
  } catch (error) {
    // The service may have ended while this deploy ran, and the sweep removed the namespace under it.
    requireActiveOrder(order, ctx.now());
    throw error;
  }
  return { name: order.id, namespace: order.namespace };
}

/** Checks names, host ports and memory; answers the host ports the pod asks for. */
function checkContainers(order: OrderItem, containers: PodContainer[]): number[] {
  const names = containers.map((container) => container.name);
  if (new Set(names).size !== names.length)
    throw new InvalidInputError(text`${field('containers')}: container names must be unique`, 'containers');
  const hostPorts = containers.flatMap((container) =>
    container.ports.flatMap((port) => (port.hostPort === undefined ? [] : [port.hostPort])),
  );
  if (new Set(hostPorts).size !== hostPorts.length)
    throw new InvalidInputError(text`${field('containers')}: a host port can be mapped only once`, 'containers');
  if (hostPorts.length > MAX_HOST_PORTS)
    throw new InvalidInputError(
      text`${field('containers')}: at most ${MAX_HOST_PORTS} host ports per pod`,
      'containers',
    );
  const total = containers.reduce((sum, container) => sum + (memoryBytes(container.memory) ?? Number.NaN), 0);
  if (Number.isNaN(total))
    throw new InvalidInputError(
      text`${field('containers')}: memory must be a size in Mi or Gi, e.g. 100Mi`,
      'containers',
    );
  const budget = order.resourceUnits * MEMORY_PER_RESOURCE_UNIT_BYTES;
  if (total > budget)
    throw new InvalidInputError(
      text`${field('containers')}: the containers' memory totals ${formatMemory(total)}, over the order's budget of ${formatMemory(budget)} (${order.resourceUnits} resource units)`,
      'containers',
    );
  return hostPorts;
}

function orderDeployment(order: OrderItem, request: PodRequest): KubeObject {
  const labels = { [ORDER_LABEL]: order.id };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: order.id, labels },
    spec: {
      replicas: 1,
      // The old pod holds the host ports its replacement needs: it has to go first.
      strategy: { type: 'Recreate' },
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          nodeSelector: { region: order.region },
          containers: request.containers.map((container) => ({
            name: container.name,
            image: container.image,
            ...(container.command.length > 0 ? { command: container.command } : {}),
            ...(container.args.length > 0 ? { args: container.args } : {}),
            ports: container.ports.map((port) => ({
              containerPort: port.containerPort,
              ...(port.hostPort === undefined ? {} : { hostPort: port.hostPort }),
              protocol: 'TCP',
            })),
            resources: { limits: { memory: container.memory }, requests: { memory: container.memory } },
          })),
        },
      },
    },
  };
}

/**
 * The order's pod as the cluster has it (the newest one not being deleted,
 * while a redeploy replaces it). An order with no pod yet is a NotFound.
 */
export async function readOrderPod({
  ctx,
  connections,
  order,
}: {
  ctx: CoreContext;
  connections: ClusterConnections;
  order: OrderItem;
}): Promise<{ cluster: KubeCluster; pod: KubeObject }> {
  requireActiveOrder(order, ctx.now());
  const cluster = await connections.get(order.clusterId);
  const pods = await cluster.listObjects({
    apiVersion: 'v1',
    kind: 'Pod',
    namespace: order.namespace,
    labelSelector: `${ORDER_LABEL}=${order.id}`,
  });
  const newestFirst = pods.sort((a, b) => createdAt(b) - createdAt(a));
  const pod = newestFirst.find((candidate) => !candidate.metadata['deletionTimestamp']) ?? newestFirst[0];
  if (!pod) throw new DomainError('NotFound', `order "${order.id}" has no pod yet; deploy one first`);
  return { cluster, pod };
}

/** The last `POD_LOG_LINES` lines of the pod's first container, or of the one named. */
export async function readOrderPodLog(input: {
  ctx: CoreContext;
  connections: ClusterConnections;
  order: OrderItem;
  container?: string | undefined;
}): Promise<string> {
  const { cluster, pod } = await readOrderPod(input);
  const containers = ((pod['spec'] as { containers?: Array<{ name: string }> } | undefined)?.containers ?? []).map(
    (container) => container.name,
  );
  const container = input.container ?? containers[0];
  if (container === undefined || !containers.includes(container))
    throw new DomainError('NotFound', `the pod of order "${input.order.id}" has no container "${input.container}"`);
  return cluster.readLog(input.order.namespace, pod.metadata.name, { container, tailLines: POD_LOG_LINES });
}

const createdAt = (object: KubeObject): number => Date.parse(String(object.metadata['creationTimestamp'] ?? 0)) || 0;
