import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Figure, Target } from './types';

/** Sampling interval: each sample is the time between two timer ticks, so an idle loop reads ~10 ms. */
export const EVENT_LOOP_RESOLUTION_MS = 10;

/**
 * The longest gap between two ticks of the bench's own timer, split by what the main thread did in it
 * (Linux only): running means it was busy (synchronous work: a real stall of ours); waiting means it was
 * ready but had no CPU (other processes or threads took the cores: contention, not our code).
 */
export type WorstGap = { gapMs: number; runningMs: number; waitingMs: number };

export type EventLoopDelay = {
  maxMs: number;
  p99Ms: number;
  meanMs: number;
  samples: number;
  worstGap: WorstGap | null;
  /** The most the main thread ran between two ticks (Linux): the stall its own work caused, contention aside. */
  longestRunningMs: number | null;
};

/** The main thread's event-loop delay while `work` runs. */
export async function measureEventLoop<T>(work: () => Promise<T>): Promise<{ result: T; delay: EventLoopDelay }> {
  const histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
  const gaps = watchGaps();
  histogram.enable();
  try {
    // The histogram records the gap between consecutive ticks: its first tick only starts the clock,
    // so a stall before it would go unseen (PGlite on the main thread can run a whole workload without
    // ever letting a timer fire). Wait until it has recorded a sample before the work starts.
    while (histogram.count < 1) await sleep(EVENT_LOOP_RESOLUTION_MS);
    const result = await work();
    // A stall is recorded by the first timer tick after it: let that tick happen before reading.
    await sleep(EVENT_LOOP_RESOLUTION_MS * 3);
    const ms = (ns: number) => ns / 1e6;
    return {
      result,
      delay: {
        maxMs: ms(histogram.max),
        p99Ms: ms(histogram.percentile(99)),
        meanMs: ms(histogram.mean),
        samples: histogram.count,
        worstGap: gaps.worst(),
        longestRunningMs: gaps.longestRunning(),
      },
    };
  } finally {
    histogram.disable();
    gaps.stop();
  }
}

/** Cumulative on-CPU and run-queue time of the calling thread, in ns; null off Linux. */
function threadSchedstat(): { runNs: number; waitNs: number } | null {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').trim().split(/\s+/).map(Number);
    return run === undefined || wait === undefined ? null : { runNs: run, waitNs: wait };
  } catch {
    return null;
  }
}

function watchGaps() {
  let previous = { at: performance.now(), sched: threadSchedstat() };
  let worst: WorstGap | null = null;
  let longestRunning: number | null = null;
  const timer = setInterval(() => {
    const now = { at: performance.now(), sched: threadSchedstat() };
    if (now.sched && previous.sched) {
      const gap = {
        gapMs: now.at - previous.at,
        runningMs: (now.sched.runNs - previous.sched.runNs) / 1e6,
        waitingMs: (now.sched.waitNs - previous.sched.waitNs) / 1e6,
      };
      if (!worst || gap.gapMs > worst.gapMs) worst = gap;
      longestRunning = Math.max(longestRunning ?? 0, gap.runningMs);
    }
    previous = now;
  }, EVENT_LOOP_RESOLUTION_MS);
  return { worst: () => worst, longestRunning: () => longestRunning, stop: () => clearInterval(timer) };
}

/**
 * The event-loop delay (the spec's figure), then what explains it: how long the main thread ran versus
 * waited for a CPU in the longest gap, and the longest stretch it ran between two ticks (the stall its
 * own synchronous work caused, whatever else the machine was doing).
 */
export function stallFigures(options: { prefix: string; delay: EventLoopDelay; target?: Target; database?: string }): Figure[] {
  const { prefix, delay, target } = options;
  const db = options.database ? { database: options.database } : {};
  const ms = (name: string, value: number, withTarget = false): Figure => ({
    name: `${prefix}: ${name}`,
    value,
    unit: 'ms',
    decimals: 1,
    ...(withTarget && target ? { target } : {}),
    ...db,
  });
  const figures = [ms('max', delay.maxMs, true), ms('p99', delay.p99Ms)];
  if (delay.worstGap) {
    figures.push(
      ms('longest gap, main thread running', delay.worstGap.runningMs),
      ms('longest gap, main thread waiting for a CPU', delay.worstGap.waitingMs),
    );
  }
  if (delay.longestRunningMs !== null) figures.push(ms('longest main-thread run between two ticks', delay.longestRunningMs, true));
  return figures;
}
