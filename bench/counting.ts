import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ClusterConnections, KubeCluster } from '../core/cluster/gateway.ts';
import type { CoreContext } from '../core/context.ts';
import { createSecretBox } from '../core/crypto/secret-box.ts';
import { createDynamoStore } from '../core/store/dynamo-store.ts';
import { ensureTable } from '../functions/local/ensure-table.ts';

export type RequestCounter = { dynamo: number; kube: number };

/** Requests each gateway call sends to the API server (discovery is cached per client and not counted). */
const REQUESTS: Partial<Record<keyof KubeCluster, (args: unknown[]) => number>> = {
  apply: (args) => (args[0] as unknown[]).length,
  deleteObjects: (args) => (args[0] as unknown[]).length,
  listWorkloads: () => 3,
};

/** Cluster connections that count the Kubernetes requests their clients send. */
export function countingConnections(
  connections: ClusterConnections,
  counter: Pick<RequestCounter, 'kube'>,
): ClusterConnections {
  return {
    forget: connections.forget,
    async get(id) {
      const cluster = await connections.get(id);
      return new Proxy(cluster, {
        get(target, name: keyof KubeCluster) {
          const method = target[name];
          if (typeof method !== 'function' || name === 'close') return method;
          return (...args: unknown[]) => {
            counter.kube += REQUESTS[name]?.(args) ?? 1;
            return (method as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    },
  };
}

/** A core context on a fresh table of DynamoDB Local whose client counts the requests it sends. */
export async function countingContext(
  endpoint: string,
  tableName: string,
  counter: RequestCounter,
): Promise<{ ctx: CoreContext; destroy(): void }> {
  const raw = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  await ensureTable(raw, tableName);
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
      tableName,
    }),
    secrets: createSecretBox(randomBytes(32)),
    now: () => new Date(),
    newId: () => randomBytes(9).toString('hex'),
  };
  return { ctx, destroy: () => raw.destroy() };
}
