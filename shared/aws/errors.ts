/**
 * AWS throttling, whichever service said it: DynamoDB (`ProvisionedThroughputExceededException`,
 * `ThrottlingException`, `RequestLimitExceeded`), SES (`TooManyRequestsException`,
 * `LimitExceededException`), or any answer the SDK marks as a throttle or that came with HTTP 429.
 * The SDK retries these itself; one that gets past its retries is worth retrying a moment later.
 */
const THROTTLING = new Set([
  "ThrottlingException",
  "TooManyRequestsException",
  "LimitExceededException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
]);

export function isThrottling(err: unknown): boolean {
  const e = err as { name?: string; $retryable?: { throttling?: boolean }; $metadata?: { httpStatusCode?: number } } | undefined;
  return THROTTLING.has(e?.name ?? "") || e?.$retryable?.throttling === true || e?.$metadata?.httpStatusCode === 429;
}

/** How long the sender stops taking work when SES will not send for the account (seconds). */
export interface SendingPause {
  /** The SES error name, for logs and the ledger. */
  reason: string;
  seconds: number;
}

/**
 * SES refusing to send for the whole account, not for one message: sending paused (by AWS over a
 * bounce or complaint rate, or by the owner), the account suspended, or the daily sending quota
 * used up (`LimitExceededException`, or a throttle that says "Daily message quota"). Retrying at
 * once only burns the send queue's receives; the sender stops for a while instead. AWS advises
 * waiting up to 10 minutes after a quota error; a pause or suspension needs a person, so the
 * sender looks again every 15 minutes (the longest SQS delay).
 */
export function sendingPauseOf(err: unknown): SendingPause | undefined {
  const e = err as { name?: string; message?: string } | undefined;
  const name = e?.name ?? "";
  if (name === "SendingPausedException" || name === "AccountSuspendedException") return { reason: name, seconds: 900 };
  if (name === "LimitExceededException" || (isThrottling(err) && /daily message quota/i.test(e?.message ?? "")))
    return { reason: name || "LimitExceededException", seconds: 600 };
  return undefined;
}

/** SES refused this one message for good (its content or address); sending it again would fail the same way. */
export function isMessageRejected(err: unknown): boolean {
  return (err as { name?: string } | undefined)?.name === "MessageRejected";
}
