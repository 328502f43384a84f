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

/**
 * Group commit: `add` hands items over as they come; whenever fewer than
 * `maxInFlight` batches are being sent, everything waiting goes out at once
 * (as much of it as `takeBatch` takes from the front), and what comes
 * meanwhile waits for the next free slot. Nothing waits for a batch to fill,
 * so only what arrived during the last send is left when the items stop.
 * `finish` resolves once every item is sent, and rejects with the first
 * failed send after they all ended.
 */
export function groupCommit<T>({
  maxInFlight,
  takeBatch,
  send,
}: {
  maxInFlight: number;
  /** Removes and returns the next batch from the front of `waiting`: at least one item. */
  takeBatch: (waiting: T[]) => T[];
  send: (batch: T[]) => Promise<void>;
}) {
  const waiting: T[] = [];
  const sent: Array<Promise<void>> = [];
  let inFlight = 0;
  const sendWaiting = () => {
    while (inFlight < maxInFlight && waiting.length > 0) {
      inFlight++;
      // A send that ends starts the next one before its own promise settles (see `finish`).
      const sending = send(takeBatch(waiting)).finally(() => {
        inFlight--;
        sendWaiting();
      });
      // Reported by `finish`, once every send has ended.
      sending.catch(() => undefined);
      sent.push(sending);
    }
  };
  return {
    add(item: T) {
      waiting.push(item);
      sendWaiting();
    },
    async finish(): Promise<void> {
      // `sent` grows while it is awaited: each send queues the next before it settles.
      for (let index = 0; index < sent.length; index++) await sent[index]!.catch(() => undefined);
      const failed = (await Promise.allSettled(sent)).find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
