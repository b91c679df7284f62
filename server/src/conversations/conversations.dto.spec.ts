import type { MessageRow } from './messages.repository';
import { decodeCursor, encodeCursor, mapMessage, mapWebchatMessage, previewOf } from './conversations.dto';
import * as rows from '../../test/rows';

const ID = '0b7c1f0e-3a51-4d7e-9a59-6f3c1b2d4e01';

function raw(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

const messageRow = (o: Partial<MessageRow> = {}): MessageRow =>
  rows.outboundMessageRow({ client_message_id: 'client-1', ...o });

describe('conversation cursors', () => {
  it.each([
    '2024-11-20 09:00:00+00',
    '2024-11-20 09:00:00.123456+00',
    '2024-11-20 12:00:00.5+03',
    '2024-11-20 14:30:00.987+05:30',
    '2024-11-20 06:00:00-03',
  ])('round-trips the PostgreSQL sort key %p with the row id', (cursorAt) => {
    expect(decodeCursor(encodeCursor({ cursor_at: cursorAt, id: ID }))).toEqual({ at: cursorAt, id: ID });
  });

  it('encodes URL-safe text', () => {
    expect(encodeCursor({ cursor_at: '2024-11-20 09:00:00.123456+00', id: ID })).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it.each([
    ['an empty string', ''],
    ['text that is not base64 JSON', 'not a cursor!'],
    ['JSON null', raw(null)],
    ['a number', raw(42)],
    ['an object', raw({ at: '2024-11-20 09:00:00+00', id: ID })],
    ['a missing id', raw(['2024-11-20 09:00:00+00'])],
    ['swapped parts', raw([ID, '2024-11-20 09:00:00+00'])],
    ['a non-string time', raw([1732093200000, ID])],
    ['a time that is not a timestamp', raw(['yesterday', ID])],
    ['a time with trailing SQL', raw(["2024-11-20 09:00:00+00'; DROP TABLE conversations; --", ID])],
    ['an id that is not a UUID', raw(['2024-11-20 09:00:00+00', '1 OR 1=1'])],
    ['an id of the wrong length', raw(['2024-11-20 09:00:00+00', ID.slice(1)])],
  ])('rejects %s', (_, cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });
});

describe(previewOf.name, () => {
  const file = { name: 'price-list.pdf' };

  it('previews the trimmed text', () => {
    expect(previewOf('  Is the sofa in stock?  ', [file])).toBe('Is the sofa in stock?');
  });

  it('previews the first attachment’s name when there is no text', () => {
    expect(previewOf('   ', [file, { name: 'second.png' }])).toBe('📎 price-list.pdf');
  });

  it('previews nothing for no text and no attachments', () => {
    expect(previewOf('', [])).toBe('');
  });

  it('keeps text of up to 200 characters whole', () => {
    const text = 'x'.repeat(200);
    expect(previewOf(text, [])).toBe(text);
  });

  it('cuts longer text to 200 characters ending in an ellipsis', () => {
    const preview = previewOf('y'.repeat(250), []);
    expect(preview).toHaveLength(200);
    expect(preview).toBe(`${'y'.repeat(199)}…`);
  });

  it('never splits an emoji when it cuts a long preview', () => {
    const preview = previewOf(`${'x'.repeat(198)}😀😀😀`, []);
    expect(preview).toBe(`${'x'.repeat(198)}😀…`);
    expect(preview).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

describe(mapMessage.name, () => {
  it('maps a failed message with its error', () => {
    const dto = mapMessage(
      messageRow({ status: 'failed', error_code: 'rate_limited', error_message: 'Too Many Requests' }),
    );

    expect(dto).toEqual({
      id: 'm-1',
      conversationId: 'cv-1',
      direction: 'out',
      author: { type: 'agent', id: 'u-1', name: 'Mia' },
      text: 'Hello',
      attachments: [],
      status: 'failed',
      error: { code: 'rate_limited', message: 'Too Many Requests' },
      private: false,
      clientMessageId: 'client-1',
      editedAt: null,
      template: null,
      createdAt: '2024-11-21T10:00:00.000Z',
    });
  });

  it('maps no error when the message has none', () => {
    expect(mapMessage(messageRow()).error).toBeNull();
  });

  it('maps a customer’s edit time and the template a message was sent as', () => {
    const template = { name: 'order_ready', language: 'ru', parameters: ['A-17'] };

    const dto = mapMessage(messageRow({ edited_at: new Date('2024-11-21T10:05:00.000Z'), template }));

    expect(dto.editedAt).toBe('2024-11-21T10:05:00.000Z');
    expect(dto.template).toEqual(template);
  });
});

describe(mapWebchatMessage.name, () => {
  it('shows a visitor only public fields, and the client id only of the visitor’s own messages', () => {
    const outbound = mapWebchatMessage(messageRow({ direction: 'out', client_message_id: 'agent-client-1' }));
    const inbound = mapWebchatMessage(
      messageRow({ direction: 'in', author_type: 'contact', client_message_id: 'visitor-client-1' }),
    );

    expect(outbound).toEqual({
      id: 'm-1',
      clientMessageId: null,
      direction: 'out',
      authorName: 'Mia',
      text: 'Hello',
      attachments: [],
      createdAt: '2024-11-21T10:00:00.000Z',
    });
    expect(inbound.clientMessageId).toBe('visitor-client-1');
  });
});
