import { readFileSync } from 'node:fs';
import os from 'node:os';

export type Machine = {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  /** Server version of the PostgreSQL measured, when one was. */
  postgres: string | null;
};

export function describeMachine(options: { postgres: string | null }): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${distribution() ?? os.type()} (${os.type()} ${os.release()}, ${os.arch()})`,
    postgres: options.postgres,
  };
}

function distribution(): string | null {
  try {
    const match = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return match?.[1] ?? null;
  } catch {
    return null;
  }
}

export function machineLine(m: Machine): string {
  const parts = [`${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM`, `Node ${m.node}`, m.os];
  if (m.postgres) parts.push(`PostgreSQL ${m.postgres}`);
  return parts.join(' · ');
}

/** Same hardware and software, ignoring whether PostgreSQL was part of the run. */
export function sameMachine(a: Machine, b: Machine): boolean {
  return a.cpu === b.cpu && a.cores === b.cores && a.memoryGiB === b.memoryGiB && a.node === b.node && a.os === b.os;
}
