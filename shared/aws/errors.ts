import { cancellationCodes } from "./db.ts";

/**
 * AWS throttling, whichever service said it: DynamoDB (`ProvisionedThroughputExceededException`,
 * `ThrottlingException`, `RequestLimitExceeded`), SES (`TooManyRequestsException`,
 * `LimitExceededException`), or any answer the SDK marks as a throttle or that came with HTTP 429.
 * The SDK retries these itself; one that gets past its retries is worth retrying a moment later.
 */
const THROTTLING = new Set(["ThrottlingException", "TooManyRequestsException", "LimitExceededException", "ProvisionedThroughputExceededException", "RequestLimitExceeded"]);

export function isThrottling(err: unknown): boolean {
  const e = err as { name?: string; $retryable?: { throttling?: boolean }; $metadata?: { httpStatusCode?: number } } | undefined;
  return THROTTLING.has(e?.name ?? "") || e?.$retryable?.throttling === true || e?.$metadata?.httpStatusCode === 429;
}

const BUSY_ERRORS = new Set(["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "TransactionConflictException"]);
const BUSY_REASONS = new Set(["ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict", "RequestLimitExceeded"]);

/**
 * DynamoDB turned a request away for load or for a race with another transaction, not for what
 * it asked: throttling, or a transaction conflict, as the error itself or as a reason of a
 * cancelled transaction. Unlike {@link isThrottling} (any service's throttling), a conflict counts
 * and a cancelled transaction is looked into. Worth trying the same work again after a pause.
 */
export function isThrottledOrConflicting(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (BUSY_ERRORS.has(err.name)) return true;
  return (cancellationCodes(err) ?? []).some((c) => c !== undefined && BUSY_REASONS.has(c));
}
