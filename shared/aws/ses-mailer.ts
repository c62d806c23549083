import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import type { Mailer, OutgoingMail } from "../core/ports.ts";

/** SES tag values allow letters, digits, `_`, `-`, `.`, `@`; anything else becomes `_`. */
function tagValue(value: string): string {
  return value.replace(/[^A-Za-z0-9_.@-]/g, "_").slice(0, 256);
}

/**
 * Sends through SES v2 with the configuration set (so bounces, complaints, opens and clicks come
 * back as events) and the given headers (List-Unsubscribe, List-Unsubscribe-Post).
 */
export class SesMailer implements Mailer {
  private readonly client: SESv2Client;
  private readonly configurationSet?: string;

  constructor(options: { region: string; endpoint?: string; configurationSet?: string; client?: SESv2Client }) {
    this.configurationSet = options.configurationSet;
    this.client =
      options.client ??
      new SESv2Client({
        region: options.endpoint ? "aws-ses-v2-local" : options.region,
        ...(options.endpoint ? { endpoint: options.endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
        // Throttling is retried by the sender with its own backoff and then by the queue.
        maxAttempts: 1,
      });
  }

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    const result = await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: mail.from,
        Destination: { ToAddresses: [mail.to] },
        ...(mail.replyTo ? { ReplyToAddresses: [mail.replyTo] } : {}),
        ...(this.configurationSet ? { ConfigurationSetName: this.configurationSet } : {}),
        EmailTags: Object.entries(mail.tags).map(([Name, Value]) => ({ Name, Value: tagValue(Value) })),
        Content: {
          Simple: {
            Subject: { Data: mail.subject, Charset: "UTF-8" },
            Body: { Text: { Data: mail.text, Charset: "UTF-8" }, Html: { Data: mail.html, Charset: "UTF-8" } },
            Headers: Object.entries(mail.headers).map(([Name, Value]) => ({ Name, Value })),
          },
        },
      }),
    );
    return { messageId: result.MessageId ?? "" };
  }
}
