import type { Hono } from 'hono';
import { createAdminApp } from '../admin/app.ts';
import type { ClusterConnections } from '../../core/cluster/gateway.ts';
import type { CoreContext } from '../../core/context.ts';
import { createDocsApp } from '../docs/app.ts';
import type { GroupName } from '../groups.ts';
import type { Authenticate } from '../http/contract.ts';
import type { LogLine } from '../http/request-log.ts';
import { createHooksApp } from '../hooks/app.ts';
import { createK8sServiceApp } from '../k8s-service/app.ts';
import { createOteAppApp } from '../ote-app/app.ts';
import { createOteDeployApp } from '../ote-deploy/app.ts';
import { createOteRepositoryApp } from '../ote-repository/app.ts';
import type { BerthConfig } from '../runtime/config.ts';
import { createZadigEnvironmentApp } from '../zadig-environment/app.ts';
import type { LogRouteDeps } from '../zadig-environment/log-routes.ts';
import { createVKubeApp } from '../v-kube/app.ts';

import { createZadigHelmApp } from '../zadig-helm/app.ts';
import { createZadigServiceApp } from '../zadig-service/app.ts';

export type GroupApps = Record<GroupName, Pick<Hono, 'fetch'>>;

/** Every group's app, built as its Lambda entry builds it; the record type makes a forgotten group a compile error. */
export function createGroupApps({
  ctx,
  connections,
  authenticate,
  config,
  log,
  logStream,
}: {
  ctx: CoreContext;
  connections: ClusterConnections;
  authenticate: Authenticate;
  config: BerthConfig;
  log?: LogLine;
  /** How long a container log stream lasts and how often it sends keepalives; tests shorten them. */
  logStream?: Pick<LogRouteDeps, 'maxLogStreamMs' | 'logHeartbeatMs'>;
}): GroupApps {
  const logging = log ? { log } : {};
  return {
    admin: createAdminApp({
      ctx,
      connections,
      authenticate,
      outbound: { allowLoopback: config.localMode },
      oteRepositoryRegistry: config.oteRegistry,
      ...logging,
    }),
    'k8s-service': createK8sServiceApp({
      ctx,
      connections,
      authenticate,
      clusterId: config.k8sServiceCluster,
      ...logging,
    }),
    'zadig-service': createZadigServiceApp({ ctx, authenticate, ...logging }),
    'zadig-environment': createZadigEnvironmentApp({ ctx, connections, authenticate, ...logging, ...logStream }),
    'ote-repository': createOteRepositoryApp({ ctx, authenticate, registryId: config.oteRegistry, ...logging }),
    'ote-app': createOteAppApp({ ctx, authenticate, chartRegistryId: config.chartRegistryId, ...logging }),
    'ote-deploy': createOteDeployApp({ ctx, connections, authenticate, ...logging }),
    'v-kube': createVKubeApp({ ctx, connections, ...logging }),
    'zadig-helm': createZadigHelmApp({ ctx, authenticate, chartRegistryId: config.chartRegistryId, ...logging }),
    docs: createDocsApp(logging),
    hooks: createHooksApp({ ctx, ...logging }),
  };
}
