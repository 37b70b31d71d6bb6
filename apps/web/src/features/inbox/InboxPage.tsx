import { Inbox } from 'lucide-react';
import { ComingSoon } from '../placeholders/ComingSoon';

/** Placeholder until the inbox feature lands; the route already points here. */
export function InboxPage() {
  return <ComingSoon area="inbox" icon={Inbox} />;
}
