import { useQuery } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';
import { api } from '../../lib/api';

/** A user-visible background job (bulk edit, re-score, import): GET /api/v1/tasks/:id and `task.updated`. */
export type Task = {
  id: string;
  kind: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  progressDone: number;
  progressTotal: number | null;
  message: string | null;
  result: Record<string, unknown> | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
};

export const taskKey = (id: string) => ['tasks', id] as const;
export const isTaskFinished = (task: Task | undefined) => task !== undefined && (task.status === 'succeeded' || task.status === 'failed' || task.status === 'cancelled');
/** Done/total, or null while the total is unknown. */
export const taskFraction = (task: Task | undefined) =>
  task?.status === 'succeeded' ? 1 : task?.progressTotal ? Math.min(1, task.progressDone / task.progressTotal) : null;

/**
 * A task's state. Realtime `task.updated` events land in the same cache entry (RealtimeBridge); the
 * poll covers a socket that is down or events missed while the page was closed.
 */
export function useTask(id: string) {
  return useQuery({
    queryKey: taskKey(id),
    queryFn: ({ signal }) => api.get<Task>(`/api/v1/tasks/${id}`, signal),
    staleTime: 0,
    refetchInterval: (q) => (isTaskFinished(q.state.data) || q.state.status === 'error' ? false : 2000),
  });
}

/**
 * Tasks this browser started and still shows, kept in localStorage so their progress bars come back
 * after a reload. `scope` says which screen shows them (e.g. 'contacts' for bulk actions).
 */
export type ActiveTask = { id: string; scope: string; label: string; startedAt: string };
const KEY = 'lm.tasks';
const listeners = new Set<() => void>();
let cache: { raw: string | null; list: ActiveTask[] } = { raw: null, list: [] };

function read(): ActiveTask[] {
  let raw: string | null = null;
  try {
    raw = localStorage.getItem(KEY);
  } catch {
    raw = null;
  }
  if (raw === cache.raw) return cache.list;
  let list: ActiveTask[] = [];
  try {
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    if (Array.isArray(parsed)) list = parsed.filter((t): t is ActiveTask => typeof t?.id === 'string' && typeof t?.scope === 'string');
  } catch {
    list = [];
  }
  cache = { raw, list };
  return list;
}

function write(list: ActiveTask[]) {
  try {
    localStorage.setItem(KEY, JSON.stringify(list.slice(-20)));
  } catch {
    /* storage blocked: the bar lasts for this page */
    cache = { raw: cache.raw, list };
  }
  listeners.forEach((l) => l());
}

export const activeTasks = {
  add: (task: Omit<ActiveTask, 'startedAt'>) => write([...read().filter((t) => t.id !== task.id), { ...task, startedAt: new Date().toISOString() }]),
  remove: (id: string) => write(read().filter((t) => t.id !== id)),
};

if (typeof window !== 'undefined') {
  // Another tab started or dismissed a task.
  window.addEventListener('storage', (event) => event.key === KEY && listeners.forEach((l) => l()));
}

export function useActiveTasks(scope: string): ActiveTask[] {
  const all = useSyncExternalStore((listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, read);
  return all.filter((t) => t.scope === scope);
}
