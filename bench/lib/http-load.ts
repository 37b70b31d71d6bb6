import autocannon from 'autocannon';
import { createHistogram } from 'node:perf_hooks';

export type LoadResult = {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
};

/**
 * Keeps `connections` requests in flight against one URL for `seconds` and reports throughput and
 * latency (warm the server up with an unmeasured call first). Latency comes from each response's own timing at microsecond
 * resolution: autocannon's built-in histogram rounds to whole milliseconds, too coarse for ~1 ms requests.
 * Any non-2xx answer or socket error aborts the measurement.
 */
export function measureHttpLoad(options: { url: string; headers: Record<string, string>; connections: number; seconds: number }): Promise<LoadResult> {
  const latencyMicros = createHistogram();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: options.url, headers: options.headers, connections: options.connections, duration: options.seconds, pipelining: 1 },
      (err, result) => {
        if (err) return reject(err);
        const failures = result.non2xx + result.errors + result.timeouts;
        if (failures > 0) {
          return reject(
            new Error(
              `${options.url}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts out of ${result.requests.total}`,
            ),
          );
        }
        const completed = latencyMicros.count;
        resolve({
          requests: completed,
          requestsPerSecond: completed / result.duration,
          p50Ms: latencyMicros.percentile(50) / 1000,
          p99Ms: latencyMicros.percentile(99) / 1000,
          maxMs: latencyMicros.max / 1000,
        });
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => {
      latencyMicros.record(Math.max(1, Math.round(responseTimeMs * 1000)));
    });
  });
}
