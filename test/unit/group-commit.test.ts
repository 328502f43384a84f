import { describe, expect, it } from 'vitest';
import { groupCommit } from '../../core/concurrency.ts';

/** A send the test ends by hand, so what is in flight at each moment is known. */
function heldSends() {
  const batches: number[][] = [];
  const endings: Array<(error?: Error) => void> = [];
  const send = (batch: number[]) =>
    new Promise<void>((resolve, reject) => {
      batches.push(batch);
      endings.push((error) => (error ? reject(error) : resolve()));
    });
  return { batches, endings, send };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('groupCommit', () => {
  it('sends at once while a slot is free, and groups what came meanwhile into the next send', async () => {
    const { batches, endings, send } = heldSends();
    const commit = groupCommit({ maxInFlight: 2, takeBatch: (waiting: number[]) => waiting.splice(0, 3), send });
    commit.add(1);
    commit.add(2);
    for (const item of [3, 4, 5, 6]) commit.add(item);
    expect(batches).toEqual([[1], [2]]);

    endings[0]!();
    await settle();
    expect(batches).toEqual([[1], [2], [3, 4, 5]]);
    endings[1]!();
    await settle();
    expect(batches).toEqual([[1], [2], [3, 4, 5], [6]]);

    let finished = false;
    const finishing = commit.finish().then(() => (finished = true));
    await settle();
    expect(finished).toBe(false);
    endings[2]!();
    endings[3]!();
    await finishing;
    expect(finished).toBe(true);
  });

  it('waits in finish for sends that start while it waits', async () => {
    const { batches, endings, send } = heldSends();
    const commit = groupCommit({ maxInFlight: 1, takeBatch: (waiting: number[]) => waiting.splice(0, 1), send });
    for (const item of [1, 2, 3]) commit.add(item);
    let finished = false;
    const finishing = commit.finish().then(() => (finished = true));
    for (let index = 0; index < 3; index++) {
      await settle();
      expect(finished).toBe(false);
      endings[index]!();
    }
    await finishing;
    expect(batches).toEqual([[1], [2], [3]]);
  });

  it('sends everything despite a failed send, then rejects with its error', async () => {
    const { batches, endings, send } = heldSends();
    const commit = groupCommit({ maxInFlight: 1, takeBatch: (waiting: number[]) => waiting.splice(0), send });
    commit.add(1);
    commit.add(2);
    const finishing = commit.finish();
    endings[0]!(new Error('transaction cancelled'));
    await settle();
    expect(batches).toEqual([[1], [2]]);
    endings[1]!();
    await expect(finishing).rejects.toThrow('transaction cancelled');
  });
});
