import { randomBytes, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { ensureTable } from '../../functions/local/ensure-table.ts';
import { createGroupApps } from '../../functions/local/group-apps.ts';
import { startStreamPoller, type StreamPoller } from '../../functions/local/stream-poller.ts';
import type { LogLine } from '../../functions/http/request-log.ts';
import { createConnections } from '../../functions/runtime/cluster.ts';
import { loadConfig } from '../../functions/runtime/config.ts';
import { createAuthenticator, createCoreContext } from '../../functions/runtime/core-context.ts';
import { runScheduledJobs } from '../../functions/scheduled/run-scheduled.ts';
import { lazyHelm } from '../../functions/runtime/helm.ts';
import { handleRecords } from '../../functions/worker/handle-records.ts';
import { adminRoutes } from '../../functions/admin/routes.ts';
import { callRoute, type RouteRequest } from './http.ts';
import { stringAt } from './json.ts';

type GroupAppOverrides = Partial<Pick<Parameters<typeof createGroupApps>[0], 'connections' | 'logStream'>>;

export const ADMIN_TOKEN = `test-admin-${randomBytes(12).toString('hex')}`;

/**
 * A Berth wired as the local server wires it, on a table of its own in the
 * shared DynamoDB Local (or the one at `dynamoEndpoint`), so test files never see each other's data. `logs`
 * collects every request log line the apps write.
 */
export async function createHarness({
  clusterTimeoutMs = 5000,
  dynamoEndpoint,
}: {
  clusterTimeoutMs?: number;
  dynamoEndpoint?: string;
} = {}) {
  const endpoint = dynamoEndpoint ?? inject('dynamoEndpoint');
  const tableName = `berth-test-${randomUUID()}`;
  const dynamo = new DynamoDBClient({ endpoint });
  const { streamArn } = await ensureTable(dynamo, tableName);
  const config = loadConfig({
    BERTH_TABLE: tableName,
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: 'local',
    BERTH_ADMIN_TOKEN: ADMIN_TOKEN,
    BERTH_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    BERTH_CLUSTER_TIMEOUT_MS: String(clusterTimeoutMs),
    BERTH_LOCAL_MODE: 'true',
  });
  const ctx = { ...createCoreContext(config), helm: lazyHelm() };
  const connections = createConnections(ctx, config);
  const authenticate = createAuthenticator(ctx, config);
  const logs: Array<Record<string, unknown>> = [];
  const log: LogLine = (entry) => logs.push(entry);
  const groupApps = (overrides: GroupAppOverrides = {}) =>
    createGroupApps({ ctx, connections, authenticate, config, log, ...overrides });
  const apps = groupApps();
  const raw = DynamoDBDocumentClient.from(dynamo);
  let poller: StreamPoller | undefined;

  return {
    ctx,
    config,
    connections,
    apps,
    /**
     * The group apps again, on this table and logging to `logs`, with some of
     * their dependencies replaced (a cluster that plays a log, shorter log-stream limits).
     */
    appsWith: groupApps,
    logs,
    /** The item exactly as stored, to check what is (not) in the table. */
    rawItem: async (key: { pk: string; sk: string }) =>
      (await raw.send(new GetCommand({ TableName: tableName, Key: key }))).Item,
    /** One run of the jobs the deployed cron and the local server's timer run every minute. */
    runScheduledJobs: () => runScheduledJobs({ ctx, connections, log }),
    /**
     * Runs the stream workers on this table, as the local server does: with other cluster connections, if given,
     * outbound webhook retries waiting `retryDelaysMs`, and the stream checkpoint kept in `checkpointFile`, if given.
     * Started again, the new workers take the place of the last ones (which are left as they are, as a killed
     * process leaves its work).
     */
    async startWorkers({
      connections: workerConnections = connections,
      retryDelaysMs,
      checkpointFile,
    }: {
      connections?: typeof connections;
      retryDelaysMs?: number[];
      checkpointFile?: string;
    } = {}) {
      const streams = new DynamoDBStreamsClient({ endpoint });
      poller = await startStreamPoller({
        client: streams,
        streamArn,
        intervalMs: 100,
        checkpointFile,
        onRecords: (records) =>
          handleRecords(records, {
            ctx,
            connections: workerConnections,
            outbound: { allowLoopback: config.localMode, ...(retryDelaysMs ? { retryDelaysMs } : {}) },
          }),
        onError: (error) => logs.push({ level: 'error', msg: 'worker', detail: String(error) }),
      });
    },
    async close() {
      await poller?.stop();
      dynamo.destroy();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;

/** A new API token's clear value, minted by the admin through the admin group. */
export async function mintToken(berth: Harness, input: RouteRequest<typeof adminRoutes.createToken>['json']) {
  const minted = await callRoute(berth.apps.admin, adminRoutes.createToken, { token: ADMIN_TOKEN, json: input });
  return stringAt(minted.json, 'token');
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  { timeoutMs = 20_000, intervalMs = 150 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
