import { describe, expect, it } from 'vitest';
import { toItemChange } from '../../functions/worker/stream.ts';

describe('stream records', () => {
  it('decodes images, including empty maps the Streams client leaves untagged', () => {
    const change = toItemChange({
      eventName: 'MODIFY',
      dynamodb: {
        NewImage: {
          id: { S: 'a' },
          labels: {} as never,
          nested: { M: { inner: {} as never } },
          list: { L: [{} as never, { N: '1' }] },
          gone: { NULL: true },
        },
        OldImage: { id: { S: 'a' } },
      },
    });
    expect(change).toEqual({
      event: 'MODIFY',
      newItem: { id: 'a', labels: {}, nested: { inner: {} }, list: [{}, 1], gone: null },
      oldItem: { id: 'a' },
    });
  });

  it('ignores records that are not item changes', () => {
    expect(toItemChange({ eventName: 'SOMETHING_ELSE' })).toBeUndefined();
  });
});
