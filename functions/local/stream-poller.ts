import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
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
 * appear. A failing batch is logged and retried, as Lambda would.
 */
export function startStreamPoller({
  client,
  streamArn,
  onRecords,
  onError,
  intervalMs = 250,
}: {
  client: DynamoDBStreamsClient;
  streamArn: string;
  onRecords: (records: StreamRecord[]) => Promise<void>;
  onError: (error: unknown) => void;
  intervalMs?: number;
}): Promise<StreamPoller> {
  const iterators = new Map<string, string | undefined>();
  const known = new Set<string>();
  let stopped = false;

  async function discoverShards(initial: boolean): Promise<void> {
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await client.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ...(exclusiveStartShardId ? { ExclusiveStartShardId: exclusiveStartShardId } : {}) }),
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
        new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: initial ? 'LATEST' : 'TRIM_HORIZON' }),
      );
      iterators.set(shard.ShardId, ShardIterator);
    }
  }

  async function pollOnce(): Promise<void> {
    await discoverShards(false);
    for (const [shardId, iterator] of iterators) {
      if (!iterator) continue;
      const { Records = [], NextShardIterator } = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
      if (Records.length > 0) await onRecords(Records as StreamRecord[]);
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
