import type { EventBridgeEvent } from "aws-lambda";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import type { SesEvent, SesOutcome } from "../shared/mail-feedback/outcomes.ts";
import { applySesEvent } from "../shared/mail-feedback/outcomes.ts";
import { issuePaths, SesEventBridgeEnvelope } from "../shared/mail-feedback/schema.ts";

export type SesEventBridgeEvent = EventBridgeEvent<string, SesEvent>;

/** What became of one event: the domain's outcome, or `invalid` when the record did not fit the SES event schema and was dropped. */
export type SesEventResult = SesOutcome | "invalid";

/**
 * SES events from the configuration set's EventBridge destination (source `aws.ses`, detail-type
 * "Email Bounced", "Email Complaint Received", "Email Delivered", "Email Opened", "Email Clicked").
 * Not HTTP. Every event is checked against the SES event schema first: one that does not fit can
 * never succeed, so it is logged (ids and the failing paths only) and dropped instead of thrown,
 * which would make EventBridge deliver the same poison again. A failure of the table is thrown so
 * EventBridge retries; applying an event twice changes nothing. Logs ids and outcomes, never addresses.
 */
export function makeHandler(deps: Deps) {
  return async (event: unknown): Promise<SesEventResult> => {
    const ids = idsOf(event);
    if (ids.source !== "aws.ses") {
      deps.logger.warn("not an SES email event; ignored", { id: ids.id, detailType: ids.detailType });
      return "ignored";
    }
    const parsed = SesEventBridgeEnvelope.safeParse(event);
    if (!parsed.success) {
      deps.logger.warn("SES event does not fit the SES event schema; dropped", { ...ids, issues: issuePaths(parsed.error) });
      return "invalid";
    }
    const { detail, time } = parsed.data;
    try {
      const outcome = await applySesEvent(deps, detail, time);
      deps.logger.info("ses event", { ...ids, outcome });
      return outcome;
    } catch (err) {
      deps.logger.error("ses event failed", {
        ...ids,
        error: (err as Error).name,
        message: (err as Error).message?.replace(EMAIL_LIKE, "[email]").slice(0, 500),
      });
      throw err;
    }
  };
}

/** Error messages can quote input; addresses never reach the log. (Not shared/http/handler.ts's: that would bundle middy and the routes into this function.) */
const EMAIL_LIKE = /[^\s@"'<>,:;]+@[^\s@"'<>,:;]+/g;

/** The ids an event carries, for the log, read without trusting its shape: short strings only. */
function idsOf(event: unknown): { id?: string; detailType?: string; source?: string; messageId?: string } {
  const short = (v: unknown) => (typeof v === "string" && v.length <= 128 ? v : undefined);
  const record = event !== null && typeof event === "object" ? (event as Record<string, unknown>) : {};
  const detail = record.detail !== null && typeof record.detail === "object" ? (record.detail as Record<string, unknown>) : {};
  const mail = detail.mail !== null && typeof detail.mail === "object" ? (detail.mail as Record<string, unknown>) : {};
  return { id: short(record.id), detailType: short(record["detail-type"]), source: short(record.source), messageId: short(mail.messageId) };
}

let built: ReturnType<typeof makeHandler> | undefined;

/** The Lambda entry point: deps built from the environment on first use. */
export const handler = async (event: SesEventBridgeEvent): Promise<SesEventResult> => (built ??= makeHandler(depsFromEnv()))(event);
