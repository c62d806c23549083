import type { EventBridgeEvent } from "aws-lambda";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import type { SesEvent, SesOutcome } from "../shared/mail-feedback/outcomes.ts";
import { applySesEvent } from "../shared/mail-feedback/outcomes.ts";

export type SesEventBridgeEvent = EventBridgeEvent<string, SesEvent>;

/**
 * SES events from the configuration set's EventBridge destination (source `aws.ses`, detail-type
 * "Email Bounced", "Email Complaint Received", "Email Delivered", "Email Opened", "Email Clicked").
 * Not HTTP: a failure is thrown so EventBridge retries; applying an event twice changes nothing.
 * Logs the message id and the outcome only, never addresses.
 */
export function makeHandler(deps: Deps) {
  return async (event: SesEventBridgeEvent): Promise<SesOutcome> => {
    const detail = event.detail;
    if (event.source !== "aws.ses" || !detail?.mail?.messageId) {
      deps.logger.warn("not an SES email event; ignored", { source: event.source, detailType: event["detail-type"], id: event.id });
      return "ignored";
    }
    try {
      const outcome = await applySesEvent(deps, detail, event.time);
      deps.logger.info("ses event", { id: event.id, detailType: event["detail-type"], messageId: detail.mail.messageId, outcome });
      return outcome;
    } catch (err) {
      deps.logger.error("ses event failed", { id: event.id, detailType: event["detail-type"], messageId: detail.mail.messageId, error: (err as Error).name, message: (err as Error).message?.replace(EMAIL_LIKE, "[email]").slice(0, 500) });
      throw err;
    }
  };
}

/** Error messages can quote input; addresses never reach the log. (Not shared/http/handler.ts's: that would bundle middy and the routes into this function.) */
const EMAIL_LIKE = /[^\s@"'<>,:;]+@[^\s@"'<>,:;]+/g;

let built: ReturnType<typeof makeHandler> | undefined;

/** The Lambda entry point: deps built from the environment on first use. */
export const handler = async (event: SesEventBridgeEvent): Promise<SesOutcome> => (built ??= makeHandler(depsFromEnv()))(event);
