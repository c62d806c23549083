import { Agent, request } from "node:http";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { FailureCountingLogger, seededRandom } from "./support/faults.ts";
import { useStack } from "./support/stack.ts";

/**
 * Load: 20 clients (20 keep-alive connection pools), each keeping 10 lead posts in flight, for
 * RAPPORT_LOAD_SECONDS (default 30) against the local stack over real HTTP. New addresses,
 * repeats of earlier ones from other clients at the same moment, hot addresses every client
 * posts, other spellings of the same address, JSON and browser form posts. Then: nothing lost,
 * nothing doubled, no 5xx. Throughput and latency go to stderr (they depend on the machine).
 */
const SECONDS = Number(process.env.RAPPORT_LOAD_SECONDS || 30);
const CLIENTS = 20;
const IN_FLIGHT = 10;
const HOT = 12;

/** Counts the server's failures by error name, to say what a 5xx was. */
const log = new FailureCountingLogger();
const stack = useStack({ logger: log, ownDynamo: true });

interface Post {
  /** The address as the test generated it; the variants below are other spellings of it. */
  canonical: string;
  status: number;
  ms: number;
  customerId?: string;
}

/** Spellings of one address that must all be the same person. */
function spell(canonical: string, random: () => number): string {
  const [local, domain] = canonical.split("@") as [string, string];
  const r = random();
  if (r < 0.55) return canonical;
  if (r < 0.7) return canonical.toUpperCase();
  if (r < 0.85) return `  ${local}@${domain} `;
  return `${local[0]!.toUpperCase()}${local.slice(1)}@${domain.toUpperCase()}.`;
}

function post(agent: Agent, url: URL, body: string, json: boolean, key?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: json
          ? {
              "content-type": "application/json",
              accept: "application/json",
              "content-length": Buffer.byteLength(body),
              ...(key ? { authorization: `Bearer ${key}` } : {}),
            }
          : // A browser form post: its page's origin, no JSON asked for: 303 to the thank-you page.
            { "content-type": "application/x-www-form-urlencoded", accept: "text/html", origin: url.origin, "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

describe("200 concurrent lead posts from 20 clients", () => {
  it(
    `for ${SECONDS} s: every accepted post is stored, one customer per person, no 5xx`,
    async () => {
      const url = new URL("/v1/leads", stack.url);
      const random = seededRandom(2026);
      /** Every address handed out so far, by any client: repeats come from here. */
      const issued: string[] = [];
      const hot = Array.from({ length: HOT }, (_, i) => `hot${i}@load.example.com`);
      let next = 0;
      const pick = (client: number): string => {
        const r = random();
        if (r < 0.45 || issued.length === 0) {
          const fresh = `c${client}n${next++}@load.example.com`;
          issued.push(fresh);
          return fresh;
        }
        if (r < 0.85) return issued[Math.floor(random() * issued.length)]!;
        return hot[Math.floor(random() * HOT)]!;
      };

      const posts: Post[] = [];
      const failures: string[] = [];
      const deadline = Date.now() + SECONDS * 1000;
      const started = performance.now();
      const agents = Array.from({ length: CLIENTS }, () => new Agent({ keepAlive: true, maxSockets: IN_FLIGHT }));
      await Promise.all(
        agents.flatMap((agent, client) =>
          Array.from({ length: IN_FLIGHT }, async () => {
            while (Date.now() < deadline) {
              const canonical = pick(client);
              const email = spell(canonical, random);
              const json = random() < 0.7;
              // Half the scripts post with a key (201/200 with the customer id); without one, 202.
              const key = json && random() < 0.5 ? stack.leadsKey : undefined;
              const body = json
                ? JSON.stringify({ email, firstName: `Load${client}`, source: "load-test" })
                : new URLSearchParams({ email, firstName: `Load${client}`, source: "load-test" }).toString();
              const t = performance.now();
              try {
                const res = await post(agent, url, body, json, key);
                const ms = performance.now() - t;
                const customerId = key && res.status < 300 ? (JSON.parse(res.text) as { customerId: string }).customerId : undefined;
                posts.push({ canonical, status: res.status, ms, ...(customerId ? { customerId } : {}) });
                if (!(key ? [200, 201] : json ? [202] : [303]).includes(res.status) && failures.length < 5)
                  failures.push(`${res.status} ${res.text.slice(0, 200)}`);
              } catch (err) {
                // No answer: whether it was stored is unknowable, so the run cannot prove anything.
                if (failures.length < 5) failures.push(`no answer: ${(err as Error).message}`);
                posts.push({ canonical, status: 0, ms: performance.now() - t });
              }
            }
          }),
        ),
      );
      const seconds = (performance.now() - started) / 1000;
      for (const agent of agents) agent.destroy();

      const statuses: Record<number, number> = {};
      for (const p of posts) statuses[p.status] = (statuses[p.status] ?? 0) + 1;
      const accepted = posts.filter((p) => [200, 201, 202, 303].includes(p.status));
      const latencies = posts.map((p) => p.ms).sort((a, b) => a - b);
      process.stderr.write(
        `load: ${posts.length} posts in ${seconds.toFixed(1)} s from ${CLIENTS} clients × ${IN_FLIGHT} in flight = ${(posts.length / seconds).toFixed(0)} posts/s; ` +
          `p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${latencies.at(-1)?.toFixed(0)} ms; statuses ${JSON.stringify(statuses)}` +
          `${Object.keys(log.failures).length ? `; server failures ${JSON.stringify(log.failures)}` : ""}\n`,
      );
      expect(
        failures,
        `every post answered 200/201 (JSON with a key), 202 (JSON without) or 303 (form); server failures: ${JSON.stringify(log.failures)}`,
      ).toEqual([]);
      expect(posts.filter((p) => p.status >= 500).length, "5xx answers").toBe(0);
      expect(accepted.length).toBe(posts.length);

      // What the table holds: customers and form submissions (a Scan, for the check only).
      const customers = new Map<string, string>();
      const submissions = new Map<string, number>();
      let start: Record<string, unknown> | undefined;
      do {
        const page = await stack.deps.db.send(
          new ScanCommand({
            TableName: stack.deps.table,
            ExclusiveStartKey: start,
            ConsistentRead: true,
            ProjectionExpression: "PK, #type, id, email, kind",
            ExpressionAttributeNames: { "#type": "type" },
          }),
        );
        for (const item of page.Items ?? []) {
          if (item.type === "customer") customers.set(item.email as string, item.id as string);
          else if (item.type === "timeline" && item.kind === "form_submitted")
            submissions.set(item.PK as string, (submissions.get(item.PK as string) ?? 0) + 1);
        }
        start = page.LastEvaluatedKey;
      } while (start);

      const perEmail = new Map<string, number>();
      for (const p of accepted) perEmail.set(p.canonical, (perEmail.get(p.canonical) ?? 0) + 1);
      expect(customers.size, "one customer per distinct address accepted").toBe(perEmail.size);
      const wrongIds = accepted.filter((p) => p.customerId && customers.get(p.canonical) !== p.customerId);
      expect(wrongIds.length, "every JSON answer's customer is the stored one for its address").toBe(0);
      const mismatched: string[] = [];
      for (const [email, count] of perEmail) {
        const id = customers.get(email);
        const stored = id ? (submissions.get(`CUST#${id}`) ?? 0) : -1;
        if (stored !== count) mismatched.push(`${email}: ${count} accepted, ${stored} stored`);
      }
      expect(mismatched.slice(0, 10), "form submissions on each timeline = posts accepted for that address").toEqual([]);
      expect([...submissions.values()].reduce((a, b) => a + b, 0)).toBe(accepted.length);
    },
    (SECONDS + 180) * 1000,
  );
});
