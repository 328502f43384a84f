import { handle } from 'hono/aws-lambda';
import { createConnections } from '../runtime/cluster.ts';
import { loadConfig } from '../runtime/config.ts';
import { createCoreContext } from '../runtime/core-context.ts';
import { createVKubeApp } from './app.ts';

const config = loadConfig(process.env);
const ctx = createCoreContext(config);

export const handler = handle(createVKubeApp({ ctx, connections: createConnections(ctx, config) }));
