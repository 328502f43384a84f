import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { groupFor } from '../groups.ts';
import type { BerthEnv } from '../http/env.ts';
import { jsonLogLine, requestLog, type LogLine } from '../http/request-log.ts';
import { createConnections } from '../runtime/cluster.ts';
import { loadConfig } from '../runtime/config.ts';
import { createAuthenticator, createCoreContext } from '../runtime/core-context.ts';
import { lazyHelm } from '../runtime/helm.ts';
import { handleRecords } from '../worker/handle-records.ts';
import { startDynamoDbLocal } from './dynamodb-local.ts';
import { ensureTable } from './ensure-table.ts';
import { createGroupApps } from './group-apps.ts';
import { exportCurrentContext } from './kubeconfig-file.ts';
import { localSecrets } from './local-secrets.ts';
import { runScheduledJobs } from '../scheduled/run-scheduled.ts';
import { registerDefaultCluster } from './register-default-cluster.ts';
import { startScheduler } from './scheduler.ts';
import { startStreamPoller } from './stream-poller.ts';

export type LocalBerth = { url: string; adminToken: string; dataDir: string; notes: string[]; stop(): Promise<void> };

/**
 * Berth on one port, as deployed: every group at its deployed paths, the
 * table on DynamoDB Local (or `DYNAMODB_ENDPOINT`), and the stream workers fed
 * from the table's stream.
 */
export async function startLocalBerth(
  env: Record<string, string | undefined>,
  log: LogLine = jsonLogLine,
): Promise<LocalBerth> {
  const dataDir = resolve(env['BERTH_DATA_DIR'] ?? '.berth');
  const secrets = localSecrets(dataDir, env);
  const notes: string[] = [];
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const stopOne of stops.reverse())
      await stopOne().catch((error: unknown) => log({ level: 'warn', msg: 'stop failed', detail: String(error) }));
  };

  try {
    let endpoint = env['DYNAMODB_ENDPOINT'];
    const usesDynamoDbLocal = !endpoint;
    if (!endpoint) {
      const dynamo = await startDynamoDbLocal({ dbPath: join(dataDir, 'dynamodb') });
      stops.push(dynamo.stop);
      endpoint = dynamo.endpoint;
    }
    // DynamoDB Local accepts any credentials; the SDK still insists on having some.
    const localCredentials = usesDynamoDbLocal ? { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' } : {};
    Object.assign(process.env, localCredentials);
    const config = loadConfig({
      BERTH_TABLE: 'berth',
      BERTH_LOCAL_MODE: 'true',
      AWS_REGION: usesDynamoDbLocal ? 'local' : undefined,
      ...env,
      DYNAMODB_ENDPOINT: endpoint,
      BERTH_ADMIN_TOKEN: secrets.adminToken,
      BERTH_ENCRYPTION_KEY: secrets.encryptionKey,
    });
    const awsClientConfig = { endpoint, ...(config.region ? { region: config.region } : {}) };

    const dynamoClient = new DynamoDBClient(awsClientConfig);
    const { created, streamArn } = await ensureTable(dynamoClient, config.tableName);
    dynamoClient.destroy();
    notes.push(created ? `created table ${config.tableName}` : `using table ${config.tableName}`);

    const ctx = { ...createCoreContext(config), helm: lazyHelm() };
    const connections = createConnections(ctx, config);
    const authenticate = createAuthenticator(ctx, config);

    const streams = new DynamoDBStreamsClient(awsClientConfig);
    const poller = await startStreamPoller({
      client: streams,
      streamArn,
      checkpointFile: join(dataDir, 'stream-checkpoint.json'),
      onRecords: (records) =>
        handleRecords(records, { ctx, connections, outbound: { allowLoopback: config.localMode } }),
      onError: (error) =>
        log({ level: 'error', msg: 'stream worker failed; the batch will be retried', detail: String(error) }),
    });
    stops.push(async () => {
      await poller.stop();
      streams.destroy();
    });

    // What the deployed cron runs every minute (expired V-Kube orders); DynamoDB Local has no TTL to lean on.
    const scheduleMs = Number(env['BERTH_SCHEDULE_INTERVAL_MS'] ?? 60_000);
    const scheduler = startScheduler({
      intervalMs: scheduleMs,
      job: () => runScheduledJobs({ ctx, connections, log }),
      onError: (error) => log({ level: 'error', msg: 'scheduled jobs failed', detail: String(error) }),
    });
    stops.push(() => scheduler.stop());
    notes.push(`scheduled jobs every ${scheduleMs / 1000} s`);

    const kubeconfigPath = env['KUBECONFIG'] ?? join(dataDir, 'cluster', 'kubeconfig');
    if (existsSync(kubeconfigPath)) {
      try {
        const outcome = await registerDefaultCluster({
          ctx,
          connections,
          kubeconfig: exportCurrentContext(kubeconfigPath),
          name: env['KUBECONFIG'] ? 'KUBECONFIG' : 'local',
        });
        notes.push(`cluster "default" ${outcome} from ${kubeconfigPath}`);
      } catch (error) {
        notes.push(`cluster "default" not registered from ${kubeconfigPath}: ${(error as Error).message}`);
      }
    } else {
      notes.push('no cluster registered: set KUBECONFIG, or run `npm run cluster up` and start again');
    }

    const apps = createGroupApps({ ctx, connections, authenticate, config, log });
    const router = new Hono<BerthEnv>();
    // Not a group's route: it gets its request id (and log line) here, as every response must.
    router.get('/healthz', requestLog(log), (c) => c.json({ status: 'ok' }));
    router.all('*', (c) => {
      const group = groupFor(c.req.path);
      return group ? apps[group].fetch(c.req.raw) : apps.admin.fetch(c.req.raw);
    });
    const server = await new Promise<ReturnType<typeof serve>>((resolveServer) => {
      const started = serve(
        { fetch: router.fetch, port: Number(env['PORT'] ?? 3000), hostname: env['HOST'] ?? '127.0.0.1' },
        () => resolveServer(started),
      );
    });
    stops.push(() => new Promise((resolveClose) => server.close(() => resolveClose())));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, adminToken: secrets.adminToken, dataDir, notes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
