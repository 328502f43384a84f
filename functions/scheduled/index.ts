import { createConnections } from '../runtime/cluster.ts';
import { loadConfig } from '../runtime/config.ts';
import { createCoreContext } from '../runtime/core-context.ts';
import { runScheduledJobs } from './run-scheduled.ts';

const config = loadConfig(process.env);
const ctx = createCoreContext(config);
const connections = createConnections(ctx, config);

/** The cron function's handler (see `sst.config.ts`). */
export const handler = async (): Promise<void> => {
  await runScheduledJobs({ ctx, connections });
};
