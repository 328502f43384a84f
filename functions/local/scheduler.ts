export type Scheduler = { stop(): Promise<void> };

/**
 * Runs `job` every `intervalMs`, as the deployed cron function is run: the
 * next run starts only after the last one ended, and a failure is reported,
 * not fatal.
 */
export function startScheduler({
  intervalMs,
  job,
  onError,
}: {
  intervalMs: number;
  job: () => Promise<unknown>;
  onError: (error: unknown) => void;
}): Scheduler {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = job()
      .then(
        () => undefined,
        (error: unknown) => onError(error),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, intervalMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
