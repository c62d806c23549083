/**
 * Errors are typed values. Domain code throws these; `errorResponse` in shared/http/http.ts is the one
 * place that turns them into status codes.
 */
export interface FieldIssue {
  field: string;
  message: string;
}

export class ValidationError extends Error {
  readonly fields: FieldIssue[];
  constructor(fields: FieldIssue[]) {
    super(`invalid: ${fields.map((f) => f.field).join(", ")}`);
    this.name = "ValidationError";
    this.fields = fields;
  }
  static field(field: string, message: string): ValidationError {
    return new ValidationError([{ field, message }]);
  }
}

export class NotFound extends Error {
  override name = "NotFound";
}

export class Conflict extends Error {
  override name = "Conflict";
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export class Unauthorized extends Error {
  override name = "Unauthorized";
}

export class Forbidden extends Error {
  override name = "Forbidden";
}

export class PayloadTooLarge extends Error {
  override name = "PayloadTooLarge";
}

/** Too many requests from one caller in a short time (the public tracking endpoint's rate limit). */
export class TooManyRequests extends Error {
  override name = "TooManyRequests";
}

export class UnsupportedMediaType extends Error {
  override name = "UnsupportedMediaType";
}

/** The same Idempotency-Key was sent again with a different request body. */
export class IdempotencyMismatch extends Error {
  override name = "IdempotencyMismatch";
}
