import { clsx } from 'clsx';
import type { LucideIcon } from 'lucide-react';
import { useEffect, useRef } from 'react';
import { Link } from 'react-router';

export type SectionTab = { to: string; label: string; icon: LucideIcon };

/**
 * An area's section tabs under the top of the screen (contacts, campaigns): links, the current one marked
 * with aria-current; on a phone a sideways-scrolling row that keeps the current tab in view.
 */
export function SectionTabs({ label, tabs, current }: { label: string; tabs: SectionTab[]; current: string }) {
  const navRef = useRef<HTMLElement>(null);
  useEffect(() => {
    navRef.current?.querySelector('[aria-current="page"]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [current]);
  return (
    <nav ref={navRef} aria-label={label} className="border-b border-border bg-surface">
      <ul className="mx-auto flex max-w-[96rem] gap-1 overflow-x-auto px-3 sm:px-5 lg:px-7">
        {tabs.map(({ to, label: text, icon: Icon }) => {
          const active = to === current;
          return (
            <li key={to} className="shrink-0">
              <Link
                to={to}
                aria-current={active ? 'page' : undefined}
                className={clsx(
                  'focus-ring -mb-px flex items-center gap-2 border-b-2 px-3 py-3 text-sm whitespace-nowrap transition-colors',
                  active ? 'border-primary font-medium text-fg' : 'border-transparent text-muted hover:text-fg',
                )}
              >
                <Icon className={clsx('size-4', active && 'text-link')} aria-hidden />
                {text}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
