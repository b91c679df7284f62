import type { ChannelType } from '@onebox/contracts';
import type { TranslationKey } from '../../../core/i18n/en';

export interface CredentialField {
  key: string;
  label: TranslationKey;
  secret: boolean;
}

/** Each channel type declared once; the "connect a channel" form is generated from this. */
export const CHANNEL_PROVIDERS: Record<ChannelType, { credentials: CredentialField[] }> = {
  webchat: { credentials: [] },
  telegram: { credentials: [{ key: 'botToken', label: 'settings.cred.botToken', secret: true }] },
  whatsapp: {
    credentials: [
      { key: 'phoneNumberId', label: 'settings.cred.phoneNumberId', secret: false },
      { key: 'accessToken', label: 'settings.cred.accessToken', secret: true },
      { key: 'appSecret', label: 'settings.cred.appSecret', secret: true },
      { key: 'verifyToken', label: 'settings.cred.verifyToken', secret: true },
    ],
  },
  max: { credentials: [{ key: 'token', label: 'settings.cred.token', secret: true }] },
};
