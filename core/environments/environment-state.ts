import { ConflictError } from '../errors.ts';
import { environmentName, type EnvironmentItem } from './environment-item.ts';

const BUSY: readonly EnvironmentItem['status'][] = ['creating', 'updating', 'deleting'];

/**
 * For changes the worker applies: one at a time, and none before the
 * environment was created (a later change would apply only its own services
 * and hide that the rest never were; retrying the creation is the way on).
 */
export function requireIdle(env: EnvironmentItem): void {
  if (BUSY.includes(env.status)) {
    throw new ConflictError(
      `${environmentName(env)} is ${env.status} (operation ${env.lastOperationId}); wait for it to finish, or retry it if it failed`,
    );
  }
  if (!env.created) {
    throw new ConflictError(`${environmentName(env)} was never created; retry operation ${env.lastOperationId} first`);
  }
}

/** For changes made on the cluster directly (configurations, sharing, day-two actions): not while the worker changes the same things. */
export function requireSettled(env: EnvironmentItem): void {
  if (BUSY.includes(env.status)) {
    throw new ConflictError(
      `${environmentName(env)} is ${env.status} (operation ${env.lastOperationId}); try again once that is done`,
    );
  }
}
