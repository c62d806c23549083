import type { LeadScoreConfig } from "../core/config.ts";
import { LEAD_SCORE_SOURCES, type LeadScoreSource } from "../core/settings.ts";

/**
 * The lead score, as pure functions: points from activity (form posts, visits to key pages, email
 * clicks, replies, purchases), each source weighted, every point halving every `halfLifeDays`.
 *
 * Decay is the same factor for every point, so a score is stored once, as its value at the instant
 * it was last changed (`leadScore` at `leadScoreAt`), and any reader decays it to now without a
 * write: `leadScore × 0.5^(days since leadScoreAt ÷ halfLifeDays)`. The breakdown by source decays
 * by the same factor, so its parts always add up to the score.
 */

export type { LeadScoreSource };
export { LEAD_SCORE_SOURCES };

const DAY_MS = 86_400_000;

/** Scored activities remembered on the customer: replays are recognised by them, and the trend and recent list read them. */
export const LOG_SIZE = 16;

/** The share of the hot threshold a score must fall below before crossing it again counts as a new crossing. */
export const COOLED = 0.9;

/** How far back the trend compares. */
export const TREND_DAYS = 7;

/** One scored activity as the customer item keeps it: a short key, its source, points earned, when (epoch seconds). */
export interface ScoreLogEntry {
  k: string;
  s: LeadScoreSource;
  p: number;
  t: number;
}

/** The lead score attributes of the customer item (kept by shared/lead-score/stream.ts). */
export interface ScoreState {
  /** The score as of `leadScoreAt`, not decayed since. */
  leadScore?: number;
  leadScoreAt?: string;
  /** The score by source, as of `leadScoreAt` (they add up to `leadScore`). */
  leadScoreParts?: Partial<Record<LeadScoreSource, number>>;
  /** The latest scored activities, oldest first, at most `LOG_SIZE`. */
  leadScoreLog?: ScoreLogEntry[];
  /** Whether the score crossed the hot threshold and had not cooled down (below `COOLED` of it) when last written. */
  leadScoreHot?: boolean;
  /** Bumped on every write: the optimistic check of concurrent writers. */
  leadScoreRev?: number;
}

/** An activity that may earn points: a stable key (the same on every replay of its record), the source, when it happened. */
export interface Activity {
  key: string;
  source: LeadScoreSource;
  at: string;
}

/** The factor points lose from `from` to `to` (1 when `to` is not later). */
export function decayFactor(from: number, to: number, halfLifeDays: number): number {
  return to <= from ? 1 : 0.5 ** ((to - from) / (halfLifeDays * DAY_MS));
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

/**
 * The score decayed to `now`, to one decimal; 0 for a customer never scored.
 *
 * @example leadScoreNow({ leadScore: 40, leadScoreAt: "2027-01-01T00:00:00Z" }, 30, new Date("2027-01-31T00:00:00Z")) // 20
 */
export function leadScoreNow(state: ScoreState, halfLifeDays: number, now: Date): number {
  if (typeof state.leadScore !== "number" || typeof state.leadScoreAt !== "string") return 0;
  return round(state.leadScore * decayFactor(Date.parse(state.leadScoreAt), now.getTime(), halfLifeDays), 1);
}

/** The result of scoring new activities: the attributes to write, and whether the score crossed the hot threshold upwards. */
export interface Scored {
  state: Required<Pick<ScoreState, "leadScore" | "leadScoreAt" | "leadScoreParts" | "leadScoreLog" | "leadScoreHot" | "leadScoreRev">>;
  /** The activities that counted (not seen before, with points). */
  counted: Activity[];
  crossed: boolean;
}

/**
 * Adds the points of `activities` to `state` as of `now`. An activity already in the log (a
 * replayed stream record) or worth no points is left out; nothing left: undefined, nothing to write.
 * Each activity's points are decayed from when it happened, so a backfilled old purchase counts
 * for what it would be worth today.
 *
 * Crossing is upwards only and once: the score reaches the threshold and had not crossed it
 * before, or has cooled down since (decayed below `COOLED` of the threshold). A score that stays
 * hot does not cross again; one that cooled down crosses again when it rises back. The margin
 * keeps a score that hovers at the threshold (decaying under it by a hair between two
 * activities) from making a task every time it ticks back over.
 */
export function applyActivities(state: ScoreState, activities: readonly Activity[], config: LeadScoreConfig, now: Date): Scored | undefined {
  const seen = new Set((state.leadScoreLog ?? []).map((e) => e.k));
  const counted: Activity[] = [];
  for (const activity of activities) {
    if (seen.has(activity.key) || !(config.weights[activity.source] > 0) || Number.isNaN(Date.parse(activity.at))) continue;
    seen.add(activity.key);
    counted.push(activity);
  }
  if (counted.length === 0) return undefined;
  const nowMs = now.getTime();
  const factor = typeof state.leadScoreAt === "string" ? decayFactor(Date.parse(state.leadScoreAt), nowMs, config.halfLifeDays) : 1;
  const before = (state.leadScore ?? 0) * factor;
  const parts: Partial<Record<LeadScoreSource, number>> = {};
  for (const source of LEAD_SCORE_SOURCES) {
    const part = (state.leadScoreParts?.[source] ?? 0) * factor;
    if (part > 0) parts[source] = part;
  }
  const log = [...(state.leadScoreLog ?? [])];
  for (const activity of counted) {
    const at = Date.parse(activity.at);
    const points = config.weights[activity.source];
    parts[activity.source] = (parts[activity.source] ?? 0) + points * decayFactor(at, nowMs, config.halfLifeDays);
    log.push({ k: activity.key, s: activity.source, p: points, t: Math.floor(at / 1000) });
  }
  for (const source of Object.keys(parts) as LeadScoreSource[]) parts[source] = round(parts[source]!, 4);
  const score = round(
    Object.values(parts).reduce((sum, n) => sum + n, 0),
    4,
  );
  const wasHot = state.leadScoreHot === true && before >= config.hotThreshold * COOLED;
  const hot = score >= config.hotThreshold;
  return {
    state: {
      leadScore: score,
      leadScoreAt: now.toISOString(),
      leadScoreParts: parts,
      leadScoreLog: log.slice(-LOG_SIZE),
      leadScoreHot: hot || (wasHot && score >= config.hotThreshold * COOLED),
      leadScoreRev: (state.leadScoreRev ?? 0) + 1,
    },
    counted,
    crossed: hot && !wasHot,
  };
}

/** What the 360° view shows of the score. */
export interface ScoreView {
  score: number;
  hot: boolean;
  threshold: number;
  halfLifeDays: number;
  /** When points were last added. */
  updatedAt: string;
  /** The score by source, decayed to now (one decimal each; they add up to the score, give or take rounding). */
  breakdown: Record<LeadScoreSource, number>;
  /** The score `days` ago, worked out from the recent activities, and the change since. */
  trend: { days: number; before: number; change: number };
  /** The latest scored activities, newest first: the points they earned then. */
  recent: { source: LeadScoreSource; points: number; at: string }[];
}

/**
 * The score as the 360° view shows it at `now`; undefined for a customer never scored.
 *
 * The trend's `before` (the score `TREND_DAYS` ago) is exact while the log holds every activity of the last `TREND_DAYS`
 * (the last `LOG_SIZE` activities): take away what they add today, and undo the decay since then.
 */
export function scoreView(state: ScoreState, config: LeadScoreConfig, now: Date): ScoreView | undefined {
  if (typeof state.leadScore !== "number" || typeof state.leadScoreAt !== "string") return undefined;
  const nowMs = now.getTime();
  const factor = decayFactor(Date.parse(state.leadScoreAt), nowMs, config.halfLifeDays);
  const exact = state.leadScore * factor;
  const breakdown = Object.fromEntries(LEAD_SCORE_SOURCES.map((s) => [s, round((state.leadScoreParts?.[s] ?? 0) * factor, 1)])) as Record<
    LeadScoreSource,
    number
  >;
  const since = nowMs - TREND_DAYS * DAY_MS;
  const log = state.leadScoreLog ?? [];
  const recentPoints = log.filter((e) => e.t * 1000 > since).reduce((sum, e) => sum + e.p * decayFactor(e.t * 1000, nowMs, config.halfLifeDays), 0);
  const before = Math.max(0, (exact - recentPoints) / decayFactor(since, nowMs, config.halfLifeDays));
  const score = round(exact, 1);
  return {
    score,
    hot: score >= config.hotThreshold,
    threshold: config.hotThreshold,
    halfLifeDays: config.halfLifeDays,
    updatedAt: state.leadScoreAt,
    breakdown,
    trend: { days: TREND_DAYS, before: round(before, 1), change: round(score - round(before, 1), 1) },
    recent: [...log].reverse().map((e) => ({ source: e.s, points: e.p, at: new Date(e.t * 1000).toISOString() })),
  };
}

/** A path pattern as a case-insensitive RegExp: the path itself and everything below it; `*` is any part of one segment. */
function patternRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/\/+$/, "")
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join("[^/]*");
  return new RegExp(`^${body}(?:/.*)?$`, "i");
}

const compiled = new Map<string, RegExp>();

/**
 * The first key page pattern `path` falls under, or undefined. `/pricing` covers `/pricing` and
 * `/pricing/teams` but not `/pricingx`; query strings and fragments are ignored.
 *
 * @example keyPageOf("/pricing/teams?x=1", ["/demo", "/pricing"]) // "/pricing"
 */
export function keyPageOf(path: string, patterns: readonly string[]): string | undefined {
  const bare = path.replace(/[?#].*$/, "") || "/";
  for (const pattern of patterns) {
    let re = compiled.get(pattern);
    if (!re) compiled.set(pattern, (re = patternRegExp(pattern)));
    if (re.test(bare)) return pattern;
  }
  return undefined;
}
