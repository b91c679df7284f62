import { ChannelError, type AdapterContext, type ChannelAdapter, type MediaRef } from '@onebox/channels';
import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import { AttachmentsRepository, type AttachmentRow } from '../attachments/attachments.repository';
import { AttachmentsService } from '../attachments/attachments.service';
import { ChannelsRepository, type ChannelRow } from '../channels/channels.repository';
import { ConversationPublisher } from '../conversations/conversation-publisher.service';
import { MessagesRepository, type MessageRow } from '../conversations/messages.repository';
import { JobError } from '../jobs/job-processor';
import type { JobRow } from '../jobs/jobs.repository';
import { MessengerRegistry } from '../messengers/messenger-registry.service';
import { ADDRESS_REFUSED } from '../outbound/guarded-agents';
import { MediaFetchProcessor } from './media-fetch.processor';

const CTX: AdapterContext = { apiRoot: 'http://fake-telegram.test', timeoutMs: 15_000 };
const CREDENTIALS = { botToken: '1:secret' };
const SOURCE: MediaRef = { ref: 'AgACAgIAAxkBAAIB', kind: 'image', mimeType: 'image/jpeg', size: 2048 };

const jobRow = (o: Partial<JobRow> = {}): JobRow =>
  rows.jobRow({ queue: 'fetch-media', payload: { attachmentId: 'a-1', channelId: 'ch-tg', messageId: 'm-1' }, ...o });

const attachmentRow = (o: Partial<AttachmentRow> = {}): AttachmentRow =>
  rows.attachmentRow({
    uploader_type: 'channel',
    uploader_ref: 'ch-tg',
    name: 'image.jpeg',
    mime_type: 'image/jpeg',
    size: 2048,
    storage_key: null,
    source_ref: SOURCE,
    ...o,
  });

const channelRow = (): ChannelRow => rows.telegramChannelRow({ settings: { mode: 'polling' } });

const messageRow = (): MessageRow =>
  rows.messageRow({
    channel_id: 'ch-tg',
    author_name: 'Carl',
    text: '',
    attachments: [{ id: 'a-1', name: 'image.jpeg', mimeType: 'image/jpeg', size: 2048, url: '/files/a-1/image.jpeg' }],
    external_id: '555',
  });

/** A hand-made adapter: any call the test did not stub fails it. */
function fakeAdapter(): ChannelAdapter & { fetchMedia: jest.Mock } {
  const unexpected = (method: string) =>
    jest.fn((...args: unknown[]) => {
      throw new Error(`Unexpected call: adapter.${method}(${JSON.stringify(args)})`);
    });
  return {
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
  } as ChannelAdapter & { fetchMedia: jest.Mock };
}

describe(MediaFetchProcessor.name, () => {
  let attachments: ReturnType<typeof strictMock<AttachmentsRepository>>;
  let files: ReturnType<typeof strictMock<AttachmentsService>>;
  let channels: ReturnType<typeof strictMock<ChannelsRepository>>;
  let messages: ReturnType<typeof strictMock<MessagesRepository>>;
  let messengers: ReturnType<typeof strictMock<MessengerRegistry>>;
  let publisher: ReturnType<typeof strictMock<ConversationPublisher>>;
  let adapter: ReturnType<typeof fakeAdapter>;
  let processor: MediaFetchProcessor;

  beforeEach(() => {
    attachments = strictMock(AttachmentsRepository);
    files = strictMock(AttachmentsService);
    channels = strictMock(ChannelsRepository);
    messages = strictMock(MessagesRepository);
    messengers = strictMock(MessengerRegistry);
    publisher = strictMock(ConversationPublisher);
    adapter = fakeAdapter();
    processor = new MediaFetchProcessor(
      attachments as unknown as AttachmentsRepository,
      files as unknown as AttachmentsService,
      channels as unknown as ChannelsRepository,
      messages as unknown as MessagesRepository,
      messengers as unknown as MessengerRegistry,
      publisher as unknown as ConversationPublisher,
    );
  });

  function stubChannel(): ChannelRow {
    const channel = channelRow();
    channels.findById.mockResolvedValueOnce(channel);
    messengers.connect.mockReturnValueOnce({ adapter, credentials: CREDENTIALS, ctx: CTX });
    return channel;
  }

  it('serves the media queue', () => {
    expect(processor.queue).toBe('fetch-media');
  });

  it('downloads the file through the adapter, stores it and publishes the message', async () => {
    const data = Buffer.from('jpeg bytes');
    const message = messageRow();
    attachments.findById.mockResolvedValueOnce(attachmentRow());
    const channel = stubChannel();
    adapter.fetchMedia.mockResolvedValueOnce({ data, mimeType: 'application/octet-stream', fileName: 'file_1.jpg' });
    files.completeDownload.mockResolvedValueOnce(undefined);
    messages.findById.mockResolvedValueOnce(message);
    publisher.messageChanged.mockResolvedValueOnce(undefined);

    await processor.process(jobRow());

    expect(attachments.findById).toHaveBeenCalledWith('a-1');
    expect(channels.findById).toHaveBeenCalledWith('ch-tg');
    expect(messengers.connect).toHaveBeenCalledWith(channel);
    expect(adapter.fetchMedia).toHaveBeenCalledWith(CREDENTIALS, SOURCE, CTX);
    // The type the platform declared in the update wins over the download's generic one.
    expect(files.completeDownload).toHaveBeenCalledWith('a-1', data, 'image/jpeg');
    expect(messages.findById).toHaveBeenCalledWith('m-1');
    expect(publisher.messageChanged).toHaveBeenCalledWith(message, 'updated');
  });

  it('stores the downloaded type when the update declared none', async () => {
    const data = Buffer.from('%PDF');
    attachments.findById.mockResolvedValueOnce(attachmentRow({ source_ref: { ref: 'doc-1', kind: 'document' } }));
    stubChannel();
    adapter.fetchMedia.mockResolvedValueOnce({ data, mimeType: 'application/pdf', fileName: 'invoice.pdf' });
    files.completeDownload.mockResolvedValueOnce(undefined);
    messages.findById.mockResolvedValueOnce(null);

    await processor.process(jobRow());

    expect(files.completeDownload).toHaveBeenCalledWith('a-1', data, 'application/pdf');
    expect(publisher.messageChanged).not.toHaveBeenCalled();
  });

  it.each([
    ['already downloaded', attachmentRow({ storage_key: 'uploads/a-/a-1' })],
    ['gone', null],
    ['not a channel’s media', attachmentRow({ source_ref: null })],
  ])('does nothing when the attachment is %s', async (_, row) => {
    attachments.findById.mockResolvedValueOnce(row);

    await processor.process(jobRow());

    expect(channels.findById).not.toHaveBeenCalled();
    expect(files.completeDownload).not.toHaveBeenCalled();
    expect(publisher.messageChanged).not.toHaveBeenCalled();
  });

  it('does nothing when the channel was removed', async () => {
    attachments.findById.mockResolvedValueOnce(attachmentRow());
    channels.findById.mockResolvedValueOnce(null);

    await processor.process(jobRow());

    expect(messengers.connect).not.toHaveBeenCalled();
    expect(files.completeDownload).not.toHaveBeenCalled();
  });

  it('turns a rate limit into a retryable JobError that keeps the provider’s wait, storing nothing', async () => {
    attachments.findById.mockResolvedValueOnce(attachmentRow());
    stubChannel();
    adapter.fetchMedia.mockRejectedValueOnce(new ChannelError('rate_limited', 'Too Many Requests', 5_000, 429));

    const err = await processor.process(jobRow()).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(JobError);
    expect(err).toMatchObject({
      message: 'Too Many Requests',
      retryable: true,
      retryAfterMs: 5_000,
      code: 'rate_limited',
    });
    expect(files.completeDownload).not.toHaveBeenCalled();
    expect(publisher.messageChanged).not.toHaveBeenCalled();
  });

  it('gives up at once on a final platform error', async () => {
    attachments.findById.mockResolvedValueOnce(attachmentRow());
    stubChannel();
    adapter.fetchMedia.mockRejectedValueOnce(new ChannelError('unsupported_content', 'file is too big'));

    const err = await processor.process(jobRow()).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(JobError);
    expect(err).toMatchObject({ retryable: false, code: 'unsupported_content' });
  });

  it('gives up at once when the media URL leads to a private or local address', async () => {
    attachments.findById.mockResolvedValueOnce(attachmentRow());
    stubChannel();
    adapter.fetchMedia.mockRejectedValueOnce(
      new ChannelError('temporary', 'MAX unreachable: ERR_ADDRESS_REFUSED', undefined, ADDRESS_REFUSED),
    );

    const err = await processor.process(jobRow()).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(JobError);
    expect(err).toMatchObject({ retryable: false, code: 'unsupported_content' });
    expect(files.completeDownload).not.toHaveBeenCalled();
  });

  it('passes an unclassified error through (the worker retries it)', async () => {
    const diskFull = new Error('ENOSPC: no space left on device');
    attachments.findById.mockResolvedValueOnce(attachmentRow());
    stubChannel();
    adapter.fetchMedia.mockResolvedValueOnce({ data: Buffer.from('x'), mimeType: 'image/jpeg', fileName: 'x.jpg' });
    files.completeDownload.mockRejectedValueOnce(diskFull);

    await expect(processor.process(jobRow())).rejects.toBe(diskFull);
    expect(publisher.messageChanged).not.toHaveBeenCalled();
  });

  it('records nothing more when it gives up (the message shows the file as unavailable)', async () => {
    await expect(processor.onGiveUp()).resolves.toBeUndefined();
  });
});
