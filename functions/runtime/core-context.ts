import { randomBytes } from 'node:crypto';
import { authenticate } from '../../core/auth/authenticate.ts';
import type { CoreContext } from '../../core/context.ts';
import { createSecretBox, parseEncryptionKey, type SecretBox } from '../../core/crypto/secret-box.ts';
import { DomainError } from '../../core/errors.ts';
import { createStore } from '../../core/persistence.ts';
import type { Authenticate } from '../http/contract.ts';
import type { BerthConfig } from './config.ts';

/** Builds the dependencies every function shares; cluster clients are wired separately (see `cluster.ts`). */
export function createCoreContext(config: BerthConfig): CoreContext {
  return {
    store: createStore({
      tableName: config.tableName,
      ...(config.dynamoEndpoint ? { endpoint: config.dynamoEndpoint } : {}),
      ...(config.region ? { region: config.region } : {}),
    }),
    secrets: config.encryptionKey ? createSecretBox(parseEncryptionKey(config.encryptionKey)) : withoutKey,
    now: () => new Date(),
    newId: () =>
      randomBytes(9)
        .toString('base64url')
        .toLowerCase()
        .replace(/[^a-z0-9]/g, '0'),
  };
}

/** For functions deployed without the key: using it is a deployment mistake, reported as such. */
const withoutKey: SecretBox = {
  seal: () => {
    throw new DomainError('Internal', 'this function was deployed without BERTH_ENCRYPTION_KEY');
  },
  open: () => {
    throw new DomainError('Internal', 'this function was deployed without BERTH_ENCRYPTION_KEY');
  },
};

export function createAuthenticator(ctx: CoreContext, config: Pick<BerthConfig, 'adminToken'>): Authenticate {
  return (token) => authenticate({ ctx, token, bootstrapAdminToken: config.adminToken });
}
