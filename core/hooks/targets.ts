import type { Principal } from '../auth/schemas.ts';
import type { ClusterConnections, KubeCluster } from '../cluster/gateway.ts';
import type { CoreContext } from '../context.ts';
import { readEnvironment } from '../environments/environment-item.ts';
import { setEnvImage } from '../environments/workload-actions.ts';
import { isChartApp, readApp, type AppItem, type ImageAppItem } from '../apps/app-item.ts';
import { DeployStatus, readDeploy } from '../deploys/deploy-item.ts';
import { changeVersion } from '../deploys/manage-deploys.ts';
import { runDeploy } from '../deploys/run-deploy.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import { keys } from '../store/keys.ts';
import type { HookItem, HookTarget } from './hook-item.ts';
import { parseImageRef, repositoryOf } from './image-ref.ts';

/** Whether a target runs its new image: every replica updated and available, or why not. */
export type Gate = { healthy: true } | { healthy: false; reason: string };

/**
 * What a rollout needs of a target, whatever Berth object it is: the image it
 * runs, how a new one is written through the domain (answering what was
 * changed, for the audit line), and the health gate.
 */
export type TargetPort = {
  currentImage(): Promise<string>;
  setImage(image: string, purpose: 'rollout' | 'rollback'): Promise<string>;
  waitUntilAvailable(timeoutMs: number): Promise<Gate>;
};

/** Who a hook acts as: its own name in every revision, history entry and audit line it writes. */
const hookPrincipal = (hook: HookItem): Principal => ({
  tokenId: `hook:${hook.id}`,
  name: `hook:${hook.name}`,
  role: 'admin',
  projects: undefined,
});

type Deps = { ctx: CoreContext; connections: ClusterConnections };

export async function openTarget(deps: Deps, hook: HookItem, target: HookTarget): Promise<TargetPort> {
  switch (target.kind) {
    case 'k8s-service-deployment': {
      const cluster = await deps.connections.get(target.cluster);
      return deploymentPort({ ...target, cluster }, (image) =>
        cluster.setImage('Deployment', target.namespace, target.deployment, target.container, image),
      );
    }
    case 'zadig-env-service': {
      const env = await readEnvironment(deps.ctx, target.project, target.scope, target.env);
      const cluster = await deps.connections.get(env.clusterId);
      // The rule env ops use: the image is patched and kept in the env service as a new revision.
      return deploymentPort({ ...target, cluster, namespace: env.namespace }, (image) =>
        setEnvImage({
          ...deps,
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
      );
    }
    case 'ote-stack-deployment':
      return oteDeploymentPort(deps, hook, target.deployId);
  }
}

type DeploymentRef = { cluster: KubeCluster; namespace: string; deployment: string; container: string };

/** A Kubernetes Deployment's container, written by `write`. */
function deploymentPort(ref: DeploymentRef, write: (image: string) => Promise<void>): TargetPort {
  return {
    async currentImage() {
      const workload = await ref.cluster.getWorkload('Deployment', ref.namespace, ref.deployment);
      const container = workload.containers.find((entry) => entry.name === ref.container);
      if (!container) throw new NotFoundError('container', ref.container, { in: `Deployment "${ref.deployment}"` });
      return container.image;
    },
    async setImage(image) {
      await write(image);
      return `${ref.namespace}/Deployment/${ref.deployment} container ${ref.container} set`;
    },
    waitUntilAvailable: (timeoutMs) => waitUntilDeploymentAvailable(ref, timeoutMs),
  };
}

/**
 * An ote-stack deployment: it runs application versions, not images, so a
 * new image is an upgrade (a rollback: a rollback) to the version of its
 * application whose image is that one, through the same verb as the
 * ote-stack upgrade route (history, project and editability checks). The
 * hook carries the change out itself with the deploy engine: it holds the
 * table stream while it gates, so the worker's own run of the change would
 * only come after the gate (and then finds it done).
 */
async function oteDeploymentPort(deps: Deps, hook: HookItem, deployId: number): Promise<TargetPort> {
  const principal = hookPrincipal(hook);
  const read = () => readDeploy(deps.ctx, principal, deployId);
  return {
    async currentImage() {
      const deploy = await read();
      const app = await readApp(deps.ctx, principal, deploy.appId);
      // A chart application's images are the chart's to choose; an image push cannot say which version to run.
      if (isChartApp(app))
        throw new InvalidInputError(`ote-stack deployment ${deployId} runs a Helm chart, not an image`, 'targets');
      return app.image;
    },
    async setImage(image, purpose) {
      const deploy = await read();
      const version = await versionWithImage(deps.ctx, deploy.appName, image);
      await changeVersion({
        ...deps,
        principal,
        id: deployId,
        input: { version: version.appVersion, comment: `${principal.name}: ${image}` },
        deployType: purpose === 'rollback' ? 3 : 2,
      });
      await runDeploy({ ...deps, id: deployId, settleTimeoutMs: hook.healthTimeoutSeconds * 1000 });
      return `ote-stack deployment ${deployId} (${deploy.deployName}) ${purpose === 'rollback' ? 'rolled back' : 'upgraded'} to ${deploy.appName} ${version.appVersion}`;
    },
    async waitUntilAvailable() {
      const deploy = await read();
      if (deploy.status === DeployStatus.success) return { healthy: true };
      return { healthy: false, reason: `status ${deploy.status}: ${deploy.errorMessage ?? 'no pod counts'}` };
    },
  };
}

/**
 * The version of application `appName` whose image is `image`: the same
 * repository path (the registry host aside, as hooks match events) and tag,
 * and the same digest when the version pins one.
 */
async function versionWithImage(ctx: CoreContext, appName: string, image: string): Promise<ImageAppItem> {
  const wanted = parseImageRef(image);
  const apps = await ctx.store.listAll<AppItem>(keys.oteApps);
  const found = apps.find((app): app is ImageAppItem => {
    if (app.appName !== appName || isChartApp(app)) return false;
    const ref = parseImageRef(app.image);
    return ref.path === wanted.path && ref.tag === wanted.tag && (!ref.digest || ref.digest === wanted.digest);
  });
  if (!found)
    throw new NotFoundError('application version', `${appName} with image ${repositoryOf(image)}:${wanted.tag}`);
  return found;
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
async function waitUntilDeploymentAvailable(port: DeploymentRef, timeoutMs: number, pollMs = 500): Promise<Gate> {
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
