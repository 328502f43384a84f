import { handle } from 'hono/aws-lambda';
import { createLazyConnections } from '../runtime/lazy-cluster.ts';
import { loadConfig } from '../runtime/config.ts';
import { createAuthenticator, createCoreContext } from '../runtime/core-context.ts';
import { createOteDeployApp } from './app.ts';

const config = loadConfig(process.env);
const ctx = createCoreContext(config);

// Lists, reads and audits never touch a cluster; only recording a change checks host ports on the targets.
export const handler = handle(
  createOteDeployApp({
    ctx,
    connections: createLazyConnections(ctx, config),
    authenticate: createAuthenticator(ctx, config),
  }),
);
