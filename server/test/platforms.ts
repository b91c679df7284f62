import type { FakeAmoCrm, FakeBitrix24, FakeMax, FakeTelegram, FakeWhatsApp } from '@onebox/fakes';

/**
 * The fake platforms of the security suites, and the webhook bodies they would send, built here
 * so a suite can forge or replay them byte by byte.
 */
export interface Fakes {
  telegram: FakeTelegram;
  whatsapp: FakeWhatsApp;
  max: FakeMax;
  amo: FakeAmoCrm;
  bitrix: FakeBitrix24;
}

/** The server's environment pointing every platform at its fake, webhooks on. */
export function platformEnv(fakes: Fakes): Record<string, string> {
  return {
    TELEGRAM_API_ROOT: fakes.telegram.url,
    WHATSAPP_API_ROOT: fakes.whatsapp.url,
    MAX_API_ROOT: fakes.max.url,
    AMOCRM_API_ROOT: fakes.amo.url,
    BITRIX24_API_ROOT: fakes.bitrix.url,
    ONEBOX_UPDATE_MODE: 'webhook',
  };
}

const nowSec = () => Math.floor(Date.now() / 1000);

/** A Telegram update: a private text message from user `chatId`. */
export function telegramText(n: number, text: string, chatId = 4242): Buffer {
  const user = { id: chatId, is_bot: false, first_name: 'Customer' };
  return Buffer.from(
    JSON.stringify({
      update_id: 900_000 + n,
      message: { message_id: 5000 + n, date: nowSec(), chat: { ...user, type: 'private' }, from: user, text },
    }),
  );
}

/** A WhatsApp Cloud API webhook: one text message from `waId` to the number `phoneNumberId`. */
export function whatsappText(n: number, text: string, phoneNumberId: string, waId = '79990004242'): Buffer {
  const value = {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
    contacts: [{ profile: { name: 'Customer' }, wa_id: waId }],
    messages: [{ from: waId, id: `wamid.TEST${n}`, timestamp: String(nowSec()), type: 'text', text: { body: text } }],
  };
  return Buffer.from(
    JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: '102290129340398', changes: [{ field: 'messages', value }] }],
    }),
  );
}

/** A MAX `message_created` update from user 4242 in a dialog with the bot. */
export function maxText(n: number, text: string): Buffer {
  const now = Date.now();
  return Buffer.from(
    JSON.stringify({
      update_type: 'message_created',
      timestamp: now,
      message: {
        sender: { user_id: 4242, first_name: 'Customer', name: 'Customer', is_bot: false, last_activity_time: now },
        recipient: { chat_id: 777_000_111, chat_type: 'dialog', user_id: 229_229_229 },
        timestamp: now,
        body: { mid: `mid.test.${n}`, seq: n, text },
      },
      user_locale: 'ru',
    }),
  );
}
