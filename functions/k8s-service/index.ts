import { handle } from 'hono/aws-lambda';
import { createConnections } from '../runtime/cluster.ts';
import { loadConfig } from '../runtime/config.ts';
import { createAuthenticator, createCoreContext } from '../runtime/core-context.ts';
import { createK8sServiceApp } from './app.ts';

const config = loadConfig(process.env);
const ctx = createCoreContext(config);

export const handler = handle(
  createK8sServiceApp({
    ctx,
    connections: createConnections(ctx, config),
    authenticate: createAuthenticator(ctx, config),
    clusterId: config.k8sServiceCluster,
  }),
);
