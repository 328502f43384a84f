import type { Context } from 'hono';
import type { DomainError } from '../../core/errors.ts';
import { MissingFieldError, NotFoundError } from '../../core/errors.ts';
import type { BerthEnv } from '../http/env.ts';
import { k8sEnvelope } from './envelope.ts';

export const MISSING_PARAMETERS = '[ERROR] mandatory parameters missed. ';
export const QUERY_FAILED =
  '[ERROR] K8sRestService error, check your request and parameters first, or contact the administrator. ';

/**
 * The one map from domain errors to this dialect: 201 when the request was
 * wrong or named nothing that exists, 500 with the documented text when the
 * cluster could not be queried. Auth failures, unsupported methods and oversize
 * bodies, which the document predates, keep their HTTP status.
 */
export function createK8sServiceErrorRenderer(now: () => Date) {
  return (error: DomainError, c: Context<BerthEnv>): Response => {
    const msgId = requestMsgId(c);
    const answer = (code: number, message: string, status: 200 | 401 | 403 | 404 | 405 | 413 | 422 = 200) =>
      k8sEnvelope(c, code, message, msgId, now(), status);
    switch (error.code) {
      case 'Invalid':
        return error instanceof MissingFieldError
          ? answer(201, MISSING_PARAMETERS)
          : answer(201, `[ERROR] invalid parameter ${error.message}. `);
      case 'NotFound':
        if (error instanceof NotFoundError && error.entity === 'route')
          return answer(404, `[ERROR] ${error.message}. `, 404);
        // The configured cluster itself missing is Berth's problem, not the caller's: to this dialect it is unavailable.
        if (error instanceof NotFoundError && error.entity === 'cluster') {
          c.set('errorCode', 'Unavailable');
          return answer(500, QUERY_FAILED);
        }
        return answer(201, `[ERROR] ${error.message}. `);
      case 'Unauthorized':
        return answer(401, `[ERROR] ${error.message}. `, 401);
      case 'Forbidden':
        return answer(403, `[ERROR] ${error.message}. `, 403);
      case 'MethodNotAllowed':
        return answer(405, `[ERROR] ${error.message}. `, 405);
      case 'TooLarge':
        return answer(413, `[ERROR] ${error.message}. `, 413);
      case 'Unprocessable':
        return answer(422, `[ERROR] ${error.message}. `, 422);
      case 'Conflict':
      case 'Unavailable':
      case 'Internal':
        return answer(500, QUERY_FAILED);
    }
  };
}

/**
 * The caller's msgId: from the query, or from a body the route already read.
 * The body is never read here: an error may be about the body itself (too
 * large) or come before the caller proved who it is.
 */
function requestMsgId(c: Context<BerthEnv>): string | undefined {
  const fromQuery = c.req.query('msgId');
  if (fromQuery !== undefined) return fromQuery;
  const body = c.get('parsedBody') as Record<string, unknown> | undefined;
  const value = typeof body === 'object' && body !== null ? body['msgId'] : undefined;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}
