import { FakeTelegram } from '@onebox/fakes';
import { TelegramAdapter } from '/work/main/libs/channels/src/lib/telegram/telegram.adapter';
it('names', async () => {
  const fake = new FakeTelegram(); const apiRoot = await fake.start();
  await fake.customerWrites({ chatId: 1, firstName: 'A', text: 'x' });
  await new TelegramAdapter().send({ botToken: fake.token }, { recipient: '1', text: '', attachments: [{ fileName: 'Счёт за май 2025.pdf', mimeType: 'application/pdf', data: Buffer.from('x') }] }, { apiRoot });
  console.log(fake.callsTo('sendDocument')[0].files, fake.sentMessages()[0]);
  await fake.stop();
});
