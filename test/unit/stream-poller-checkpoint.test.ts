import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startStreamPoller } from '../../functions/local/stream-poller.ts';

const STREAM = 'arn:aws:dynamodb:local:000000000000:table/berth/stream/1';
const open = (id: string, parent?: string): Shard => ({
  ShardId: id,
  ...(parent ? { ParentShardId: parent } : {}),
  SequenceNumberRange: { StartingSequenceNumber: '1' },
});
const closed = (id: string, parent?: string): Shard => ({
  ...open(id, parent),
  SequenceNumberRange: { StartingSequenceNumber: '1', EndingSequenceNumber: '9' },
});

/** A stream of the given shards whose first read of each shard returns `records[shard]`; it records where each shard was read from. */
function fakeStreams(shards: Shard[], records: Record<string, string[]> = {}) {
  const startedAt: Record<string, string> = {};
  const client = {
    async send(command: unknown) {
      if (command instanceof DescribeStreamCommand) return { StreamDescription: { Shards: shards } };
      if (command instanceof GetShardIteratorCommand) {
        const { ShardId = '', ShardIteratorType, SequenceNumber } = command.input;
        startedAt[ShardId] = SequenceNumber ? `${ShardIteratorType} ${SequenceNumber}` : String(ShardIteratorType);
        return { ShardIterator: `${ShardId}/first` };
      }
      if (command instanceof GetRecordsCommand) {
        const [shardId, position] = String(command.input.ShardIterator).split('/');
        const sequenceNumbers = position === 'first' ? (records[shardId!] ?? []) : [];
        return {
          Records: sequenceNumbers.map((SequenceNumber) => ({ eventName: 'INSERT', dynamodb: { SequenceNumber } })),
          NextShardIterator: `${shardId}/next`,
        };
      }
      throw new Error(`unexpected command ${String(command)}`);
    },
  } as unknown as DynamoDBStreamsClient;
  return { client, startedAt };
}

describe('the stream poller’s checkpoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-poller-'));
  const checkpointFile = join(dir, 'stream-checkpoint.json');
  const save = (streamArn: string, shards: Record<string, string>) =>
    writeFileSync(checkpointFile, JSON.stringify({ streamArn, shards }));
  const start = (client: DynamoDBStreamsClient, onRecords = async () => undefined) =>
    startStreamPoller({
      client,
      streamArn: STREAM,
      checkpointFile,
      intervalMs: 10,
      onRecords,
      onError: () => undefined,
    });
  afterEach(() => rmSync(checkpointFile, { force: true }));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resumes each shard after its checkpoint, a child of a followed shard from its start, others from now on', async () => {
    save(STREAM, { a: '40', gone: '7' });
    const { client, startedAt } = fakeStreams([
      closed('a'),
      closed('b', 'a'),
      open('c', 'b'),
      closed('old'),
      open('fresh', 'old'),
    ]);
    await (await start(client)).stop();
    expect(startedAt).toEqual({
      a: 'AFTER_SEQUENCE_NUMBER 40',
      b: 'TRIM_HORIZON',
      c: 'TRIM_HORIZON',
      fresh: 'LATEST',
    });
  });

  it('starts from now on when the checkpoint is another stream’s (the table was made again)', async () => {
    save(`${STREAM}-before`, { a: '40' });
    const { client, startedAt } = fakeStreams([open('a')]);
    await (await start(client)).stop();
    expect(startedAt).toEqual({ a: 'LATEST' });
  });

  it('writes the last sequence number of each handled batch, and drops shards the stream no longer lists', async () => {
    save(STREAM, { gone: '7' });
    const { client } = fakeStreams([open('a')], { a: ['11', '12'] });
    let handled = 0;
    const poller = await start(client, async () => {
      handled += 1;
    });
    await expect.poll(() => handled).toBe(1);
    await poller.stop();
    expect(JSON.parse(readFileSync(checkpointFile, 'utf8'))).toEqual({ streamArn: STREAM, shards: { a: '12' } });
  });

  it('writes nothing when the batch fails, so the batch is handled again after a restart', async () => {
    const { client } = fakeStreams([open('a')], { a: ['11'] });
    let tried = 0;
    const poller = await start(client, async () => {
      tried += 1;
      throw new Error('killed');
    });
    await expect.poll(() => tried).toBe(1);
    await poller.stop();
    expect(() => readFileSync(checkpointFile)).toThrow(/ENOENT/);
  });
});
