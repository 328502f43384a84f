import { handle } from 'hono/aws-lambda';
import { createLazyConnections } from '../runtime/lazy-cluster.ts';
import { loadConfig } from '../runtime/config.ts';
import { createAuthenticator, createCoreContext } from '../runtime/core-context.ts';
import { createAdminApp } from './app.ts';

const config = loadConfig(process.env);
const ctx = createCoreContext(config);

export const handler = handle(
  createAdminApp({
    ctx,
    connections: createLazyConnections(ctx, config),
    authenticate: createAuthenticator(ctx, config),
    outbound: { allowLoopback: config.localMode },
    oteRepositoryRegistry: config.oteRegistry,
  }),
);
