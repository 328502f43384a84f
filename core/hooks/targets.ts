import type { Principal } from '../auth/schemas.ts';
import type { ClusterConnections, KubeCluster } from '../cluster/gateway.ts';
import type { CoreContext } from '../context.ts';
import { readEnvironment } from '../environments/environment-item.ts';
import { setEnvImage } from '../environments/workload-actions.ts';
import { NotFoundError } from '../errors.ts';
import type { HookItem, HookTarget } from './hook-item.ts';

/** What a rollout needs of a target: where its Deployment runs, and how an image is written through the domain. */
export type TargetPort = {
  cluster: KubeCluster;
  namespace: string;
  deployment: string;
  container: string;
  setImage(image: string): Promise<void>;
};

/** Who a hook acts as: its own name in every revision and audit line it writes. */
const hookPrincipal = (hook: HookItem): Principal => ({
  tokenId: `hook:${hook.id}`,
  name: `hook:${hook.name}`,
  role: 'admin',
  projects: undefined,
});

export async function openTarget(
  deps: { ctx: CoreContext; connections: ClusterConnections },
  hook: HookItem,
  target: HookTarget,
): Promise<TargetPort> {
  if (target.kind === 'k8s-service-deployment') {
    const cluster = await deps.connections.get(target.cluster);
    return {
      cluster,
      namespace: target.namespace,
      deployment: target.deployment,
      container: target.container,
      setImage: (image) => cluster.setImage('Deployment', target.namespace, target.deployment, target.container, image),
    };
  }
  const env = await readEnvironment(deps.ctx, target.project, target.scope, target.env);
  return {
    cluster: await deps.connections.get(env.clusterId),
    namespace: env.namespace,
    deployment: target.deployment,
    container: target.container,
    // The rule env ops use: the image is patched and kept in the env service as a new revision.
    setImage: (image) =>
      setEnvImage({
        ctx: deps.ctx,
        connections: deps.connections,
        principal: hookPrincipal(hook),
        projectKey: target.project,
        scope: target.scope,
        envKey: target.env,
        kind: 'Deployment',
        name: target.deployment,
        serviceName: target.service,
        container: target.container,
        image,
      }),
  };
}

export async function currentImage(port: TargetPort): Promise<string> {
  const workload = await port.cluster.getWorkload('Deployment', port.namespace, port.deployment);
  const container = workload.containers.find((entry) => entry.name === port.container);
  if (!container) throw new NotFoundError('container', port.container, { in: `Deployment "${port.deployment}"` });
  return container.image;
}

type DeploymentStatus = {
  metadata?: { generation?: number };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: Array<{ type?: string; status?: string; reason?: string; message?: string }>;
  };
};

/**
 * The health gate: waits until the Deployment's rollout is complete (the
 * controller saw the change, every replica is updated and available, no old
 * replica is left), as `kubectl rollout status` decides, or the time is up or
 * the Deployment reports its progress deadline exceeded.
 */
export async function waitUntilAvailable(
  port: TargetPort,
  timeoutMs: number,
  pollMs = 500,
): Promise<{ healthy: true } | { healthy: false; reason: string }> {
  const deadline = Date.now() + timeoutMs;
  let last = 'not observed yet';
  for (;;) {
    const object = (await port.cluster.getObject({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: port.deployment,
      namespace: port.namespace,
    })) as DeploymentStatus | undefined;
    if (!object) return { healthy: false, reason: `Deployment "${port.deployment}" is gone` };
    const wanted = object.spec?.replicas ?? 1;
    const status = object.status ?? {};
    const stalled = status.conditions?.find(
      (condition) => condition.type === 'Progressing' && condition.reason === 'ProgressDeadlineExceeded',
    );
    if (stalled) return { healthy: false, reason: stalled.message ?? 'progress deadline exceeded' };
    const observed = (status.observedGeneration ?? 0) >= (object.metadata?.generation ?? 0);
    last = `${status.updatedReplicas ?? 0} of ${wanted} updated, ${status.availableReplicas ?? 0} available, ${status.replicas ?? 0} in all`;
    if (
      observed &&
      (status.updatedReplicas ?? 0) === wanted &&
      (status.availableReplicas ?? 0) === wanted &&
      (status.replicas ?? 0) === wanted
    )
      return { healthy: true };
    if (Date.now() > deadline) return { healthy: false, reason: `not available within ${timeoutMs / 1000} s: ${last}` };
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
