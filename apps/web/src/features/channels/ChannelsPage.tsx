import { RadioTower } from 'lucide-react';
import { ComingSoon } from '../placeholders/ComingSoon';

/** Placeholder until the channels feature lands; the route already points here. */
export function ChannelsPage() {
  return <ComingSoon area="channels" icon={RadioTower} />;
}
