import { createConnections } from '../runtime/cluster.ts';
import { loadConfig } from '../runtime/config.ts';
import { createCoreContext } from '../runtime/core-context.ts';
import { lazyHelm } from '../runtime/helm.ts';
import { handleRecords } from './handle-records.ts';
import type { StreamRecord } from './stream.ts';

const config = loadConfig(process.env);
// Helm releases of Helm environments are installed here.
const ctx = { ...createCoreContext(config), helm: lazyHelm() };
const connections = createConnections(ctx, config);

/** The table stream's subscriber. */
export const handler = async (event: { Records: StreamRecord[] }): Promise<void> => {
  await handleRecords(event.Records, { ctx, connections, outbound: { allowLoopback: config.localMode } });
};
