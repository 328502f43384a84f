import { receiveEcrEvent } from '../../core/hooks/ecr-events.ts';
import { loadConfig } from '../runtime/config.ts';
import { createCoreContext } from '../runtime/core-context.ts';

const config = loadConfig(process.env);
const ctx = createCoreContext(config);

/** The EventBridge rule's target: ECR pushes, for the hooks whose source is `ecr`. */
export const handler = async (event: unknown) => receiveEcrEvent(ctx, event);
