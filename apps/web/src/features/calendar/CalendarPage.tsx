import { Calendar } from 'lucide-react';
import { ComingSoon } from '../placeholders/ComingSoon';

/** Placeholder until the calendar feature lands; the route already points here. */
export function CalendarPage() {
  return <ComingSoon area="calendar" icon={Calendar} />;
}
