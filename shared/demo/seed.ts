import type { Deps } from "../core/deps.ts";
import type { Stage } from "../core/schema.ts";
import { findCustomerIdByEmail, getCustomerItem } from "../customers/repository.ts";
import { recordEvent } from "../interactions/record.ts";
import { EventInput } from "../interactions/schema.ts";
import { captureLead } from "../leads/capture.ts";
import { LeadInput } from "../leads/schema.ts";
import type { DemoCountry, DemoName } from "./data.ts";
import { asciiFold, DEMO_COUNTRIES, DEMO_EMAIL_DOMAINS, DEMO_MESSAGES, DEMO_PRODUCTS, DEMO_SOURCES, DEMO_TAGS, DEMO_UTM } from "./data.ts";

const DAY_MS = 86_400_000;

/** mulberry32: a tiny, fast 32-bit PRNG, so a seed gives the same demo data on every machine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The random choices the plan needs, over one PRNG. */
function randomness(seed: number) {
  const next = mulberry32(seed);
  const int = (n: number) => Math.floor(next() * n);
  const chance = (p: number) => next() < p;
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const weighted = <T extends { weight: number }>(items: readonly T[]): T => {
    let r = next() * items.reduce((sum, i) => sum + i.weight, 0);
    for (const item of items) if ((r -= item.weight) < 0) return item;
    return items[items.length - 1]!;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return { next, int, chance, pick, weighted, normal };
}
type Random = ReturnType<typeof randomness>;

export interface DemoOrder {
  externalId: string;
  at: string;
  amount: number;
  product: string;
}

export interface DemoCustomer {
  /** The form submission, already through the API's validation. */
  lead: LeadInput;
  /** The instant the lead is captured at. */
  createdAt: string;
  /** Purchases, oldest first, none in the future. */
  orders: DemoOrder[];
}

export interface PlanOptions {
  count: number;
  seed: number;
  /** The instant the demo history ends at; dates are spread over the 12 months before it. */
  now: Date;
}

/**
 * The demo customers for a seed, computed without touching the database. Customer `i` depends
 * only on the seed and the customers before it, so a larger `count` extends a smaller one and
 * order ids (`demo-order-<seed>-<i>-<k>`) stay stable between runs. Dates are anchored to the
 * start of `now`'s UTC day, so runs on the same day produce identical histories.
 */
export function planDemo(options: PlanOptions): DemoCustomer[] {
  const random = randomness(options.seed);
  const end = options.now.getTime();
  const anchor = Math.floor(end / DAY_MS) * DAY_MS;
  const takenEmails = new Set<string>();
  const customers: DemoCustomer[] = [];
  for (let i = 0; i < options.count; i++) {
    const country = random.weighted(DEMO_COUNTRIES);
    const person = personIn(country, random);
    const email = uniqueEmail(person, country, random, takenEmails);
    // Created some time in the 12 months before today, at any minute of the day.
    const createdMs = anchor - (1 + random.int(365)) * DAY_MS + random.int(DAY_MS / 60_000) * 60_000;
    const createdAt = new Date(Math.min(createdMs, end - 60_000));
    const city = random.pick(country.cities);
    const raw: Record<string, unknown> = {
      email,
      firstName: person.given.native,
      ...(person.family ? { lastName: person.family.native } : {}),
      city: city.name,
      ...(city.region ? { region: city.region } : {}),
      country: country.code,
      locale: country.locale,
      timezone: city.timezone,
    };
    if (random.chance(0.35)) raw.birthday = birthday(random);
    if (random.chance(0.3)) raw.company = random.pick(country.companies);
    if (country.phone && random.chance(0.4)) raw.phone = country.phone(random.int);
    const consent = random.next();
    if (consent < 0.6) raw.consent = true;
    else if (consent < 0.7) raw.consent = false;
    if (random.chance(0.35)) raw.tags = [...new Set([random.pick(DEMO_TAGS), ...(random.chance(0.3) ? [random.pick(DEMO_TAGS)] : [])])];
    if (random.chance(0.55)) raw.source = random.pick(DEMO_SOURCES);
    if (random.chance(0.3)) {
      raw.utm_source = random.pick(DEMO_UTM.source);
      raw.utm_medium = random.pick(DEMO_UTM.medium);
      raw.utm_campaign = random.pick(DEMO_UTM.campaign);
    }
    if (random.chance(0.12)) raw.message = random.pick(DEMO_MESSAGES);
    customers.push({
      lead: LeadInput.parse(raw),
      createdAt: createdAt.toISOString(),
      orders: ordersFor(i, options.seed, createdAt.getTime(), end, random),
    });
  }
  return customers;
}

interface Person {
  given: DemoName;
  family?: DemoName;
}

function personIn(country: DemoCountry, random: Random): Person {
  const female = random.chance(0.5);
  const given = random.pick(female ? country.female : country.male);
  if (country.singleName && random.chance(country.singleName)) return { given };
  const index = random.int(country.family.length);
  let family = (female && country.familyFemale ? country.familyFemale : country.family)[index]!;
  if (country.doubleFamily && random.chance(country.doubleFamily)) {
    const second = random.pick(country.family.filter((f) => f.native !== family.native));
    family = { native: `${family.native} ${second.native}`, roman: family.roman };
  }
  return { given, family };
}

/** `wei.zhang88@example.com`: romanized name, a number (often a birth year's last digits), an example domain. */
function uniqueEmail(person: Person, country: DemoCountry, random: Random, taken: Set<string>): string {
  const g = asciiFold(person.given.roman, country.locale) || "customer";
  const f = person.family ? asciiFold(person.family.roman.split(" ")[0]!, country.locale) : "";
  const styles = f ? [`${g}.${f}`, `${g}${f}`, `${g[0]}${f}`, `${g}_${f}`, `${f}.${g}`] : [g];
  const local = random.pick(styles);
  const domain = random.pick(DEMO_EMAIL_DOMAINS);
  let number = random.chance(0.4) ? 70 + random.int(30) : 1 + random.int(999);
  let email = `${local}${number}@${domain}`;
  while (taken.has(email)) {
    number = 1 + random.int(9999);
    email = `${local}${number}@${domain}`;
  }
  taken.add(email);
  return email;
}

function birthday(random: Random): string {
  const start = Date.UTC(1955, 0, 1);
  const end = Date.UTC(2004, 11, 31);
  return new Date(start + random.int(Math.floor((end - start) / DAY_MS)) * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Purchases over the year after the customer was created; those that would fall after `end`
 * have not happened yet and are left out. Most people never buy, fewer buy once or twice, a tail
 * buys 3–10 times; a first purchase tends to follow the sign-up within weeks. Amounts are
 * lognormal (median about 55) between 15 and 400, priced like shop prices (49.99).
 */
function ordersFor(index: number, seed: number, createdMs: number, end: number, random: Random): DemoOrder[] {
  const u = random.next();
  const count = u < 0.38 ? 0 : u < 0.6 ? 1 : u < 0.74 ? 2 : Math.min(10, 3 + Math.floor(-Math.log(1 - random.next()) / 0.4));
  const times: number[] = [];
  for (let k = 0; k < count; k++) {
    const offset = k === 0 ? Math.min(364 * DAY_MS, -Math.log(1 - random.next()) * 30 * DAY_MS) : random.next() * 365 * DAY_MS;
    times.push(createdMs + 10 * 60_000 + Math.floor(offset));
  }
  times.sort((a, b) => a - b);
  const orders: DemoOrder[] = [];
  times.forEach((at, k) => {
    const raw = Math.exp(Math.log(55) + 0.75 * random.normal());
    const whole = Math.round(Math.min(400, Math.max(15, raw)));
    const product = random.pick(DEMO_PRODUCTS);
    if (at >= end) return;
    orders.push({
      externalId: `demo-order-${seed}-${index + 1}-${k + 1}`,
      at: new Date(at).toISOString(),
      amount: whole >= 20 ? whole - 0.01 : whole,
      product,
    });
  });
  return orders;
}

export interface SeedOptions {
  /** How many customers (default 300). */
  count?: number;
  /** PRNG seed (default 42); the same seed gives the same customers and orders. */
  seed?: number;
  /** Customers in flight at once (default 16). */
  concurrency?: number;
  /** Called after each customer is done. */
  onProgress?: (done: number, total: number) => void;
}

export interface SeedSummary {
  customers: number;
  /** Customers that did not exist before this run. */
  created: number;
  /** Purchases recorded by this run. */
  purchases: number;
  /** Purchases already there from an earlier run (same externalId). */
  duplicatePurchases: number;
  /** Customers per stage after the run. */
  stages: Partial<Record<Stage, number>>;
  elapsedMs: number;
}

/**
 * Fills the table with demo customers (see `planDemo`): each lead goes through `captureLead` as
 * if submitted at its creation instant, each purchase through `recordEvent` at its instant, with
 * a clock per customer set to that instant so timelines read as they would have happened.
 *
 * Re-runnable: an email that already exists is not submitted again (a second submission would add
 * a timeline entry and move `lastActivityAt` back to the creation instant), and purchases are
 * idempotent on their externalId, so running it twice changes nothing.
 *
 * @example const summary = await seedDemo(deps, { count: 300, seed: 42 });
 */
export async function seedDemo(deps: Deps, options: SeedOptions = {}): Promise<SeedSummary> {
  const started = performance.now();
  const count = options.count ?? 300;
  const seed = options.seed ?? 42;
  const plan = planDemo({ count, seed, now: deps.clock.now() });
  const summary: SeedSummary = { customers: 0, created: 0, purchases: 0, duplicatePurchases: 0, stages: {}, elapsedMs: 0 };
  let done = 0;
  await forEachConcurrently(plan, options.concurrency ?? 16, async (customer) => {
    let current = customer.createdAt;
    const own: Deps = { ...deps, clock: { now: () => new Date(current) } };
    let customerId = await findCustomerIdByEmail(own, customer.lead.email);
    let stage: Stage | undefined;
    if (!customerId) {
      const result = await captureLead(own, customer.lead, { userAgent: "rapport seed --demo" });
      customerId = result.customerId;
      if (result.created) summary.created++;
    }
    for (const order of customer.orders) {
      current = order.at;
      const event = EventInput.parse({
        type: "purchase",
        customerId,
        at: order.at,
        externalId: order.externalId,
        amount: order.amount,
        product: order.product,
      });
      const result = await recordEvent(own, event);
      stage = result.stage;
      if (result.duplicate) summary.duplicatePurchases++;
      else summary.purchases++;
    }
    stage ??= (await getCustomerItem(own, customerId))?.stage ?? "lead";
    summary.stages[stage] = (summary.stages[stage] ?? 0) + 1;
    summary.customers++;
    options.onProgress?.(++done, plan.length);
  });
  summary.elapsedMs = performance.now() - started;
  return summary;
}

/** Runs `task` over `items` with at most `limit` in flight; the first failure stops new work and is thrown. */
async function forEachConcurrently<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await task(item);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
