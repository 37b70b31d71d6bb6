import { BookUser } from 'lucide-react';
import { ComingSoon } from '../placeholders/ComingSoon';

/** Placeholder until the contacts feature lands; the route already points here. */
export function ContactsPage() {
  return <ComingSoon area="contacts" icon={BookUser} />;
}
