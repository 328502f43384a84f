import { streamHandle } from 'hono/aws-lambda';
import { createConnections } from '../runtime/cluster.ts';
import { loadConfig } from '../runtime/config.ts';
import { createAuthenticator, createCoreContext } from '../runtime/core-context.ts';
import { createZadigEnvironmentApp } from './app.ts';

const config = loadConfig(process.env);
const ctx = createCoreContext(config);

/**
 * A response stream (the function URL is deployed with `streaming: true`), so
 * container logs reach the client as Server-Sent Events while they are read;
 * every other response of the group is sent the same way, in one piece.
 */
export const handler = streamHandle(
  createZadigEnvironmentApp({
    ctx,
    connections: createConnections(ctx, config),
    authenticate: createAuthenticator(ctx, config),
  }),
);
