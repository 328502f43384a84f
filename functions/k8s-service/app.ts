import type { ClusterConnections } from '../../core/cluster/gateway.ts';
import type { CoreContext } from '../../core/context.ts';
import { describeDeploymentEndpoints, type DeploymentTarget } from '../../core/workloads/deployment-endpoints.ts';
import { scaleWorkload } from '../../core/workloads/scale-workload.ts';
import { createAppShell } from '../http/app-shell.ts';
import { createRouter, type Authenticate } from '../http/contract.ts';
import type { LogLine } from '../http/request-log.ts';
import { k8sEnvelope } from './envelope.ts';
import { createK8sServiceErrorRenderer } from './errors.ts';
import { k8sServiceRoutes as routes } from './routes.ts';

export type K8sServiceDeps = {
  ctx: CoreContext;
  connections: ClusterConnections;
  authenticate: Authenticate;
  /** The registered cluster this dialect operates on. */
  clusterId: string;
  log?: LogLine;
};

/** The K8s-service dialect: pods of a deployment and replica updates, on one configured cluster. */
export function createK8sServiceApp({ ctx, connections, authenticate, clusterId, log }: K8sServiceDeps) {
  const app = createAppShell({ renderError: createK8sServiceErrorRenderer(ctx.now), ctx, ...(log ? { log } : {}) });
  const route = createRouter(app, { authenticate });

  route(routes.test, (c) => k8sEnvelope(c, 200, '[INFO] oops, you got it.', undefined, ctx.now()));

  route(routes.getPod, async (c, { query }) => {
    const found = await describeDeploymentEndpoints({
      connections,
      clusterId,
      namespace: query.nameSpace,
      target: deploymentTarget(query.deploymentName),
    });
    const message = {
      clusterIP: found.service?.clusterIP ?? null,
      clusterPort: found.service?.port ?? null,
      podList: found.pods.map((pod) => ({ podIP: pod.ip, podName: pod.name })),
    };
    return k8sEnvelope(c, 200, message, query.msgId, ctx.now());
  });

  route(routes.updatePodReplicas, async (c, { body }) => {
    const scaled = await scaleWorkload({
      connections,
      clusterId,
      namespace: body.nameSpace,
      kind: 'Deployment',
      name: body.deploymentName,
      replicas: body.replicas,
    });
    const message = { deploymentName: scaled.name, nameSpace: scaled.namespace, replicas: scaled.replicas };
    return k8sEnvelope(c, 200, message, body.msgId, ctx.now());
  });

  return app;
}

/** The document's own example passes a label (`deploymentname=app=mysql`): an `=` means a selector, not a name. */
const deploymentTarget = (value: string): DeploymentTarget =>
  value.includes('=') ? { labelSelector: value } : { deployment: value };
