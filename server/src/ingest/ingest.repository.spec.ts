import type { AttachmentDto } from '@onebox/contracts';
import type { DataSource } from 'typeorm';
import { IngestRepository } from './ingest.repository';

const CHANNEL_ID = 'ch-1';
const SENT_AT = new Date('2024-11-21T10:00:00.000Z');
const ATTACHMENTS: AttachmentDto[] = [
  { id: 'a-1', name: 'photo.jpg', mimeType: 'image/jpeg', size: 10, url: '/files/a-1/photo.jpg' },
];

function input(overrides: Partial<Parameters<IngestRepository['appendToOpenConversation']>[0]> = {}) {
  return {
    channelId: CHANNEL_ID,
    externalUserId: 'visitor-42',
    externalMessageId: 'ext-100',
    clientMessageId: 'client-7' as string | null,
    text: 'Is the sofa in stock?',
    attachments: ATTACHMENTS,
    sentAt: SENT_AT,
    preview: 'Is the sofa in stock?',
    ...overrides,
  };
}

/** The statement's row as `row_to_json` renders it: timestamps are ISO strings. */
function appendRow() {
  return {
    message: {
      id: 'm-1',
      workspace_id: 'ws-1',
      conversation_id: 'cv-1',
      channel_id: CHANNEL_ID,
      cycle: 2,
      direction: 'in',
      author_type: 'contact',
      author_id: 'ct-1',
      author_name: 'Carl Customer',
      text: 'Is the sofa in stock?',
      attachments: ATTACHMENTS,
      status: 'received',
      private: false,
      external_id: 'ext-100',
      client_message_id: 'client-7',
      edited_at: null,
      created_at: '2024-11-21T10:00:00+00:00',
    },
    conversation: {
      id: 'cv-1',
      workspace_id: 'ws-1',
      channel_id: CHANNEL_ID,
      contact_id: 'ct-1',
      status: 'open',
      assignee_id: 'u-1',
      tags: ['vip'],
      cycle: 2,
      cycle_started_at: '2024-11-20T08:00:00+00:00',
      first_customer_message_at: '2024-11-20T08:00:00+00:00',
      first_human_reply_at: '2024-11-20T08:05:00+00:00',
      last_customer_message_at: '2024-11-21T10:00:00+00:00',
      last_message_at: '2024-11-21T10:00:00+00:00',
      last_message_text: 'Is the sofa in stock?',
      last_message_direction: 'in',
      last_message_author_id: null,
      last_message_author_name: null,
      resolved_at: null,
      snoozed_until: null,
      unread_count: 3,
      created_at: '2024-11-01T08:00:00+00:00',
      updated_at: '2024-11-21T10:00:00.123+00:00',
    },
    channel_type: 'telegram',
    channel_name: 'Shop bot',
    contact_name: 'Carl Customer',
    assignee_name: 'Mia Manager',
    cursor_at: '2024-11-21 10:00:00+00',
  };
}

describe(IngestRepository.name, () => {
  let raw: { query: jest.Mock };
  let runner: {
    manager: { queryRunner: unknown; query: jest.Mock };
    isReleased: boolean;
    connect: jest.Mock;
    release: jest.Mock;
  };
  let dataSource: { createQueryRunner: jest.Mock };
  let repository: IngestRepository;

  beforeEach(() => {
    raw = { query: jest.fn() };
    runner = {
      manager: {
        queryRunner: undefined,
        query: jest.fn(() => {
          throw new Error('Unexpected plain query: the statement must be prepared');
        }),
      },
      isReleased: false,
      connect: jest.fn().mockResolvedValue(raw),
      release: jest.fn().mockResolvedValue(undefined),
    };
    runner.manager.queryRunner = runner;
    dataSource = { createQueryRunner: jest.fn().mockReturnValue(runner) };
    repository = new IngestRepository(dataSource as unknown as DataSource);
  });

  it('runs one named prepared statement that locks the conversations, on a pooled connection it releases', async () => {
    raw.query.mockResolvedValueOnce({ rows: [appendRow()] });

    await repository.appendToOpenConversation(input());

    expect(dataSource.createQueryRunner).toHaveBeenCalledTimes(1);
    expect(raw.query).toHaveBeenCalledTimes(1);
    expect(raw.query).toHaveBeenCalledWith({
      name: 'ingest_append_to_open_conversations',
      text: expect.stringContaining('ORDER BY c.id\n    FOR UPDATE OF c'),
      values: [
        [CHANNEL_ID],
        ['visitor-42'],
        ['Is the sofa in stock?'],
        [JSON.stringify(ATTACHMENTS)],
        ['ext-100'],
        ['client-7'],
        [SENT_AT],
        ['Is the sofa in stock?'],
      ],
    });
    expect(runner.manager.query).not.toHaveBeenCalled();
    expect(runner.release).toHaveBeenCalledTimes(1);
  });

  it('passes a null client message id and an empty attachment list as such', async () => {
    raw.query.mockResolvedValueOnce({ rows: [] });

    await repository.appendToOpenConversation(input({ clientMessageId: null, attachments: [], preview: '' }));

    expect(raw.query).toHaveBeenCalledWith(
      expect.objectContaining({
        values: [[CHANNEL_ID], ['visitor-42'], ['Is the sofa in stock?'], ['[]'], ['ext-100'], [null], [SENT_AT], ['']],
      }),
    );
  });

  it('answers null when no row comes back (new customer, resolved conversation or duplicate)', async () => {
    raw.query.mockResolvedValueOnce({ rows: [] });

    await expect(repository.appendToOpenConversation(input())).resolves.toBeNull();
    expect(runner.release).toHaveBeenCalledTimes(1);
  });

  it('releases the connection when the statement fails', async () => {
    raw.query.mockRejectedValueOnce(new Error('deadlock detected'));

    await expect(repository.appendToOpenConversation(input())).rejects.toThrow('deadlock detected');
    expect(runner.release).toHaveBeenCalledTimes(1);
  });

  it('turns row_to_json timestamps into Dates and copies the list fields onto the conversation', async () => {
    const row = appendRow();
    raw.query.mockResolvedValueOnce({ rows: [row] });

    const result = await repository.appendToOpenConversation(input());

    expect(result).not.toBeNull();
    const { message, conversation } = result!;
    expect(message).toEqual({ ...row.message, created_at: new Date('2024-11-21T10:00:00.000Z') });
    expect(message.created_at).toBeInstanceOf(Date);
    expect(message.edited_at).toBeNull();
    expect(conversation).toEqual({
      ...row.conversation,
      cycle_started_at: new Date('2024-11-20T08:00:00.000Z'),
      first_customer_message_at: new Date('2024-11-20T08:00:00.000Z'),
      first_human_reply_at: new Date('2024-11-20T08:05:00.000Z'),
      last_customer_message_at: new Date('2024-11-21T10:00:00.000Z'),
      last_message_at: new Date('2024-11-21T10:00:00.000Z'),
      resolved_at: null,
      snoozed_until: null,
      created_at: new Date('2024-11-01T08:00:00.000Z'),
      updated_at: new Date('2024-11-21T10:00:00.123Z'),
      channel_type: 'telegram',
      channel_name: 'Shop bot',
      contact_name: 'Carl Customer',
      assignee_name: 'Mia Manager',
      cursor_at: '2024-11-21 10:00:00+00',
    });
    for (const field of ['last_message_at', 'created_at', 'updated_at', 'cycle_started_at'] as const)
      expect(conversation[field]).toBeInstanceOf(Date);
    expect(row.message.created_at).toBe('2024-11-21T10:00:00+00:00'); // the driver's row is not mutated
  });

  it('enqueues the FAQ bot job in the same statement and reports it', async () => {
    raw.query.mockResolvedValueOnce({ rows: [{ ...appendRow(), bot_job: true }] });

    const result = await repository.appendToOpenConversation(input());

    expect(result?.botJob).toBe(true);
    const sql = (raw.query.mock.calls[0][0] as { text: string }).text;
    expect(sql).toMatch(/INSERT INTO jobs[\s\S]*'bot'[\s\S]*settings->'bot'->>'enabled'/);
  });

  it('keeps a null assignee name for an unassigned conversation', async () => {
    const row = { ...appendRow(), assignee_name: null };
    row.conversation.assignee_id = null as unknown as string;
    raw.query.mockResolvedValueOnce({ rows: [row] });

    const result = await repository.appendToOpenConversation(input());

    expect(result?.conversation).toEqual(expect.objectContaining({ assignee_id: null, assignee_name: null }));
  });

  /** A statement that answers when told to, with the rows of the messages it was given (by external id). */
  function heldStatements(rowsFor: (externalIds: string[]) => unknown[] = (ids) => ids.map(rowFor)) {
    const held: { externalIds: string[]; answer: () => void; fail: (err: Error) => void }[] = [];
    raw.query.mockImplementation(
      ({ values }: { values: unknown[][] }) =>
        new Promise((resolve, reject) => {
          const externalIds = values[4] as string[];
          held.push({ externalIds, answer: () => resolve({ rows: rowsFor(externalIds) }), fail: reject });
        }),
    );
    return held;
  }

  function rowFor(externalId: string) {
    const row = appendRow();
    row.message.id = `m-${externalId}`;
    row.message.external_id = externalId;
    return row;
  }

  const flushed = () => new Promise((resolve) => setImmediate(resolve));

  it('sends messages that arrive while statements are under way together in the next one', async () => {
    const held = heldStatements();
    const results = ['e1', 'e2', 'e3', 'e4', 'e5'].map((id) =>
      repository.appendToOpenConversation(input({ externalMessageId: id })),
    );
    await flushed();
    // Two statements at a time: the first two messages went alone, the other three wait.
    expect(held.map((h) => h.externalIds)).toEqual([['e1'], ['e2']]);
    held[0].answer();
    await flushed();
    expect(held.map((h) => h.externalIds)).toEqual([['e1'], ['e2'], ['e3', 'e4', 'e5']]);
    held[2].answer();
    held[1].answer();
    const appended = await Promise.all(results);
    expect(appended.map((a) => a?.message.id)).toEqual(['m-e1', 'm-e2', 'm-e3', 'm-e4', 'm-e5']);
    expect(runner.release).toHaveBeenCalledTimes(3);
  });

  it('answers null to the messages the statement did not append, and to a second copy in the batch', async () => {
    const held = heldStatements((ids) => ids.filter((id) => id !== 'new-customer').map(rowFor));
    const first = repository.appendToOpenConversation(input({ externalMessageId: 'a' }));
    const second = repository.appendToOpenConversation(input({ externalMessageId: 'b' }));
    const rest = ['c', 'new-customer', 'c'].map((id) =>
      repository.appendToOpenConversation(input({ externalMessageId: id })),
    );
    await flushed();
    held.forEach((h) => h.answer());
    await flushed();
    held.slice(2).forEach((h) => h.answer());

    expect((await first)?.message.id).toBe('m-a');
    expect((await second)?.message.id).toBe('m-b');
    const [copy1, stranger, copy2] = await Promise.all(rest);
    expect(copy1?.message.id).toBe('m-c');
    expect(stranger).toBeNull();
    expect(copy2).toBeNull(); // the full path finds it stored and answers it as a duplicate
  });

  it('retries a failed batch one message at a time: only the failing message fails', async () => {
    const held = heldStatements();
    const results = Promise.allSettled(
      ['x1', 'x2', 'bad', 'x3'].map((id) => repository.appendToOpenConversation(input({ externalMessageId: id }))),
    );
    await flushed();
    held[0].answer();
    held[1].answer();
    await flushed();
    expect(held[2].externalIds).toEqual(['bad', 'x3']);
    held[2].fail(new Error('deadlock detected'));
    for (let i = 3; i < 5; i++) {
      await flushed();
      const retry = held[i];
      if (retry.externalIds[0] === 'bad') retry.fail(new Error('invalid input'));
      else retry.answer();
    }
    const settled = await results;
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((settled[2] as PromiseRejectedResult).reason).toEqual(new Error('invalid input'));
    expect(held.slice(3).map((h) => h.externalIds)).toEqual([['bad'], ['x3']]);
  });
});
