/** Time as a dependency: domain code asks the clock, never `Date.now()`, so sweeps and tests can run "as of" any instant. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that always answers the given instant (tests, `rapport sweep --at`). */
export function fixedClock(at: Date | string): Clock {
  const instant = new Date(at);
  return { now: () => new Date(instant) };
}
