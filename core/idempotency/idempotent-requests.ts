import { randomBytes } from 'node:crypto';
import type { CoreContext } from '../context.ts';
import { sha256Hex } from '../crypto/secret-box.ts';
import { ConflictError, InvalidInputError, UnprocessableError } from '../errors.ts';
import { keys, type ItemKey } from '../store/keys.ts';
import { createIfAbsentOrAbandoned, releaseClaim } from '../store/writes.ts';

/** How long a first answer is kept and replayed. */
export const IDEMPOTENCY_RETENTION_SECONDS = 24 * 3600;
/** How long a request may act before its key is taken as abandoned (a crashed function frees it by itself). */
export const IN_FLIGHT_SECONDS = 15 * 60;
/** Answers larger than this are not kept (an item holds 400 KB); their key is released instead. */
export const MAX_STORED_BODY_BYTES = 256 * 1024;

/** What a request is, for its key: the caller's credential, the key, and a hash of method, path and body. */
export type IdempotentRequest = { caller: string; key: string; method: string; path: string; body: Uint8Array };

/** The first answer, replayed exactly: status, content type and body. */
export type StoredAnswer = { status: number; contentType: string | null; body: Uint8Array };

type KeyItem = {
  state: 'in-flight' | 'done';
  requestHash: string;
  /** The request acting on the key (a random id): only it keeps or releases the key. */
  owner: string;
  status?: number;
  contentType?: string | null;
  /** The body, sealed: answers can carry secrets shown once (a new token, a hook's secret). */
  sealedBody?: string;
};

/** A request holding its key: it acts, then keeps its answer or lets the key go. */
export type HeldKey = {
  keep(answer: StoredAnswer): Promise<void>;
  release(): Promise<void>;
};

const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

const requestHash = ({ method, path, body }: IdempotentRequest): string =>
  sha256Hex(`${method.toUpperCase()}\n${path}\n${Buffer.from(body).toString('base64')}`);

const aadOf = (key: ItemKey) => `idempotency:${key.pk}`;

/**
 * Takes an idempotency key for a request, or says how the request is answered
 * without acting: the stored first answer (same caller, key and request), a
 * Conflict while the first is still acting, an Unprocessable error when the
 * key was used for another request.
 *
 * @example const held = await holdIdempotencyKey(ctx, request); if ('answer' in held) return replay(held.answer)
 */
export async function holdIdempotencyKey(
  ctx: CoreContext,
  request: IdempotentRequest,
): Promise<{ held: HeldKey } | { answer: StoredAnswer }> {
  if (!KEY_SHAPE.test(request.key))
    throw new InvalidInputError('Idempotency-Key must be 1 to 255 visible ASCII characters', 'Idempotency-Key');
  const key = keys.idempotencyKey(sha256Hex(`${request.caller}\n${request.key}`));
  const hash = requestHash(request);
  const holder = randomBytes(8).toString('hex');
  const now = ctx.now();
  const marker = {
    ...key,
    state: 'in-flight',
    requestHash: hash,
    owner: holder,
    inFlightUntil: now.getTime() + IN_FLIGHT_SECONDS * 1000,
    expiresAt: Math.floor(now.getTime() / 1000) + IDEMPOTENCY_RETENTION_SECONDS,
  };
  try {
    await ctx.store.transact([createIfAbsentOrAbandoned(marker, now.getTime())], 'idempotency key in use');
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    return { answer: await earlierAnswer(ctx, key, hash) };
  }
  return {
    held: {
      async keep(answer) {
        if (answer.body.byteLength > MAX_STORED_BODY_BYTES) return this.release();
        await ctx.store.annotate(
          key,
          {
            state: 'done',
            status: answer.status,
            contentType: answer.contentType,
            sealedBody: ctx.secrets.seal(Buffer.from(answer.body).toString('base64'), aadOf(key)),
          },
          { owner: holder },
        );
      },
      async release() {
        try {
          await ctx.store.transact([releaseClaim(key, holder)], 'idempotency key taken over');
        } catch (error) {
          // Taken over after our time ran out: the key is no longer ours to free.
          if (!(error instanceof ConflictError)) throw error;
        }
      },
    },
  };
}

async function earlierAnswer(ctx: CoreContext, key: ItemKey, hash: string): Promise<StoredAnswer> {
  const item = await ctx.store.get<KeyItem>(key);
  // Gone between the two reads: its request failed and released it; the caller may retry.
  if (!item) throw new ConflictError('a request with this Idempotency-Key just failed; retry it');
  if (item.requestHash !== hash)
    throw new UnprocessableError('this Idempotency-Key was used for another request (method, path or body differ)');
  if (item.state !== 'done' || item.sealedBody === undefined || item.status === undefined)
    throw new ConflictError('a request with this Idempotency-Key is still being processed; retry it later');
  return {
    status: item.status,
    contentType: item.contentType ?? null,
    body: Buffer.from(ctx.secrets.open(item.sealedBody, aadOf(key)), 'base64'),
  };
}
