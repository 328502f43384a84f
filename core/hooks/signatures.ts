import { createHmac, randomBytes } from 'node:crypto';
import { secretsEqual } from '../crypto/secret-box.ts';
import type { AuthScheme } from './hook-item.ts';

/** How far a Standard Webhooks timestamp may be from now: the reference library's 5 minutes. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export type HeaderReader = (name: string) => string | undefined;

export type Verdict = { ok: true; signedAt?: Date } | { ok: false; reason: string };

/** A new secret in the form its scheme's senders expect (`whsec_` + base64 for Standard Webhooks). */
export function newHookSecret(scheme: AuthScheme): string {
  const bytes = randomBytes(32);
  return scheme === 'standard-webhooks' ? `whsec_${bytes.toString('base64')}` : `bhk_${bytes.toString('base64url')}`;
}

/**
 * Checks a delivery's proof over its raw body, before anything parses it.
 * Every candidate secret is tried, and every comparison hashes both sides
 * first, so neither the secret's length nor how much of it matched shows in
 * the time taken.
 */
export function verifySignature({
  scheme,
  secrets,
  header,
  body,
  now,
}: {
  scheme: AuthScheme;
  secrets: readonly string[];
  header: HeaderReader;
  body: Uint8Array;
  now: Date;
}): Verdict {
  switch (scheme) {
    case 'github':
      return verifyHexHmac(header('x-hub-signature-256'), 'X-Hub-Signature-256', ['sha256'], secrets, body);
    case 'hmac':
      return verifyHexHmac(header('x-signature'), 'X-Signature', ['sha256', 'sha512'], secrets, body);
    case 'authorization':
      return verifyAuthorization(header('authorization'), secrets);
    case 'standard-webhooks':
      return verifyStandardWebhook(header, secrets, body, now);
    case 'eventbridge':
      return { ok: false, reason: 'this hook takes ECR events from EventBridge only, not HTTP deliveries' };
  }
}

function verifyHexHmac(
  value: string | undefined,
  headerName: string,
  algorithms: readonly string[],
  secrets: readonly string[],
  body: Uint8Array,
): Verdict {
  const match = value?.trim().match(/^([a-z0-9]+)=([0-9a-fA-F]+)$/);
  if (!match) return { ok: false, reason: `${headerName} header missing or malformed` };
  const [, algorithm = '', given = ''] = match;
  if (!algorithms.includes(algorithm))
    return { ok: false, reason: `${headerName} uses ${algorithm}, not ${algorithms.join(' or ')}` };
  const matched = anyEqual(
    secrets.map((secret) => createHmac(algorithm, secret).update(body).digest('hex')),
    [given.toLowerCase()],
  );
  return matched ? { ok: true } : { ok: false, reason: `${headerName} does not match the body` };
}

function verifyAuthorization(value: string | undefined, secrets: readonly string[]): Verdict {
  if (!value) return { ok: false, reason: 'Authorization header missing' };
  // Harbor sends the configured value verbatim; registries configured with `Bearer <secret>` send that.
  const given = value.trim().replace(/^Bearer\s+/i, '');
  return anyEqual(secrets, [given]) ? { ok: true } : { ok: false, reason: 'Authorization header does not match' };
}

function verifyStandardWebhook(header: HeaderReader, secrets: readonly string[], body: Uint8Array, now: Date): Verdict {
  const id = header('webhook-id');
  const timestamp = header('webhook-timestamp');
  const signatures = header('webhook-signature');
  if (!id || !timestamp || !signatures)
    return { ok: false, reason: 'webhook-id, webhook-timestamp or webhook-signature missing' };
  if (id.includes('.') || !/^\d{1,12}$/.test(timestamp))
    return { ok: false, reason: 'webhook-id or webhook-timestamp malformed' };
  const signedAt = new Date(Number(timestamp) * 1000);
  if (Math.abs(now.getTime() - signedAt.getTime()) > SIGNATURE_TOLERANCE_SECONDS * 1000) {
    return {
      ok: false,
      reason: `webhook-timestamp is more than ${SIGNATURE_TOLERANCE_SECONDS} s from now (stale or replayed)`,
    };
  }
  const given = signatures
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => entry.slice(3));
  if (given.length === 0) return { ok: false, reason: 'webhook-signature has no v1 signature' };
  const expected = secrets.map((secret) =>
    createHmac('sha256', standardWebhookKey(secret)).update(`${id}.${timestamp}.`).update(body).digest('base64'),
  );
  return anyEqual(expected, given) ? { ok: true, signedAt } : { ok: false, reason: 'webhook-signature does not match' };
}

/** The key bytes of a `whsec_` secret; any other secret is used as its UTF-8 bytes. */
export const standardWebhookKey = (secret: string): Buffer =>
  secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret);

/** Whether any pair matches; every pair is compared, so the answer's time does not depend on which. */
function anyEqual(expected: readonly string[], given: readonly string[]): boolean {
  let matched = false;
  for (const left of expected) for (const right of given) matched = secretsEqual(left, right) || matched;
  return matched;
}

/** The headers a sender with `secret` would add, for `POST /admin/hooks/:id/test` and for tests of senders. */
export function signDelivery({
  scheme,
  secret,
  body,
  id,
  now,
}: {
  scheme: AuthScheme;
  secret: string;
  body: Uint8Array;
  id: string;
  now: Date;
}): Record<string, string> {
  switch (scheme) {
    case 'github':
      return { 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` };
    case 'hmac':
      return { 'x-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` };
    case 'authorization':
      return { authorization: `Bearer ${secret}` };
    case 'eventbridge':
      return {};
    case 'standard-webhooks': {
      const timestamp = String(Math.floor(now.getTime() / 1000));
      const signature = createHmac('sha256', standardWebhookKey(secret))
        .update(`${id}.${timestamp}.`)
        .update(body)
        .digest('base64');
      return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
    }
  }
}
