import type { ModuleDeps } from '../../platform/deps';
import type { HttpServer } from '../../platform/http/server';
import { createFilesService } from './files.service';
import { filesRoutes } from './files.routes';

export { findMediaFile } from './files.service';

/** Files a tenant uploads to send: template media and inbox attachments (kept as the tenant's blobs). */
export function filesModule(deps: ModuleDeps) {
  const files = createFilesService(deps);
  return { files, routes: async (app: HttpServer) => app.register(filesRoutes({ files })) };
}
