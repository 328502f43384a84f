import type { DomainError } from '../../core/errors.ts';
import type { RenderError } from '../http/app-shell.ts';
import { httpStatusOf } from '../http/status.ts';

/**
 * Zadig's envelope: `{code, message, description}`. As in the spec's example
 * (`{"code": 500, "message": "Internal Error", "description": "..."}`),
 * `code` repeats the HTTP status, `message` names the kind of failure and
 * `description` says what exactly went wrong (which field, which object).
 */
export const renderZadigError: RenderError = (error, c) => {
  const status = httpStatusOf(error.code);
  return c.json({ code: status, message: zadigMessage(error), description: error.message }, status);
};

function zadigMessage(error: DomainError): string {
  switch (error.code) {
    case 'Invalid':
      return 'Bad Request';
    case 'Unauthorized':
      return 'Unauthorized';
    case 'Forbidden':
      return 'Forbidden';
    case 'NotFound':
      return 'Not Found';
    case 'Conflict':
      return 'Conflict';
    case 'TooLarge':
      return 'Request Entity Too Large';
    case 'Unavailable':
      return 'Service Unavailable';
    case 'Internal':
      return 'Internal Error';
  }
}
