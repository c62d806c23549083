import { createServer, type ServerResponse } from "node:http";
import { freePort } from "../../local/dynamo.ts";

/**
 * A pass-through in front of SES local that can stop answering: every request is forwarded (so
 * SES local stores the mail, as SES would have accepted it), but once `answerLimit` requests have
 * been answered the rest get no answer. A sender waiting on those is frozen just after SES took
 * its mail and before it could record the send: the moment a crash hurts most.
 */
export interface SesGate {
  url: string;
  /** Requests answered so far. */
  readonly answered: number;
  /** Recipients of the requests forwarded but left without an answer. */
  readonly held: string[];
  /** Answer at most this many requests in total (Infinity: all). */
  answerLimit: number;
  close(): Promise<void>;
}

/** Headers that belong to one connection, not to the request being passed on. */
const HOP_BY_HOP = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive"]);

export async function startSesGate(target: string): Promise<SesGate> {
  const port = await freePort();
  const waiting: ServerResponse[] = [];
  const gate: SesGate & { answered: number } = {
    url: `http://127.0.0.1:${port}`,
    answered: 0,
    held: [],
    answerLimit: Number.POSITIVE_INFINITY,
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      void (async () => {
        const upstream = await fetch(`${target}${req.url ?? "/"}`, {
          method: req.method,
          headers: Object.fromEntries(Object.entries(req.headers).filter(([name, value]) => typeof value === "string" && !HOP_BY_HOP.has(name))) as Record<
            string,
            string
          >,
          ...(body.length > 0 ? { body } : {}),
        });
        const text = await upstream.text();
        if (gate.answered >= gate.answerLimit) {
          const to = (JSON.parse(body.toString("utf8") || "{}") as { Destination?: { ToAddresses?: string[] } }).Destination?.ToAddresses ?? [];
          gate.held.push(...to);
          waiting.push(res);
          return;
        }
        gate.answered++;
        res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
        res.end(text);
      })().catch(() => {
        if (!res.headersSent) res.writeHead(502).end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  gate.close = () =>
    new Promise<void>((resolve) => {
      for (const res of waiting) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return gate;
}
