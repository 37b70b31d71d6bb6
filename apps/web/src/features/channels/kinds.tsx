import type { ChannelKind } from '@leadmaster/contracts';
import { clsx } from 'clsx';
import { FlaskConical, MessageCircle, MessageSquare, QrCode, type LucideIcon } from 'lucide-react';

/** Each kind's mark: WhatsApp green, iMessage blue (its SMS fallback green), the Sandbox violet. */
const MARKS: Record<ChannelKind, { icon: LucideIcon; colour: string }> = {
  sandbox: { icon: FlaskConical, colour: 'bg-violet-500/15 text-violet-600 dark:text-violet-300' },
  whatsapp_cloud: { icon: MessageCircle, colour: 'bg-[#25D366]/15 text-[#128C4B] dark:text-[#4ADE80]' },
  whatsapp_web: { icon: QrCode, colour: 'bg-[#25D366]/15 text-[#128C4B] dark:text-[#4ADE80]' },
  bluebubbles: { icon: MessageSquare, colour: 'bg-[#0A84FF]/15 text-[#0A6CD6] dark:text-[#5AB0FF]' },
};

export function KindMark({ kind, className }: { kind: ChannelKind; className?: string }) {
  const { icon: Icon, colour } = MARKS[kind];
  return (
    <span aria-hidden className={clsx('inline-flex size-9 shrink-0 items-center justify-center rounded-lg', colour, className)}>
      <Icon className="size-[18px]" />
    </span>
  );
}

/** BlueBubbles carries two services: iMessage (blue) first, SMS (green) when it has to. */
export function ServiceDots({ kind }: { kind: ChannelKind }) {
  if (kind !== 'bluebubbles') return null;
  return (
    <span className="inline-flex items-center gap-2 text-xs text-muted">
      <span className="inline-flex items-center gap-1">
        <span className="size-2 rounded-full bg-[#0A84FF]" aria-hidden />
        iMessage
      </span>
      <span className="inline-flex items-center gap-1">
        <span className="size-2 rounded-full bg-[#34C759]" aria-hidden />
        SMS
      </span>
    </span>
  );
}
