import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { ClusterConnections } from '../core/cluster/gateway.ts';
import type { CoreContext } from '../core/context.ts';
import { startStreamPoller } from '../functions/local/stream-poller.ts';
import { handleRecords } from '../functions/worker/handle-records.ts';

/** How long the stream must stay empty, with nothing being handled, for the worker to count as done. */
const QUIET_MS = 400;

export type BenchWorker = {
  /** Resolves once the worker has handled every record so far and the records its own writes made. */
  settle(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * The stream worker on the bench's table, as the local server runs it (the
 * records of every change, in order, handed to `handleRecords`), on its own
 * context so its DynamoDB requests are counted apart from the functions'.
 */
export async function startBenchWorker({
  endpoint,
  streamArn,
  ctx,
  connections,
}: {
  endpoint: string;
  streamArn: string;
  ctx: CoreContext;
  connections: ClusterConnections;
}): Promise<BenchWorker> {
  const client = new DynamoDBStreamsClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  let handling = 0;
  let lastActivity = performance.now();
  const errors: string[] = [];
  const poller = await startStreamPoller({
    client,
    streamArn,
    intervalMs: 25,
    maxAttempts: 1,
    onRecords: async (records) => {
      handling++;
      lastActivity = performance.now();
      try {
        await handleRecords(records, { ctx, connections, outbound: { allowLoopback: true } });
      } finally {
        handling--;
        lastActivity = performance.now();
      }
    },
    onError: (error) => errors.push(String(error)),
  });
  return {
    async settle() {
      lastActivity = Math.max(lastActivity, performance.now());
      while (handling > 0 || performance.now() - lastActivity < QUIET_MS)
        await new Promise((resolve) => setTimeout(resolve, 25));
      if (errors.length > 0) throw new Error(`the stream worker failed: ${errors.splice(0).join('; ')}`);
    },
    async stop() {
      await poller.stop();
      client.destroy();
    },
  };
}
