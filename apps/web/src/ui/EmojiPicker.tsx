import { Popover } from 'radix-ui';
import type { ReactNode } from 'react';

/** A small built-in palette: the emoji sales teams actually send (no library, nothing to keep up). */
const EMOJI = ['😀', '😊', '😉', '😍', '🙏', '👍', '👋', '👏', '🙌', '💪', '🎉', '✅', '❌', '⭐', '🔥', '💯', '🤝', '📅', '⏰', '📞', '📍', '💬', '📄', '💰', '🚀', '❤️', '🎁', '🛒', '🏷️', '🙂', '😅', '🤔', '👀', '😢', '😮'];

/**
 * The emoji palette of the composer and the template editor. `children` is the trigger button;
 * with `closeOnPick` one pick closes it, otherwise several can be added in a row.
 */
export function EmojiPicker({ onPick, children, side = 'bottom', closeOnPick = false }: { onPick: (emoji: string) => void; children: ReactNode; side?: 'top' | 'bottom'; closeOnPick?: boolean }) {
  return (
    <Popover.Root>
      <Popover.Trigger asChild>{children}</Popover.Trigger>
      <Popover.Portal>
        <Popover.Content side={side} align="start" sideOffset={6} className="z-50 grid w-72 grid-cols-8 gap-0.5 rounded-lg border border-border bg-surface p-2 shadow-xl animate-fade-in">
          {EMOJI.map((e) => {
            const button = (
              <button key={e} type="button" className="focus-ring rounded-md p-1 text-xl hover:bg-hover" onClick={() => onPick(e)} aria-label={e}>
                {e}
              </button>
            );
            return closeOnPick ? (
              <Popover.Close asChild key={e}>
                {button}
              </Popover.Close>
            ) : (
              button
            );
          })}
        </Popover.Content>
      </Popover.Portal>
    </Popover.Root>
  );
}
