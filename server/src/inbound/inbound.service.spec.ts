import type {
  AdapterContext,
  ChannelAdapter,
  InboundEditEvent,
  InboundMessageEvent,
  MediaRef,
  StatusEvent,
} from '@onebox/channels';
import type { AttachmentDto } from '@onebox/contracts';
import { strictMock } from '../../test/strict-mock';
import { SurveysService } from '../surveys/surveys.service';
import * as rows from '../../test/rows';
import { AttachmentsRepository } from '../attachments/attachments.repository';
import { ConversationPublisher } from '../conversations/conversation-publisher.service';
import type { ConversationRow } from '../conversations/conversations.repository';
import { MessagesRepository, type MessageRow } from '../conversations/messages.repository';
import { IngestService } from '../ingest/ingest.service';
import { JobWorkerService } from '../jobs/job-worker.service';
import type { ConnectedChannel } from '../messengers/messenger-registry.service';
import { InboundService } from './inbound.service';

const AT = new Date('2024-11-21T10:00:00.000Z');
const CTX: AdapterContext = { apiRoot: 'http://fake-telegram.test', timeoutMs: 15_000 };
const CREDENTIALS = { botToken: '1:secret' };

const channelRow = rows.telegramChannelRow;

const messageRow = (o: Partial<MessageRow> = {}): MessageRow =>
  rows.messageRow({ channel_id: 'ch-tg', author_name: 'Carl', text: 'Hi', external_id: '555', ...o });

function messageEvent(overrides: Partial<InboundMessageEvent> = {}): InboundMessageEvent {
  return {
    kind: 'message',
    externalUserId: '1001',
    externalMessageId: '555',
    contactName: 'Carl Customer',
    username: 'carl',
    text: 'Is the sofa in stock?',
    media: [],
    sentAt: AT,
    ...overrides,
  };
}

function attachmentDto(id: string, name: string, mimeType: string): AttachmentDto {
  return { id, name, mimeType, size: 0, url: `/files/${id}/${name}` };
}

/** A hand-made adapter: any call the test did not stub fails it. */
function fakeAdapter(withCallback = true): ChannelAdapter & { answerCallback: jest.Mock } {
  const unexpected = (method: string) =>
    jest.fn((...args: unknown[]) => {
      throw new Error(`Unexpected call: adapter.${method}(${JSON.stringify(args)})`);
    });
  const adapter = {
    type: 'telegram',
    credentialFields: [],
    capabilities: {
      maxTextLength: 4096,
      splitsLongText: true,
      media: ['image'],
      messagingWindowHours: null,
      templates: false,
      webhook: true,
      polling: true,
    },
    checkCredentials: unexpected('checkCredentials'),
    registerWebhook: unexpected('registerWebhook'),
    unregisterWebhook: unexpected('unregisterWebhook'),
    verifyWebhook: unexpected('verifyWebhook'),
    answerHandshake: unexpected('answerHandshake'),
    normalizeInbound: unexpected('normalizeInbound'),
    send: unexpected('send'),
    fetchMedia: unexpected('fetchMedia'),
    ...(withCallback ? { answerCallback: unexpected('answerCallback') } : {}),
  };
  return adapter as unknown as ChannelAdapter & { answerCallback: jest.Mock };
}

describe(InboundService.name, () => {
  const channel = channelRow();
  let ingest: ReturnType<typeof strictMock<IngestService>>;
  let messages: ReturnType<typeof strictMock<MessagesRepository>>;
  let attachments: ReturnType<typeof strictMock<AttachmentsRepository>>;
  let publisher: ReturnType<typeof strictMock<ConversationPublisher>>;
  let worker: ReturnType<typeof strictMock<JobWorkerService>>;
  let surveys: ReturnType<typeof strictMock<SurveysService>>;
  let adapter: ReturnType<typeof fakeAdapter>;
  let connected: ConnectedChannel;
  let service: InboundService;

  beforeEach(() => {
    ingest = strictMock(IngestService);
    messages = strictMock(MessagesRepository);
    attachments = strictMock(AttachmentsRepository);
    publisher = strictMock(ConversationPublisher);
    worker = strictMock(JobWorkerService);
    surveys = strictMock(SurveysService);
    adapter = fakeAdapter();
    connected = { adapter, credentials: CREDENTIALS, ctx: CTX };
    service = new InboundService(
      ingest as unknown as IngestService,
      messages as unknown as MessagesRepository,
      attachments as unknown as AttachmentsRepository,
      publisher as unknown as ConversationPublisher,
      worker as unknown as JobWorkerService,
      surveys as unknown as SurveysService,
    );
  });

  function ingested(duplicate = false) {
    return { message: messageRow(), conversation: { id: 'cv-1' } as ConversationRow, duplicate };
  }

  describe('message', () => {
    it('ingests a text message with the customer’s identity and no jobs', async () => {
      ingest.ingest.mockResolvedValueOnce(ingested());

      await service.apply(channel, connected, [messageEvent({ phone: '+79990001122' })]);

      // A text message is not looked up first: a redelivery is left to the ingest's duplicate path.
      expect(messages.findByExternalId).not.toHaveBeenCalled();
      expect(ingest.ingest).toHaveBeenCalledTimes(1);
      expect(ingest.ingest).toHaveBeenCalledWith({
        channel,
        externalUserId: '1001',
        contactName: 'Carl Customer',
        username: 'carl',
        phone: '+79990001122',
        identityMeta: undefined,
        externalMessageId: '555',
        text: 'Is the sofa in stock?',
        attachments: [],
        sentAt: AT,
        jobs: [],
      });
      expect(attachments.insertPending).not.toHaveBeenCalled();
      expect(worker.nudge).not.toHaveBeenCalled();
    });

    it.each([
      ['the username', { contactName: '', username: 'carl' }, 'carl'],
      ['the platform id', { contactName: '', username: undefined }, '1001'],
    ])('names a contact without a name after %s', async (_, names, expected) => {
      ingest.ingest.mockResolvedValueOnce(ingested());

      await service.apply(channel, connected, [messageEvent(names)]);

      expect(ingest.ingest).toHaveBeenCalledWith(expect.objectContaining({ contactName: expected }));
    });

    it('keeps the Telegram business connection on the identity, for replies', async () => {
      ingest.ingest.mockResolvedValueOnce(ingested());

      await service.apply(channel, connected, [messageEvent({ businessConnectionId: 'bc-7' })]);

      expect(ingest.ingest).toHaveBeenCalledWith(
        expect.objectContaining({ identityMeta: { businessConnectionId: 'bc-7' } }),
      );
    });

    it('records each media file as a pending attachment and ingests one download job per file', async () => {
      const photo: MediaRef = { ref: 'file-photo', kind: 'image', mimeType: 'image/jpeg', size: 2048 };
      const pdf: MediaRef = { ref: 'file-doc', kind: 'document', fileName: 'invoice.pdf', mimeType: 'application/pdf' };
      const voice: MediaRef = { ref: 'file-voice', kind: 'voice' };
      const photoDto = attachmentDto('a-1', 'image.jpeg', 'image/jpeg');
      const pdfDto = attachmentDto('a-2', 'invoice.pdf', 'application/pdf');
      const voiceDto = attachmentDto('a-3', 'voice.ogg', 'application/octet-stream');
      messages.findByExternalId.mockResolvedValueOnce(null);
      attachments.insertPending
        .mockResolvedValueOnce(photoDto)
        .mockResolvedValueOnce(pdfDto)
        .mockResolvedValueOnce(voiceDto);
      ingest.ingest.mockResolvedValueOnce(ingested());
      worker.nudge.mockReturnValueOnce(undefined);

      await service.apply(channel, connected, [messageEvent({ text: '', media: [photo, pdf, voice] })]);

      expect(messages.findByExternalId).toHaveBeenCalledWith('ch-tg', '555');
      expect(messages.findByExternalId.mock.invocationCallOrder[0]).toBeLessThan(
        attachments.insertPending.mock.invocationCallOrder[0],
      );
      expect(attachments.insertPending.mock.calls).toEqual([
        ['ws-1', 'ch-tg', photo, 'image.jpeg'],
        ['ws-1', 'ch-tg', pdf, 'invoice.pdf'],
        ['ws-1', 'ch-tg', voice, 'voice.ogg'],
      ]);
      expect(ingest.ingest).toHaveBeenCalledWith(
        expect.objectContaining({
          text: '',
          attachments: [photoDto, pdfDto, voiceDto],
          jobs: [
            { queue: 'fetch-media', payload: { attachmentId: 'a-1', channelId: 'ch-tg' } },
            { queue: 'fetch-media', payload: { attachmentId: 'a-2', channelId: 'ch-tg' } },
            { queue: 'fetch-media', payload: { attachmentId: 'a-3', channelId: 'ch-tg' } },
          ],
        }),
      );
      expect(worker.nudge).toHaveBeenCalledTimes(1);
    });

    it('cleans the file name the customer gave: no path, no control or bidirectional characters, no markup', async () => {
      const doc: MediaRef = { ref: 'file-doc', kind: 'document', fileName: '../../<b>invoice\u202Efdp.exe\u0000"' };
      messages.findByExternalId.mockResolvedValueOnce(null);
      attachments.insertPending.mockResolvedValueOnce(attachmentDto('a-1', 'binvoicefdp.exe', 'x/y'));
      ingest.ingest.mockResolvedValueOnce(ingested());
      worker.nudge.mockReturnValueOnce(undefined);

      await service.apply(channel, connected, [messageEvent({ text: '', media: [doc] })]);

      expect(attachments.insertPending).toHaveBeenCalledWith('ws-1', 'ch-tg', doc, 'binvoicefdp.exe');
    });

    it('does nothing for a message with media already stored (a redelivery), creating no attachment rows', async () => {
      messages.findByExternalId.mockResolvedValueOnce(messageRow());

      await service.apply(channel, connected, [
        messageEvent({
          media: [{ ref: 'file-photo', kind: 'image' }],
          externalMessageId: 'cb:abc',
          callbackData: 'yes',
        }),
      ]);

      expect(messages.findByExternalId).toHaveBeenCalledWith('ch-tg', 'cb:abc');
      expect(attachments.insertPending).not.toHaveBeenCalled();
      expect(ingest.ingest).not.toHaveBeenCalled();
      expect(worker.nudge).not.toHaveBeenCalled();
      expect(adapter.answerCallback).not.toHaveBeenCalled();
    });

    it('leaves a redelivered text message to the ingest, which answers the stored one: nothing nudged', async () => {
      ingest.ingest.mockResolvedValueOnce(ingested(true));

      await service.apply(channel, connected, [messageEvent()]);

      expect(messages.findByExternalId).not.toHaveBeenCalled();
      expect(attachments.insertPending).not.toHaveBeenCalled();
      expect(ingest.ingest).toHaveBeenCalledTimes(1);
      expect(ingest.ingest).toHaveBeenCalledWith(expect.objectContaining({ externalMessageId: '555', jobs: [] }));
      expect(worker.nudge).not.toHaveBeenCalled();
    });

    it('ignores a WhatsApp message to another number of the same Meta app', async () => {
      const whatsapp = { ...connected, credentials: { phoneNumberId: '1111', accessToken: 't' } };

      await service.apply(channel, whatsapp, [messageEvent({ meta: { phoneNumberId: '2222' } })]);

      expect(messages.findByExternalId).not.toHaveBeenCalled();
      expect(ingest.ingest).not.toHaveBeenCalled();
    });

    it('ingests a WhatsApp message to the channel’s own number', async () => {
      const whatsapp = { ...connected, credentials: { phoneNumberId: '1111', accessToken: 't' } };
      ingest.ingest.mockResolvedValueOnce(ingested());

      await service.apply(channel, whatsapp, [messageEvent({ meta: { phoneNumberId: '1111' } })]);

      expect(ingest.ingest).toHaveBeenCalledTimes(1);
    });

    it('does not nudge the worker when the ingest found the message stored meanwhile', async () => {
      messages.findByExternalId.mockResolvedValueOnce(null);
      attachments.insertPending.mockResolvedValueOnce(attachmentDto('a-1', 'image.jpg', 'image/jpeg'));
      ingest.ingest.mockResolvedValueOnce(ingested(true));

      await service.apply(channel, connected, [messageEvent({ media: [{ ref: 'file-photo', kind: 'image' }] })]);

      expect(messages.findByExternalId).toHaveBeenCalledWith('ch-tg', '555');
      expect(ingest.ingest).toHaveBeenCalledTimes(1);
      expect(worker.nudge).not.toHaveBeenCalled();
    });
  });

  describe('survey button press', () => {
    it('goes to the surveys as an answer, is never ingested, and stops the spinner', async () => {
      surveys.answerFromButton.mockResolvedValueOnce(undefined);
      adapter.answerCallback.mockResolvedValueOnce(undefined);
      const press = messageEvent({ externalMessageId: 'cb:77', text: '5', callbackData: 'survey:s-1:5' });

      await service.apply(channel, connected, [press]);

      expect(surveys.answerFromButton).toHaveBeenCalledWith(channel, press);
      expect(ingest.ingest).not.toHaveBeenCalled();
      expect(adapter.answerCallback).toHaveBeenCalledWith(CREDENTIALS, '77', CTX);
    });
  });

  describe('callback (button press)', () => {
    it('stores the press and answers the platform with the id after `cb:`', async () => {
      ingest.ingest.mockResolvedValueOnce(ingested());
      adapter.answerCallback.mockResolvedValueOnce(undefined);

      await service.apply(channel, connected, [
        messageEvent({ externalMessageId: 'cb:4382bfdwdsb323b2d9', text: 'Yes, deliver', callbackData: 'deliver:yes' }),
      ]);

      expect(ingest.ingest).toHaveBeenCalledWith(
        expect.objectContaining({ externalMessageId: 'cb:4382bfdwdsb323b2d9', text: 'Yes, deliver' }),
      );
      expect(adapter.answerCallback).toHaveBeenCalledWith(CREDENTIALS, '4382bfdwdsb323b2d9', CTX);
      expect(ingest.ingest.mock.invocationCallOrder[0]).toBeLessThan(
        adapter.answerCallback.mock.invocationCallOrder[0],
      );
    });

    it('still succeeds when the answer fails (the press is stored)', async () => {
      ingest.ingest.mockResolvedValueOnce(ingested());
      adapter.answerCallback.mockRejectedValueOnce(new Error('query is too old'));

      await expect(
        service.apply(channel, connected, [messageEvent({ externalMessageId: 'cb:1', callbackData: 'x' })]),
      ).resolves.toBeUndefined();

      expect(adapter.answerCallback).toHaveBeenCalledTimes(1);
    });

    it('answers nothing for a press whose id is not a callback id, or on a platform without answers', async () => {
      ingest.ingest.mockResolvedValue(ingested());

      await service.apply(channel, connected, [messageEvent({ externalMessageId: 'mid.77', callbackData: 'x' })]);
      await service.apply(channel, { ...connected, adapter: fakeAdapter(false) }, [
        messageEvent({ externalMessageId: 'cb:2', callbackData: 'x' }),
      ]);

      expect(ingest.ingest).toHaveBeenCalledTimes(2);
      expect(adapter.answerCallback).not.toHaveBeenCalled();
    });
  });

  describe('edit', () => {
    const edit: InboundEditEvent = {
      kind: 'edit',
      externalUserId: '1001',
      externalMessageId: '555',
      text: 'Is the blue sofa in stock?',
      editedAt: new Date('2024-11-21T10:05:00.000Z'),
    };

    it('applies the customer’s edit and publishes the message', async () => {
      const edited = messageRow({ text: edit.text, edited_at: edit.editedAt });
      messages.applyEdit.mockResolvedValueOnce(edited);
      publisher.messageChanged.mockResolvedValueOnce(undefined);

      await service.apply(channel, connected, [edit]);

      expect(messages.applyEdit).toHaveBeenCalledWith('ch-tg', '555', 'Is the blue sofa in stock?', edit.editedAt);
      expect(publisher.messageChanged).toHaveBeenCalledWith(edited, 'updated');
      expect(ingest.ingest).not.toHaveBeenCalled();
    });

    it('publishes nothing for an edit of an unknown or unchanged message', async () => {
      messages.applyEdit.mockResolvedValueOnce(null);

      await service.apply(channel, connected, [edit]);

      expect(messages.applyEdit).toHaveBeenCalledTimes(1);
      expect(publisher.messageChanged).not.toHaveBeenCalled();
    });
  });

  describe('status', () => {
    const ours = messageRow({ id: 'm-out', direction: 'out', external_id: 'wamid.1', status: 'sent' });

    function statusEvent(overrides: Partial<StatusEvent> = {}): StatusEvent {
      return { kind: 'status', externalMessageId: 'wamid.1', status: 'delivered', at: AT, ...overrides };
    }

    it('moves our message’s status forward and publishes it', async () => {
      const delivered = { ...ours, status: 'delivered' as const };
      messages.findByExternalId.mockResolvedValueOnce(ours);
      messages.advanceStatus.mockResolvedValueOnce(delivered);
      publisher.messageChanged.mockResolvedValueOnce(undefined);

      await service.apply(channel, connected, [statusEvent()]);

      expect(messages.findByExternalId).toHaveBeenCalledWith('ch-tg', 'wamid.1');
      expect(messages.advanceStatus).toHaveBeenCalledWith('m-out', 'delivered', { error: undefined });
      expect(publisher.messageChanged).toHaveBeenCalledWith(delivered, 'updated');
    });

    it.each([
      ['131047', 'window_closed'],
      ['131026', 'recipient_unreachable'],
      ['131030', 'recipient_unreachable'],
      ['131051', 'unsupported_content'],
      ['131052', 'unsupported_content'],
      ['131053', 'unsupported_content'],
      ['131000', 'temporary'],
    ])('records a failure with provider code %s as %s', async (code, mapped) => {
      const failed = { ...ours, status: 'failed' as const };
      messages.findByExternalId.mockResolvedValueOnce(ours);
      messages.advanceStatus.mockResolvedValueOnce(failed);
      publisher.messageChanged.mockResolvedValueOnce(undefined);

      await service.apply(channel, connected, [
        statusEvent({ status: 'failed', error: { code, message: 'provider says no' } }),
      ]);

      expect(messages.advanceStatus).toHaveBeenCalledWith('m-out', 'failed', {
        error: { code: mapped, message: 'provider says no' },
      });
      expect(publisher.messageChanged).toHaveBeenCalledWith(failed, 'updated');
    });

    it('ignores a status of a message it does not know', async () => {
      messages.findByExternalId.mockResolvedValueOnce(null);

      await service.apply(channel, connected, [statusEvent()]);

      expect(messages.advanceStatus).not.toHaveBeenCalled();
      expect(publisher.messageChanged).not.toHaveBeenCalled();
    });

    it('publishes nothing when the status would move backwards', async () => {
      messages.findByExternalId.mockResolvedValueOnce({ ...ours, status: 'read' });
      messages.advanceStatus.mockResolvedValueOnce(null);

      await service.apply(channel, connected, [statusEvent({ status: 'delivered' })]);

      expect(publisher.messageChanged).not.toHaveBeenCalled();
    });
  });

  it('does nothing for an ignored update', async () => {
    await service.apply(channel, connected, [{ kind: 'ignored', reason: 'group chat' }]);

    expect(messages.findByExternalId).not.toHaveBeenCalled();
    expect(ingest.ingest).not.toHaveBeenCalled();
    expect(publisher.messageChanged).not.toHaveBeenCalled();
  });

  it('applies several events in order', async () => {
    const edited = messageRow({ text: 'edited' });
    ingest.ingest.mockResolvedValueOnce(ingested());
    messages.applyEdit.mockResolvedValueOnce(edited);
    publisher.messageChanged.mockResolvedValueOnce(undefined);

    await service.apply(channel, connected, [
      messageEvent(),
      { kind: 'ignored', reason: 'service message' },
      { kind: 'edit', externalUserId: '1001', externalMessageId: '555', text: 'edited', editedAt: AT },
    ]);

    expect(ingest.ingest.mock.invocationCallOrder[0]).toBeLessThan(messages.applyEdit.mock.invocationCallOrder[0]);
    expect(publisher.messageChanged).toHaveBeenCalledWith(edited, 'updated');
  });
});
