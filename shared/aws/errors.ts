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
