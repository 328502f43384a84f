import * as v from 'valibot';
import type { ClusterConnections } from '../cluster/gateway.ts';
import type { CoreContext } from '../context.ts';
import { keys } from '../store/keys.ts';
import { askEveryCluster, REGION_LABEL, RegionName } from './regions.ts';

/**
 * Whether host ports are free in a region. `unknownRegion`: no node of any
 * registered cluster is in it; `unavailable`: a cluster did not answer, so
 * nothing can be promised.
 */
export type HostPortOccupancy =
  | { outcome: 'unknownRegion' | 'unavailable'; occupied: [] }
  | { outcome: 'occupied' | 'free'; occupied: number[] };

/** A claim item: an order holds a host port in a region from its deploy until it is deleted or expires. */
export type HostPortClaim = { owner: string; port: number };

/**
 * Which of `ports` are held in `region`: by pods on the region's nodes (one
 * node list and one pod list per cluster, whatever the namespace) or by an
 * order's claim, which covers the time between a deploy and its pod reaching
 * a node. `except` leaves an order's own pods and claims out, so that
 * redeploying an order does not collide with itself.
 */
export async function checkHostPorts({
  ctx,
  connections,
  region,
  ports,
  except,
}: {
  ctx: CoreContext;
  connections: ClusterConnections;
  region: string;
  ports: readonly number[];
  except?: { owner: string; namespace: string };
}): Promise<HostPortOccupancy> {
  if (!v.is(RegionName, region)) return { outcome: 'unknownRegion', occupied: [] };
  const [answers, claims] = await Promise.all([
    askEveryCluster(ctx, connections, async (cluster) => {
      const nodes = new Set((await cluster.listNodes(`${REGION_LABEL}=${region}`)).map((node) => node.name));
      if (nodes.size === 0) return { nodes: 0, held: [] };
      const uses = await cluster.listHostPorts();
      const held = uses
        .filter((use) => use.nodeName !== null && nodes.has(use.nodeName) && use.namespace !== except?.namespace)
        .map((use) => use.hostPort);
      return { nodes: nodes.size, held };
    }),
    ctx.store.listAll<HostPortClaim>(keys.hostPortClaims(region)),
  ]);
  const found = answers.flatMap((entry) => ('answer' in entry ? [entry.answer] : []));
  if (found.length < answers.length) return { outcome: 'unavailable', occupied: [] };
  if (found.every((entry) => entry.nodes === 0)) return { outcome: 'unknownRegion', occupied: [] };
  const held = new Set([
    ...found.flatMap((entry) => entry.held),
    ...claims.filter((claim) => claim.owner !== except?.owner).map((claim) => claim.port),
  ]);
  const occupied = [...new Set(ports)].filter((port) => held.has(port));
  return occupied.length > 0 ? { outcome: 'occupied', occupied } : { outcome: 'free', occupied: [] };
}
