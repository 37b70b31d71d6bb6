import { clsx } from 'clsx';
import { Check } from 'lucide-react';
import { DropdownMenu as M } from 'radix-ui';
import type { ComponentProps, ReactNode } from 'react';

/** A keyboard-navigable dropdown menu (Radix): arrows move, Enter picks, Esc closes. */
export const Menu = M.Root;
export const MenuTrigger = M.Trigger;

export function MenuContent({ className, children, ...rest }: ComponentProps<typeof M.Content>) {
  return (
    <M.Portal>
      <M.Content
        sideOffset={6}
        collisionPadding={8}
        className={clsx('z-50 min-w-52 rounded-md border border-border bg-surface p-1 shadow-xl animate-fade-in', className)}
        {...rest}
      >
        {children}
      </M.Content>
    </M.Portal>
  );
}

const itemClass =
  'relative flex cursor-default items-center gap-2 rounded-sm px-2 py-1.5 text-sm outline-none select-none data-[disabled]:opacity-50 data-[highlighted]:bg-hover';

export function MenuItem({ icon, tone, children, className, ...rest }: ComponentProps<typeof M.Item> & { icon?: ReactNode; tone?: 'danger' }) {
  return (
    <M.Item className={clsx(itemClass, tone === 'danger' && 'text-danger', className)} {...rest}>
      {icon ? <span className="flex size-4 items-center justify-center text-muted [&>svg]:size-4">{icon}</span> : null}
      {children}
    </M.Item>
  );
}

export function MenuLabel({ children }: { children: ReactNode }) {
  return <M.Label className="px-2 pt-2 pb-1 text-xs font-medium text-subtle">{children}</M.Label>;
}

export function MenuSeparator() {
  return <M.Separator className="my-1 h-px bg-border" />;
}

export function MenuRadioGroup(props: { value: string; onValueChange: (value: string) => void; label: string; options: { value: string; label: ReactNode }[] }) {
  return (
    <M.RadioGroup value={props.value} onValueChange={props.onValueChange} aria-label={props.label}>
      {props.options.map((o) => (
        <M.RadioItem key={o.value} value={o.value} className={clsx(itemClass, 'pl-8')} onSelect={(e) => e.preventDefault()}>
          <M.ItemIndicator className="absolute left-2 flex size-4 items-center justify-center">
            <Check className="size-4 text-link" aria-hidden />
          </M.ItemIndicator>
          {o.label}
        </M.RadioItem>
      ))}
    </M.RadioGroup>
  );
}
