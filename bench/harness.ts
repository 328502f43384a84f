import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import type { Principal } from '../core/auth/schemas.ts';
import { createClusterConnections } from '../core/cluster/connections.ts';
import type { ClusterConnections, KubeCluster } from '../core/cluster/gateway.ts';
import { createKubeCluster } from '../core/cluster/kube-cluster.ts';
import { loadKubeconfig } from '../core/clusters/cluster-item.ts';
import { registerCluster } from '../core/clusters/register-cluster.ts';
import type { CoreContext } from '../core/context.ts';
import { createSecretBox } from '../core/crypto/secret-box.ts';
import { createProject } from '../core/projects/manage-projects.ts';
import { registerRegistry } from '../core/registries/register-registry.ts';
import { RegisterRegistryInput } from '../core/registries/schemas.ts';
import { createRawService } from '../core/services/create-service.ts';
import { createDynamoStore } from '../core/store/dynamo-store.ts';
import { startDynamoDbLocal } from '../functions/local/dynamodb-local.ts';
import { ensureTable } from '../functions/local/ensure-table.ts';
import { startLocalCluster } from '../scripts/local-cluster.ts';

export const admin: Principal = { tokenId: 'bench', name: 'bench', role: 'admin', projects: undefined };

/** What one stretch of work cost the table: requests (by command) and items the queries read. */
export type DynamoCounter = { requests: number; byCommand: Record<string, number>; scanned: number; reset(): void };

export type BenchDynamo = {
  endpoint: string;
  raw: DynamoDBClient;
  client: DynamoDBDocumentClient;
  ctx: CoreContext;
  counter: DynamoCounter;
  tableName: string;
  streamArn: string;
  /** Another context on the same table and secrets, with a client and a counter of its own (a second function). */
  anotherContext(): { ctx: CoreContext; counter: DynamoCounter };
  stop(): Promise<void>;
};

/**
 * DynamoDB Local with one table, and a client that counts every request it
 * sends (a client middleware, so retries and pages all count) and the items
 * each Query read (ScannedCount).
 */
export async function startBenchDynamo(tableName = 'bench'): Promise<BenchDynamo> {
  const local = await startDynamoDbLocal();
  const secrets = createSecretBox(randomBytes(32));
  const clients: DynamoDBClient[] = [];
  const countedContext = () => {
    const raw = countingClient(local.endpoint);
    clients.push(raw.client);
    const client = DynamoDBDocumentClient.from(raw.client, { marshallOptions: { removeUndefinedValues: true } });
    const ctx: CoreContext = {
      store: createDynamoStore({ client, tableName }),
      secrets,
      now: () => new Date(),
      newId: () => randomBytes(9).toString('hex'),
    };
    return { raw: raw.client, client, ctx, counter: raw.counter };
  };
  const first = countedContext();
  const { streamArn } = await ensureTable(first.raw, tableName);
  first.counter.reset();
  return {
    endpoint: local.endpoint,
    ...first,
    tableName,
    streamArn,
    anotherContext: () => {
      const { ctx, counter } = countedContext();
      return { ctx, counter };
    },
    async stop() {
      for (const client of clients) client.destroy();
      await local.stop();
    },
  };
}

function countingClient(endpoint: string): { client: DynamoDBClient; counter: DynamoCounter } {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const counter: DynamoCounter = {
    requests: 0,
    byCommand: {},
    scanned: 0,
    reset() {
      counter.requests = 0;
      counter.byCommand = {};
      counter.scanned = 0;
    },
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      counter.requests++;
      counter.byCommand[context.commandName ?? '?'] = (counter.byCommand[context.commandName ?? '?'] ?? 0) + 1;
      const result = await next(args);
      const scanned = (result.output as { ScannedCount?: number }).ScannedCount;
      if (typeof scanned === 'number') counter.scanned += scanned;
      return result;
    },
    { step: 'initialize', name: 'benchCountRequests' },
  );
  return { client, counter };
}

/**
 * The cluster the bench runs against: `BERTH_BENCH_KUBECONFIG` names a
 * running one (the shared control plane), else the local control plane under
 * `BERTH_DATA_DIR` (default `.berth`) is started or reused.
 */
export async function benchKubeconfig(): Promise<string> {
  const file = process.env['BERTH_BENCH_KUBECONFIG'];
  if (file) return readFileSync(file, 'utf8');
  const plane = await startLocalCluster({ dataDir: resolve(process.env['BERTH_DATA_DIR'] ?? '.berth') });
  return plane.kubeconfig;
}

export const BENCH_CLUSTER = 'local';
export const BENCH_PROJECT = 'bench';

/** Cluster clients as the worker and the functions build them: one cached, pooled client per cluster. */
export function benchConnections(ctx: CoreContext): ClusterConnections {
  return createClusterConnections({
    loadKubeconfig: (id) => loadKubeconfig(ctx, id),
    connect: (kubeconfig) => createKubeCluster(kubeconfig, { timeoutMs: 60_000 }),
  });
}

/** A service of one Deployment and one Service, its replica count a variable. */
export const serviceYaml = (name: string, image = 'app:1.0') =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}}\nspec:\n  replicas: {{.replicas}}\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec: {containers: [{name: main, image: "${image}"}]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec: {selector: {app: ${name}}, ports: [{port: 80}]}\n`;

/** The cluster, a registry without credentials and a project of `services` services (`svc-0`, ...). */
export async function seedWorld(ctx: CoreContext, kubeconfig: string, services: number): Promise<void> {
  await registerCluster({ ctx, input: { id: BENCH_CLUSTER, name: 'local', labels: {}, kubeconfig } });
  await registerRegistry({
    ctx,
    input: v.parse(RegisterRegistryInput, { id: 'hub', address: 'registry.example.com', namespace: 'bench' }),
  });
  await createProject({
    ctx,
    principal: admin,
    input: { key: BENCH_PROJECT, name: 'bench', description: '', isPublic: false, type: 'yaml' },
  });
  for (let index = 0; index < services; index++) {
    await createRawService({
      ctx,
      principal: admin,
      scope: 'test',
      projectKey: BENCH_PROJECT,
      input: {
        name: `svc-${index}`,
        yaml: serviceYaml(`svc-${index}`),
        variables: [{ key: 'replicas', value: '1', type: 'string', options: [], desc: '' }],
      },
    });
  }
}

/** The env services of `count` project services, each with `replicas` replicas. */
export const envServicesOf = (count: number, replicas: number) =>
  Array.from({ length: count }, (_, index) => ({
    name: `svc-${index}`,
    containers: [],
    variables: [{ key: 'replicas', value: String(replicas), useGlobalVariable: false }],
  }));

export const uniqueSuffix = () => randomBytes(3).toString('hex');

/** An ote-stack image application as `POST /v1/app` takes it: one container on port 8080, no autoscaling. */
export const oteAppBody = (fields: { appName: string; version: string; replicas: number; projectName?: string }) => ({
  ...fields,
  deployType: 'deployment',
  image: `app:${fields.version}`,
  port: [{ port: 8080 }],
  minCPU: 1,
  maxCPU: 10,
  isHPA: false,
  targetCPUUtilization: 0,
  targetMemUtilization: 0,
  minMemory: 16,
  maxMemory: 64,
  maxUnavailable: 1,
  maxSurge: 1,
  minReadySeconds: 0,
});

/** Deletes the namespaces a piece created, whatever happened. */
export async function deleteNamespaces(kubeconfig: string, namespaces: readonly string[]): Promise<void> {
  const cluster: KubeCluster = createKubeCluster(kubeconfig, { timeoutMs: 60_000 });
  try {
    for (const namespace of namespaces) await cluster.deleteNamespace(namespace);
  } finally {
    await cluster.close();
  }
}
