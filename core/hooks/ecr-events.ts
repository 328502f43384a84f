import type { CoreContext } from '../context.ts';
import { DomainError } from '../errors.ts';
import { hookKeys } from '../store/keys.ts';
import type { DeliveryOutcome } from './deliveries.ts';
import type { HookItem } from './hook-item.ts';
import { receiveDelivery } from './receive-delivery.ts';

export type EcrReceipt =
  | { hookId: string; verdict: DeliveryOutcome['verdict']; recordId: string; duplicate: boolean }
  | { hookId: string; verdict: 'rejected'; reason: string };

/**
 * Runs one ECR event from EventBridge through the receive path of every hook
 * whose source is `ecr`: recorded once per hook under the event's id, so the
 * invocation EventBridge or Lambda retries is answered as a repeat. A refusal
 * is recorded with its reason and not thrown: a retry would be refused alike.
 */
export async function receiveEcrEvent(ctx: CoreContext, event: unknown): Promise<EcrReceipt[]> {
  const hooks = (await ctx.store.listAll<HookItem>(hookKeys.hooks)).filter((hook) => hook.source === 'ecr');
  const body = new TextEncoder().encode(JSON.stringify(event));
  const receipts: EcrReceipt[] = [];
  for (const hook of hooks) {
    try {
      const { outcome, duplicate } = await receiveDelivery({
        ctx,
        hook,
        delivery: { header: () => undefined, body, via: 'eventbridge' },
      });
      receipts.push({ hookId: hook.id, verdict: outcome.verdict, recordId: outcome.recordId, duplicate });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      receipts.push({ hookId: hook.id, verdict: 'rejected', reason: error.message });
    }
  }
  return receipts;
}
