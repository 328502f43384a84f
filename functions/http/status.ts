import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { DomainErrorCode } from '../../core/errors.ts';

/** The HTTP status each domain error stands for, for dialects that use HTTP statuses. */
export function httpStatusOf(code: DomainErrorCode): ContentfulStatusCode {
  switch (code) {
    case 'Invalid':
      return 400;
    case 'Unauthorized':
      return 401;
    case 'Forbidden':
      return 403;
    case 'NotFound':
      return 404;
    case 'MethodNotAllowed':
      return 405;
    case 'Conflict':
      return 409;
    case 'Unprocessable':
      return 422;
    case 'TooLarge':
      return 413;
    case 'Unavailable':
      return 503;
    case 'Internal':
      return 500;
  }
}
