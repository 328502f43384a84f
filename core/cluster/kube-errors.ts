import { ApiException } from '@kubernetes/client-node';
import { ConflictError, DomainError, InvalidInputError, NotFoundError, UnavailableError } from '../errors.ts';

/** What a failed call was about, so a 404 can name the missing object. */
export type CallSubject = { kind: string; name: string; namespace?: string | undefined };

type Status = { message?: string; reason?: string };

/**
 * Maps a failed cluster call to a domain error. The API server's own message
 * is kept (it is what a user needs to fix a manifest); headers are never
 * copied, because they can carry credentials.
 */
export function toDomainError(error: unknown, subject: CallSubject, timeoutMs: number): DomainError {
  if (error instanceof DomainError) return error;
  if (error instanceof ApiException) return fromStatus(error.code, parseStatus(error.body), subject);
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new UnavailableError(`the cluster did not answer within ${timeoutMs} ms`, error);
  }
  const cause = error instanceof Error ? describeNetworkError(error) : String(error);
  return new UnavailableError(`the cluster is unreachable: ${cause}`, error);
}

export function fromStatus(code: number, status: Status, subject: CallSubject): DomainError {
  const message = status.message ?? `HTTP ${code}`;
  switch (code) {
    case 404:
      return new NotFoundError(subject.kind, subject.namespace ? `${subject.namespace}/${subject.name}` : subject.name);
    case 409:
      return new ConflictError(message);
    case 400:
    case 422:
      return new InvalidInputError(`the API server rejected ${subject.kind} "${subject.name}": ${message}`);
    case 401:
    case 403:
      return new UnavailableError(`the cluster refused Berth's credentials: ${message}`);
    default:
      return new UnavailableError(`the cluster answered ${code}: ${message}`);
  }
}

export function parseStatus(body: unknown): Status {
  if (typeof body === 'object' && body !== null) return body as Status;
  if (typeof body !== 'string' || body === '') return {};
  try {
    return JSON.parse(body) as Status;
  } catch {
    return { message: body.slice(0, 500) };
  }
}

/** The socket's error code (`ECONNREFUSED`), whether the client threw it or wrapped it as the cause; never an address. */
function describeNetworkError(error: Error): string {
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return (error as { code?: string }).code ?? cause?.code ?? cause?.message ?? error.message;
}
