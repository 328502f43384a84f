import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

/** The part of a DynamoDB stream record the workers read (the Lambda event and GetRecords share it). */
export type StreamRecord = {
  eventName?: 'INSERT' | 'MODIFY' | 'REMOVE' | string;
  dynamodb?: {
    NewImage?: Record<string, AttributeValue>;
    OldImage?: Record<string, AttributeValue>;
  };
};

export type ItemChange = {
  event: 'INSERT' | 'MODIFY' | 'REMOVE';
  newItem: Record<string, unknown> | undefined;
  oldItem: Record<string, unknown> | undefined;
};

export function toItemChange(record: StreamRecord): ItemChange | undefined {
  const event = record.eventName;
  if (event !== 'INSERT' && event !== 'MODIFY' && event !== 'REMOVE') return undefined;
  const image = (value: Record<string, AttributeValue> | undefined) => (value ? unmarshall(value) : undefined);
  return { event, newItem: image(record.dynamodb?.NewImage), oldItem: image(record.dynamodb?.OldImage) };
}
