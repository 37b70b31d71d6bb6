import { Megaphone } from 'lucide-react';
import { ComingSoon } from '../placeholders/ComingSoon';

/** Placeholder until the campaigns feature lands; the route already points here. */
export function CampaignsPage() {
  return <ComingSoon area="campaigns" icon={Megaphone} />;
}
