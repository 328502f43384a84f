import { handle } from 'hono/aws-lambda';
import { loadConfig } from '../runtime/config.ts';
import { createAuthenticator, createCoreContext } from '../runtime/core-context.ts';
import { lazyHelm } from '../runtime/helm.ts';
import { createOteAppApp } from './app.ts';

const config = loadConfig(process.env);
const ctx = { ...createCoreContext(config), helm: lazyHelm() };

export const handler = handle(
  createOteAppApp({ ctx, authenticate: createAuthenticator(ctx, config), chartRegistryId: config.chartRegistryId }),
);
