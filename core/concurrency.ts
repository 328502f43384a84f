/**
 * Runs at most `max` tasks at once, the others waiting their turn in the
 * order they came. One limiter per cluster client bounds what Berth asks of
 * one API server, however many services are being applied together.
 */
export function createLimiter(max: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async function limited<T>(task: () => Promise<T>): Promise<T> {
    // A finishing task hands its slot straight to the first waiter, so no newcomer slips in between.
    if (running < max) running++;
    else await new Promise<void>((start) => waiting.push(start));
    try {
      return await task();
    } finally {
      const handOver = waiting.shift();
      if (handOver) handOver();
      else running--;
    }
  };
}

/** `map` over `items` with at most `max` calls of `work` in flight; results in the order of `items`. */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  max: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(max, items.length) }, worker));
  return results;
}
