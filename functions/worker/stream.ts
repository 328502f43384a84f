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
  const image = (value: Record<string, AttributeValue> | undefined) =>
    value ? unmarshall(withTypedEmptyMaps(value)) : undefined;
  return { event, newItem: image(record.dynamodb?.NewImage), oldItem: image(record.dynamodb?.OldImage) };
}

/**
 * The Streams client decodes an empty map attribute as `{}`, with no type
 * tag, which `unmarshall` rejects ("No value defined"). Every untagged value
 * in a stream image is such a map.
 */
function withTypedEmptyMaps(image: Record<string, AttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, typed(value)]));
}

function typed(value: AttributeValue): AttributeValue {
  if (Object.keys(value).length === 0) return { M: {} };
  if (value.M) return { M: withTypedEmptyMaps(value.M) };
  if (value.L) return { L: value.L.map(typed) };
  return value;
}
