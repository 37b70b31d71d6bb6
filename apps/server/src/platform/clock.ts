/** Time as the product sees it; tests replace it to move through rate-limit windows and TOTP steps. */
export type Clock = { now(): Date };

export const systemClock: Clock = { now: () => new Date() };
