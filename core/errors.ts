/**
 * Domain errors: the only failure vocabulary `core/` speaks. Each dialect maps
 * these codes to its own envelope in exactly one place (its `errors.ts`).
 */
export type DomainErrorCode =
  | 'Invalid'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'Conflict'
  | 'TooLarge'
  | 'Unavailable'
  | 'Internal';

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  /** The input field (dotted path) the error is about, when there is one. */
  readonly field: string | undefined;

  constructor(code: DomainErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.field = options.field;
  }
}

export class InvalidInputError extends DomainError {
  constructor(message: string, field?: string) {
    super('Invalid', message, field === undefined ? {} : { field });
  }
}

/** A required input field is absent (some dialects answer this case with their own wording). */
export class MissingFieldError extends InvalidInputError {
  constructor(field: string) {
    super(`${field} is required`, field);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message = 'missing or invalid bearer token') {
    super('Unauthorized', message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super('Forbidden', message);
  }
}

export class NotFoundError extends DomainError {
  readonly entity: string;
  readonly id: string;

  constructor(entity: string, id: string) {
    super('NotFound', `${entity} "${id}" not found`);
    this.entity = entity;
    this.id = id;
  }
}

export class ConflictError extends DomainError {
  constructor(message: string) {
    super('Conflict', message);
  }
}

export class PayloadTooLargeError extends DomainError {
  constructor(limitBytes: number) {
    super('TooLarge', `request body exceeds ${limitBytes} bytes`);
  }
}

/** A cluster (or another dependency) did not answer, or answered with a server error. */
export class UnavailableError extends DomainError {
  constructor(message: string, cause?: unknown) {
    super('Unavailable', message, { cause });
  }
}
