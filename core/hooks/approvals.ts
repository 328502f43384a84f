import type { Principal } from '../auth/schemas.ts';
import type { CoreContext } from '../context.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { hookKeys } from '../store/keys.ts';
import { createIfAbsent, putAtVersion, releaseClaim, updateAtVersion, type Write } from '../store/writes.ts';
import { DELIVERY_RETENTION_SECONDS, type EventOutcome, epochSeconds, recordStage } from './deliveries.ts';
import { type HookItem, readHook } from './hook-item.ts';

export type Vote = {
  tokenId: string;
  by: string;
  decision: 'approve' | 'reject';
  /** What the voter approved: a vote for another digest never counts. */
  digest: string;
  comment: string;
  at: string;
};

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'superseded' | 'expired';

/** A rollout of one event waiting for (or given) its approvals. */
export type ApprovalItem = {
  entity: 'hook-approval';
  hookId: string;
  hookName: string;
  recordId: string;
  event: EventOutcome & { image: string };
  /** The digest votes are bound to (the image reference when the event carried none). */
  digest: string;
  required: number;
  votes: Vote[];
  status: ApprovalStatus;
  requestedAt: string;
  deadline: string;
  supersededBy: string | null;
  expiresAt: number;
  version: number;
};

/** Which record a hook's pending approval is: `owner` is its record id. */
type PendingPointer = { hookId: string; owner: string; version: number };

export const boundDigest = (event: EventOutcome & { image: string }): string => event.digest ?? event.image;

/**
 * Asks for approval of an accepted event instead of rolling it out. A newer
 * event of the same hook supersedes the one pending: only the latest waits.
 */
export async function requestApproval(
  ctx: CoreContext,
  hook: HookItem & { approval: NonNullable<HookItem['approval']> },
  recordId: string,
  event: EventOutcome & { image: string },
): Promise<void> {
  const now = ctx.now();
  const approval: ApprovalItem = {
    entity: 'hook-approval',
    hookId: hook.id,
    hookName: hook.name,
    recordId,
    event,
    digest: boundDigest(event),
    required: hook.approval.approvers,
    votes: [],
    status: 'pending',
    requestedAt: now.toISOString(),
    deadline: new Date(now.getTime() + hook.approval.deadlineSeconds * 1000).toISOString(),
    supersededBy: null,
    expiresAt: epochSeconds(now, DELIVERY_RETENTION_SECONDS),
    version: 1,
  };
  const pointerKey = hookKeys.pendingApproval(hook.id);
  const pointer = await ctx.store.get<PendingPointer>(pointerKey);
  const previous = pointer && (await ctx.store.get<ApprovalItem>(hookKeys.approval(hook.id, pointer.owner)));
  const next = { ...pointerKey, hookId: hook.id, owner: recordId };
  const writes: Write[] = [
    createIfAbsent({ ...hookKeys.approval(hook.id, recordId), ...approval }),
    // Two events racing to be the pending one: the pointer moves from the version both read, once.
    pointer
      ? putAtVersion({ ...next, version: pointer.version + 1 }, pointer.version)
      : createIfAbsent({ ...next, version: 1 }),
  ];
  if (previous?.status === 'pending')
    // A vote landing meanwhile on the superseded approval makes this a Conflict: the stream retries with fresh reads.
    writes.push(
      updateAtVersion(hookKeys.approval(hook.id, previous.recordId), previous.version, {
        status: 'superseded',
        supersededBy: recordId,
      }),
    );
  await ctx.store.transact(writes, `hook "${hook.id}" changed its pending approval meanwhile`);
  if (previous?.status === 'pending')
    await recordStage(ctx, hook.id, previous.recordId, {
      stage: 'superseded',
      detail: `superseded by delivery ${recordId} (${event.image}) before it was approved`,
      to: previous.event.image,
    });
  await recordStage(ctx, hook.id, recordId, {
    stage: 'approval',
    detail: `waiting for ${approval.required} approval(s) of ${approval.digest} until ${approval.deadline}`,
    to: event.image,
  });
}

/** The approvals waiting now, one per hook at most, oldest request first. */
export async function listPendingApprovals(ctx: CoreContext): Promise<ApprovalItem[]> {
  const pointers = await ctx.store.listAll<PendingPointer>(hookKeys.pendingApprovals);
  const approvals = await Promise.all(
    pointers.map((pointer) => ctx.store.get<ApprovalItem>(hookKeys.approval(pointer.hookId, pointer.owner))),
  );
  const now = ctx.now();
  return approvals
    .filter((approval): approval is ApprovalItem => approval !== undefined)
    .map((approval) => withDeadline(approval, now))
    .filter((approval) => approval.status === 'pending')
    .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
}

/** A pending approval past its deadline reads as expired (it can no longer be voted on). */
const withDeadline = (approval: ApprovalItem, now: Date): ApprovalItem =>
  approval.status === 'pending' && Date.parse(approval.deadline) <= now.getTime()
    ? { ...approval, status: 'expired' }
    : approval;

/**
 * One vote on a pending approval, by a distinct token, for the digest it
 * waits for. The approval is decided by the vote that makes `required`
 * approvals, or by the first rejection; an approved one is rolled out by the
 * stream worker. Every vote is a stage of the delivery.
 */
export async function voteOnApproval({
  ctx,
  principal,
  hookId,
  recordId,
  input,
}: {
  ctx: CoreContext;
  principal: Principal;
  hookId: string;
  recordId: string;
  input: { decision: 'approve' | 'reject'; digest: string; comment: string };
}): Promise<ApprovalItem> {
  await readHook(ctx, hookId);
  const stored = await ctx.store.get<ApprovalItem>(hookKeys.approval(hookId, recordId));
  if (!stored) throw new NotFoundError('approval', recordId, { in: `hook "${hookId}"` });
  const now = ctx.now();
  const approval = withDeadline(stored, now);
  if (approval.status !== 'pending')
    throw new ConflictError(`the approval of delivery ${recordId} is ${approval.status}; it takes no more votes`);
  if (input.digest !== approval.digest)
    throw new ConflictError(
      `votes are bound to the digest: this approval is for ${approval.digest}, the vote was for ${input.digest}`,
    );
  if (approval.votes.some((vote) => vote.tokenId === principal.tokenId))
    throw new ConflictError(`${principal.name} already voted on the approval of delivery ${recordId}`);
  const vote: Vote = { tokenId: principal.tokenId, by: principal.name, at: now.toISOString(), ...input };
  const votes = [...approval.votes, vote];
  const approvals = votes.filter((entry) => entry.decision === 'approve').length;
  const status: ApprovalStatus =
    input.decision === 'reject' ? 'rejected' : approvals >= approval.required ? 'approved' : 'pending';
  const writes: Write[] = [
    // Two votes read from one version: the second is refused, so a count is never lost.
    updateAtVersion(
      hookKeys.approval(hookId, recordId),
      approval.version,
      { votes, status },
      `the approval of delivery ${recordId} changed meanwhile; vote again`,
    ),
  ];
  if (status !== 'pending') writes.push(releaseClaim(hookKeys.pendingApproval(hookId), recordId));
  await ctx.store.transact(writes, `the approval of delivery ${recordId} changed meanwhile; vote again`);
  await recordStage(ctx, hookId, recordId, {
    stage: 'vote',
    detail: `${input.decision === 'approve' ? 'approved' : 'rejected'} by ${principal.name} (${approvals} of ${approval.required}): ${status}${input.comment ? `; ${input.comment}` : ''}`,
    to: approval.event.image,
  });
  return { ...approval, votes, status, version: approval.version + 1 };
}
