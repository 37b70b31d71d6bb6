import { api } from '../../lib/api';

export type TotpEnrolment = { secret: string; otpauthUrl: string; qrDataUrl: string };

export const securityApi = {
  updateProfile: (body: { name?: string; locale?: 'es' | 'en' | null }) => api.patch<{ ok: true }>('/api/v1/auth/me', body),
  changePassword: (body: { currentPassword: string; newPassword: string }) => api.post<{ ok: true }>('/api/v1/auth/password', body),
  startTwoFactor: () => api.post<TotpEnrolment>('/api/v1/auth/2fa/setup'),
  confirmTwoFactor: (code: string) => api.post<{ recoveryCodes: string[] }>('/api/v1/auth/2fa/confirm', { code }),
  disableTwoFactor: (password: string) => api.post<{ ok: true }>('/api/v1/auth/2fa/disable', { password }),
  regenerateRecoveryCodes: (password: string) => api.post<{ recoveryCodes: string[] }>('/api/v1/auth/2fa/recovery-codes', { password }),
};

/** "JBSWY3DPEHPK3PXP" → "JBSW Y3DP EHPK 3PXP": easier to type into a phone. */
export const groupKey = (secret: string) => secret.replace(/\s/g, '').replace(/(.{4})(?=.)/g, '$1 ');
