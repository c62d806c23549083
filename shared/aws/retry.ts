import { cancellationCodes } from "./db.ts";

/** Waits `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits a random time from 0 to `baseMs × 2^min(attempt, maxExponent)` ("full jitter"): writers
 * that collided spread out instead of colliding again on the same beat.
 */
export function jitteredBackoff(attempt: number, baseMs: number, maxExponent: number): Promise<void> {
  return sleep(Math.random() * baseMs * 2 ** Math.min(attempt, maxExponent));
}

/** Cancellation reasons of a transaction that lost a race with another writer: read afresh and try again. */
export const LOST_RACE = new Set(["ConditionalCheckFailed", "TransactionConflict"]);
/** Cancellation reasons of a transaction that met contention, not a refused condition: try the same writes again. */
export const CONTENTION = new Set(["TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"]);

export interface TransactionRetry {
  /** Attempts in all; the one that failed at `attempt === maxAttempts` is not retried. */
  maxAttempts: number;
  /** Which cancellation reasons are worth another attempt. */
  reasons: ReadonlySet<string>;
  /** The first attempt's longest wait is `2 × baseMs` (default 20 ms). */
  baseMs?: number;
  /** The wait stops doubling after this many attempts (default 5). */
  maxExponent?: number;
}

/**
 * Whether a failed TransactWriteItems is worth another attempt: it was cancelled for one of
 * `reasons` and attempts are left. Then it waits (full jitter, growing with the attempt) before
 * answering true; any other error answers false at once.
 *
 * @example
 * for (let attempt = 1; ; attempt++) {
 *   try { return await write(); } catch (err) { if (!(await retryTransaction(err, attempt, { maxAttempts: 8, reasons: LOST_RACE }))) throw err; }
 * }
 */
export async function retryTransaction(err: unknown, attempt: number, retry: TransactionRetry): Promise<boolean> {
  const codes = cancellationCodes(err);
  if (!codes || attempt >= retry.maxAttempts || !codes.some((c) => c !== undefined && retry.reasons.has(c))) return false;
  await jitteredBackoff(attempt, retry.baseMs ?? 20, retry.maxExponent ?? 5);
  return true;
}

const BUSY_ERRORS = new Set(["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "TransactionConflictException"]);
const BUSY_REASONS = new Set(["ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict", "RequestLimitExceeded"]);

/**
 * DynamoDB turned a request away for load or for a race with another transaction, not for what
 * it asked: throttling, or a transaction conflict, as the error itself or as a reason of a
 * cancelled transaction. Unlike `isThrottling` (./errors.ts: any service's throttling), a conflict counts
 * and a cancelled transaction is looked into. Worth trying the same work again after a pause.
 */
export function isThrottledOrConflicting(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (BUSY_ERRORS.has(err.name)) return true;
  return (cancellationCodes(err) ?? []).some((c) => c !== undefined && BUSY_REASONS.has(c));
}
