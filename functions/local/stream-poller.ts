import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { StreamRecord } from '../worker/stream.ts';

export type StreamPoller = { stop(): Promise<void> };

/** Per shard, the sequence number of the last record fully handled, for one stream. */
type Checkpoint = { streamArn: string; shards: Record<string, string> };

/**
 * Reads the table's stream the way Lambda's event source mapping does, and
 * hands each batch to the worker. New shards (DynamoDB rolls them over) are
 * picked up as they appear. A failing batch is retried a few times, as Lambda
 * would, then reported and skipped, so one poison record cannot stall the
 * shard forever.
 *
 * With a `checkpointFile`, the poller resumes where it left off, as the event
 * source mapping does from its checkpoint: each shard after the last record
 * fully handled (a batch cut short by the process dying is handled again), a
 * shard born from one it followed from its start. Without one, or for a stream
 * it has no checkpoint of, shards are followed from the moment it starts.
 */
export function startStreamPoller({
  client,
  streamArn,
  onRecords,
  onError,
  intervalMs = 250,
  maxAttempts = 3,
  checkpointFile,
}: {
  client: DynamoDBStreamsClient;
  streamArn: string;
  onRecords: (records: StreamRecord[]) => Promise<void>;
  onError: (error: unknown) => void;
  intervalMs?: number;
  maxAttempts?: number;
  /** Where the checkpoint is kept (not in the table: writing there would feed the stream again). */
  checkpointFile?: string;
}): Promise<StreamPoller> {
  const iterators = new Map<string, string | undefined>();
  const known = new Set<string>();
  const attempts = new Map<string, number>();
  let stopped = false;
  let checkpoint: Record<string, string> = {};

  async function loadCheckpoint(): Promise<void> {
    if (!checkpointFile) return;
    const text = await readFile(checkpointFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    const saved = text === undefined ? undefined : (JSON.parse(text) as Checkpoint);
    // Another stream (the table was recreated) shares no shard with this one: start afresh.
    if (saved?.streamArn === streamArn) checkpoint = saved.shards;
  }

  async function saveCheckpoint(): Promise<void> {
    if (!checkpointFile) return;
    // Written whole then renamed, so a process killed mid-write leaves the previous checkpoint, never half a file.
    const partial = `${checkpointFile}.partial`;
    await mkdir(dirname(checkpointFile), { recursive: true });
    await writeFile(partial, JSON.stringify({ streamArn, shards: checkpoint } satisfies Checkpoint));
    await rename(partial, checkpointFile);
  }

  async function iteratorFor(shardId: string, type: ShardIteratorType): Promise<string | undefined> {
    const afterCheckpoint = type === 'AFTER_SEQUENCE_NUMBER' ? { SequenceNumber: checkpoint[shardId] } : {};
    try {
      const { ShardIterator } = await client.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ShardIteratorType: type,
          ...afterCheckpoint,
        }),
      );
      return ShardIterator;
    } catch (error) {
      // Records older than the stream keeps (24 h) are gone: resume from the oldest one left.
      if (type === 'AFTER_SEQUENCE_NUMBER' && (error as Error).name === 'TrimmedDataAccessException')
        return iteratorFor(shardId, 'TRIM_HORIZON');
      throw error;
    }
  }

  /**
   * Where a shard is read from when the poller starts: after its checkpoint; from its start when the poller followed
   * its parent (its records came after the parent's); else from now on, and only while it is open.
   */
  function startingPoint(shard: Shard, followed: Set<string>): ShardIteratorType | undefined {
    if (shard.ShardId && checkpoint[shard.ShardId] !== undefined) return 'AFTER_SEQUENCE_NUMBER';
    if (shard.ParentShardId && followed.has(shard.ParentShardId)) return 'TRIM_HORIZON';
    return shard.SequenceNumberRange?.EndingSequenceNumber === undefined ? 'LATEST' : undefined;
  }

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
    if (initial) {
      // Shards the stream no longer lists are trimmed away: their checkpoints would only grow the file.
      const listed = new Set(shards.map((shard) => shard.ShardId));
      checkpoint = Object.fromEntries(Object.entries(checkpoint).filter(([shardId]) => listed.has(shardId)));
    }
    // DescribeStream lists a parent before its children, so a chain of shards is followed link by link.
    const followed = new Set(Object.keys(checkpoint));
    for (const shard of shards) {
      if (!shard.ShardId || known.has(shard.ShardId)) continue;
      known.add(shard.ShardId);
      // Shards born after the start are read from their start.
      const type = initial ? startingPoint(shard, followed) : 'TRIM_HORIZON';
      if (!type) continue;
      followed.add(shard.ShardId);
      iterators.set(shard.ShardId, await iteratorFor(shard.ShardId, type));
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
        const last = Records.at(-1)?.dynamodb?.SequenceNumber;
        if (last) {
          checkpoint[shardId] = last;
          await saveCheckpoint();
        }
      }
      iterators.set(shardId, NextShardIterator);
    }
  }

  let loop: Promise<void> = Promise.resolve();
  return loadCheckpoint()
    .then(() => discoverShards(true))
    .then(() => {
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
