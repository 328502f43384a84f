import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The one table's shape. `functions/local/ensure-table.ts` creates it from
 * this definition and a test checks that `sst.config.ts` declares the same
 * keys, stream and TTL attribute. There is no secondary index: every access
 * pattern is a key or a Query of one partition (see `keys.ts`), and look-ups
 * by another attribute get an item of their own, written in the same
 * transaction, so they read strongly consistent.
 */
export const tableShape = {
  partitionKey: 'pk',
  sortKey: 'sk',
  stream: 'NEW_AND_OLD_IMAGES',
  ttlAttribute: 'expiresAt',
} as const;

export function createTableInput(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, stream } = tableShape;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [partitionKey, sortKey].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    StreamSpecification: { StreamEnabled: true, StreamViewType: stream },
  };
}
