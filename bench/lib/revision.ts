import { execFileSync } from 'node:child_process';

/** Which product code was measured: the commit, and whether the server, web or packages had local changes. */
export type Revision = { commit: string; dirty: boolean } | null;

export function productRevision(root: string): Revision {
  const git = (...args: string[]) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return { commit: git('rev-parse', '--short=12', 'HEAD'), dirty: git('status', '--porcelain', '--', 'apps', 'packages') !== '' };
  } catch {
    return null;
  }
}

export function revisionLine(revision: Revision): string {
  if (!revision) return 'unknown (not a git checkout)';
  return `commit \`${revision.commit}\`${revision.dirty ? ' with uncommitted changes in apps/ or packages/' : ''}`;
}
