import { handle } from 'hono/aws-lambda';
import { loadConfig } from '../runtime/config.ts';
import { createAuthenticator, createCoreContext } from '../runtime/core-context.ts';
import { createOteAppApp } from './app.ts';

const config = loadConfig(process.env);
const ctx = createCoreContext(config);

export const handler = handle(createOteAppApp({ ctx, authenticate: createAuthenticator(ctx, config) }));
