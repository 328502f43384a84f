import { handle } from 'hono/aws-lambda';
import { loadConfig } from '../runtime/config.ts';
import { createCoreContext } from '../runtime/core-context.ts';
import { createHooksApp } from './app.ts';

const config = loadConfig(process.env);

/** Inbound hooks: no cluster client here; the stream worker rolls accepted deliveries out. */
export const handler = handle(createHooksApp({ ctx: createCoreContext(config) }));
