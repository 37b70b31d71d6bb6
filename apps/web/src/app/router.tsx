import { createBrowserRouter, Navigate } from 'react-router';
import { AuthGate } from '../features/auth/AuthGate';
import { ApiKeysPage } from '../features/api-keys/ApiKeysPage';
import { AuditPage } from '../features/audit/AuditPage';
import { CalendarPage } from '../features/calendar/CalendarPage';
import { CampaignBuilderPage } from '../features/campaigns/CampaignBuilderPage';
import { CampaignPage } from '../features/campaigns/CampaignPage';
import { CampaignsLayout } from '../features/campaigns/CampaignsLayout';
import { CampaignsListPage } from '../features/campaigns/CampaignsListPage';
import { TemplateEditorPage } from '../features/campaigns/TemplateEditorPage';
import { TemplatesListPage } from '../features/campaigns/TemplatesListPage';
import { ChannelsPage } from '../features/channels/ChannelsPage';
import { ChannelPage } from '../features/channels/ChannelPage';
import { BlacklistPage } from '../features/contacts/blacklist/BlacklistPage';
import { ContactFieldsPage } from '../features/contacts/ContactFieldsPage';
import { InboxSettingsPage } from '../features/inbox/InboxSettingsPage';
import { ContactPage } from '../features/contacts/ContactPage';
import { ContactsLayout } from '../features/contacts/ContactsLayout';
import { ContactsListPage } from '../features/contacts/ContactsListPage';
import { ImportDetailPage } from '../features/contacts/import/ImportDetailPage';
import { ImportPage } from '../features/contacts/import/ImportPage';
import { ValidationQueuePage } from '../features/contacts/validation/ValidationQueuePage';
import { InboxPage } from '../features/inbox/InboxPage';
import { RolesPage } from '../features/roles/RolesPage';
import { ScoringPage } from '../features/scoring/ScoringPage';
import { SecurityPage } from '../features/security/SecurityPage';
import { SettingsLayout } from '../features/settings/SettingsLayout';
import { WorkspacePage } from '../features/settings/WorkspacePage';
import { UsersPage } from '../features/users/UsersPage';
import { HomeRedirect, NotFound, RequirePermission } from './access';
import { RouteError } from './RouteError';
import { Shell } from './Shell';

/** Every screen and the permission it needs (the navigation hides what the user cannot open). */
export const router = createBrowserRouter([
  {
    element: <AuthGate />,
    errorElement: <RouteError />,
    children: [
      {
        element: <Shell />,
        errorElement: <RouteError />,
        children: [
          { index: true, element: <HomeRedirect /> },
          { path: 'inbox', element: <RequirePermission permission="inbox.read"><InboxPage /></RequirePermission> },
          {
            path: 'contacts',
            element: <RequirePermission permission="contacts.read"><ContactsLayout /></RequirePermission>,
            children: [
              { index: true, element: <ContactsListPage /> },
              { path: 'import', element: <RequirePermission permission="contacts.import"><ImportPage /></RequirePermission> },
              { path: 'import/:id', element: <RequirePermission permission="contacts.import"><ImportDetailPage /></RequirePermission> },
              { path: 'validation', element: <RequirePermission permission="contacts.validate"><ValidationQueuePage /></RequirePermission> },
              { path: 'blacklist', element: <BlacklistPage /> },
              { path: ':id', element: <ContactPage /> },
            ],
          },
          {
            path: 'campaigns',
            element: <RequirePermission permission="campaigns.read"><CampaignsLayout /></RequirePermission>,
            children: [
              { index: true, element: <CampaignsListPage /> },
              { path: 'new', element: <RequirePermission permission="campaigns.manage"><CampaignBuilderPage /></RequirePermission> },
              { path: 'templates', element: <TemplatesListPage /> },
              { path: 'templates/new', element: <RequirePermission permission="templates.manage"><TemplateEditorPage /></RequirePermission> },
              { path: 'templates/:id', element: <RequirePermission permission="templates.manage"><TemplateEditorPage /></RequirePermission> },
              { path: ':id', element: <CampaignPage /> },
              { path: ':id/edit', element: <RequirePermission permission="campaigns.manage"><CampaignBuilderPage /></RequirePermission> },
            ],
          },
          { path: 'calendar', element: <RequirePermission permission="calendar.read"><CalendarPage /></RequirePermission> },
          { path: 'channels', element: <RequirePermission permission="channels.read"><ChannelsPage /></RequirePermission> },
          { path: 'channels/:id', element: <RequirePermission permission="channels.read"><ChannelPage /></RequirePermission> },
          {
            path: 'settings',
            element: <SettingsLayout />,
            children: [
              { index: true, element: <Navigate to="workspace" replace /> },
              { path: 'workspace', element: <WorkspacePage /> },
              { path: 'users', element: <RequirePermission permission="users.read"><UsersPage /></RequirePermission> },
              { path: 'roles', element: <RequirePermission permission="users.read"><RolesPage /></RequirePermission> },
              { path: 'api-keys', element: <RequirePermission permission="api_keys.manage"><ApiKeysPage /></RequirePermission> },
              { path: 'scoring', element: <RequirePermission permission="scoring.manage"><ScoringPage /></RequirePermission> },
              { path: 'contact-fields', element: <RequirePermission permission="settings.manage"><ContactFieldsPage /></RequirePermission> },
              { path: 'inbox', element: <RequirePermission permission="inbox.read"><InboxSettingsPage /></RequirePermission> },
              { path: 'audit', element: <RequirePermission permission="audit.read"><AuditPage /></RequirePermission> },
              { path: 'security', element: <SecurityPage /> },
            ],
          },
          { path: '*', element: <NotFound /> },
        ],
      },
    ],
  },
]);
