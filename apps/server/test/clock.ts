import type { Clock } from '../src/platform/clock';

export class FakeClock implements Clock {
  private current: number;
  constructor(start: Date | string = '2026-11-22T12:00:00Z') {
    this.current = new Date(start).getTime();
  }
  now = () => new Date(this.current);
  advance(ms: number) {
    this.current += ms;
  }
  set(at: Date | string) {
    this.current = new Date(at).getTime();
  }
}
