import { handle } from 'hono/aws-lambda';
import { createConnections } from '../runtime/cluster.ts';
import { loadConfig } from '../runtime/config.ts';
import { createAuthenticator, createCoreContext } from '../runtime/core-context.ts';
import { createZadigEnvironmentApp } from './app.ts';

const config = loadConfig(process.env);
const ctx = createCoreContext(config);

export const handler = handle(
  createZadigEnvironmentApp({ ctx, connections: createConnections(ctx, config), authenticate: createAuthenticator(ctx, config) }),
);
