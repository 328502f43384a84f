import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { StreamRecord } from '../worker/stream.ts';

export type StreamPoller = { stop(): Promise<void> };

/**
 * Reads the table's stream the way Lambda's event source mapping does, and
 * hands each batch to the worker. Shards are followed from the moment the
 * poller starts; new shards (DynamoDB rolls them over) are picked up as they
 * appear. A failing batch is retried a few times, as Lambda would, then
 * reported and skipped, so one poison record cannot stall the shard forever.
 */
export function startStreamPoller({
  client,
  streamArn,
  onRecords,
  onError,
  intervalMs = 250,
  maxAttempts = 3,
}: {
  client: DynamoDBStreamsClient;
  streamArn: string;
  onRecords: (records: StreamRecord[]) => Promise<void>;
  onError: (error: unknown) => void;
  intervalMs?: number;
  maxAttempts?: number;
}): Promise<StreamPoller> {
  const iterators = new Map<string, string | undefined>();
  const known = new Set<string>();
  const attempts = new Map<string, number>();
  let stopped = false;

  async function discoverShards(initial: boolean): Promise<void> {
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await client.send(
        new DescribeStreamCommand({
          StreamArn: streamArn,
          ...(exclusiveStartShardId ? { ExclusiveStartShardId: exclusiveStartShardId } : {}),
        }),
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    for (const shard of shards) {
      if (!shard.ShardId || known.has(shard.ShardId)) continue;
      known.add(shard.ShardId);
      const open = shard.SequenceNumberRange?.EndingSequenceNumber === undefined;
      // At start only open shards matter, read from now on; shards born later are read from their start.
      if (initial && !open) continue;
      const { ShardIterator } = await client.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: initial ? 'LATEST' : 'TRIM_HORIZON',
        }),
      );
      iterators.set(shard.ShardId, ShardIterator);
    }
  }

  async function pollOnce(): Promise<void> {
    await discoverShards(false);
    for (const [shardId, iterator] of iterators) {
      if (!iterator) continue;
      const { Records = [], NextShardIterator } = await client.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }),
      );
      if (Records.length > 0) {
        try {
          await onRecords(Records as StreamRecord[]);
        } catch (error) {
          const attempt = (attempts.get(iterator) ?? 0) + 1;
          if (attempt < maxAttempts) {
            attempts.set(iterator, attempt);
            throw error;
          }
          onError(
            new Error(`skipped ${Records.length} stream records after ${attempt} failed attempts: ${String(error)}`),
          );
        }
        attempts.delete(iterator);
      }
      iterators.set(shardId, NextShardIterator);
    }
  }

  let loop: Promise<void> = Promise.resolve();
  return discoverShards(true).then(() => {
    loop = (async () => {
      while (!stopped) {
        try {
          await pollOnce();
        } catch (error) {
          onError(error);
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    })();
    return {
      async stop() {
        stopped = true;
        await loop;
      },
    };
  });
}
