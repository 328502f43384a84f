import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { createApp } from '../core/apps/manage-apps.ts';
import { CreateAppInput } from '../core/apps/schemas.ts';
import type { Principal } from '../core/auth/schemas.ts';
import { createClusterConnections } from '../core/cluster/connections.ts';
import { createKubeCluster } from '../core/cluster/kube-cluster.ts';
import { loadKubeconfig } from '../core/clusters/cluster-item.ts';
import { registerCluster } from '../core/clusters/register-cluster.ts';
import type { CoreContext } from '../core/context.ts';
import { createSecretBox } from '../core/crypto/secret-box.ts';
import { decideAudit, listPendingAudits } from '../core/deploys/audit.ts';
import type { DeployItem } from '../core/deploys/deploy-item.ts';
import { createDeploy, deleteDeploy } from '../core/deploys/manage-deploys.ts';
import { runDeploy } from '../core/deploys/run-deploy.ts';
import { keys } from '../core/store/keys.ts';
import { createDynamoStore } from '../core/store/dynamo-store.ts';
import { startDynamoDbLocal } from '../functions/local/dynamodb-local.ts';
import { ensureTable } from '../functions/local/ensure-table.ts';
import { startLocalCluster } from '../scripts/local-cluster.ts';
import { countingConnections } from './counting.ts';
import { oteAppBody } from './harness.ts';

const admin: Principal = { tokenId: 'bench', name: 'bench', role: 'admin', projects: undefined };
const user: Principal = { tokenId: 'bench-user', name: 'bench-user', role: 'user', projects: ['bench'] };

/**
 * Issue 12 figures: one application (2 replicas, a Service) deployed through
 * audit to 1 and to 5 registered clusters (the local control plane
 * registered five times), from the approval to status 5, with the DynamoDB
 * and Kubernetes requests that takes (the worker's run, as the stream
 * worker calls it; pods are polled every second).
 */
export async function measureOteDeploys(): Promise<Array<[string, string]>> {
  const plane = await startLocalCluster({ dataDir: resolve(process.env['BERTH_DATA_DIR'] ?? '.berth') });
  const dynamo = await startDynamoDbLocal();
  const rows: Array<[string, string]> = [];
  try {
    const raw = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    await ensureTable(raw, 'bench-ote');
    const counter = { dynamo: 0, kube: 0 };
    raw.middlewareStack.add(
      (next) => async (args) => {
        counter.dynamo++;
        return next(args);
      },
      { step: 'initialize', name: 'countRequests' },
    );
    const ctx: CoreContext = {
      store: createDynamoStore({
        client: DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }),
        tableName: 'bench-ote',
      }),
      secrets: createSecretBox(randomBytes(32)),
      now: () => new Date(),
      newId: () => randomBytes(9).toString('hex'),
    };
    const connections = countingConnections(
      createClusterConnections({
        loadKubeconfig: (id) => loadKubeconfig(ctx, id),
        connect: (kubeconfig) => createKubeCluster(kubeconfig, { timeoutMs: 30_000 }),
      }),
      counter,
    );
    for (let index = 1; index <= 5; index++)
      await registerCluster({
        ctx,
        input: {
          id: `c${index}`,
          name: `c${index}`,
          labels: { bench: 'yes', ...(index === 1 ? { first: 'yes' } : {}) },
          kubeconfig: plane.kubeconfig,
        },
      });
    const suffix = randomBytes(3).toString('hex');
    await createApp({
      ctx,
      principal: user,
      input: v.parse(CreateAppInput, oteAppBody({ appName: `bench-${suffix}`, version: '1.0', replicas: 2 })),
    });

    for (const [label, cluster] of [
      ['1 cluster', 'first=yes'],
      ['5 clusters', 'bench=yes'],
    ] as const) {
      const deployName = `bench-${suffix}-${cluster.startsWith('first') ? 1 : 5}`;
      const deploy = await createDeploy({
        ctx,
        connections,
        principal: user,
        input: { deployName, appName: `bench-${suffix}`, version: '1.0', cluster, nodeLabel: '', comment: '' },
      });
      const audit = (
        await listPendingAudits({ ctx, businessName: 'bench', paging: { page: 1, pageSize: 0, order: 'desc' } })
      ).items[0]!;
      counter.dynamo = 0;
      counter.kube = 0;
      const started = performance.now();
      await decideAudit({ ctx, principal: admin, input: { id: audit.auditId, status: 1, comment: '' } });
      await runDeploy({ ctx, connections, id: deploy.id });
      const elapsed = performance.now() - started;
      const done = await ctx.store.get<DeployItem>(keys.oteDeploy(deploy.id));
      rows.push([`${label}: approval → status ${done?.status} (${done?.errorMessage})`, `${Math.round(elapsed)} ms`]);
      rows.push([`${label}: DynamoDB requests`, String(counter.dynamo)]);
      rows.push([`${label}: Kubernetes requests`, String(counter.kube)]);
      // Clean up as an admin would: the worker removes the objects.
      await deleteDeploy({ ctx, principal: admin, target: { id: deploy.id } });
      await runDeploy({ ctx, connections, id: deploy.id });
    }
  } finally {
    await dynamo.stop();
  }
  return rows;
}
