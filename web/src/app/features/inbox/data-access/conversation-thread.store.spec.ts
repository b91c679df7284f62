import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { MessageDto } from '@onebox/contracts';
import { AgentSocketService } from '../../../core/socket/agent-socket.service';
import { ToastService } from '../../../core/toast/toast.service';
import { FakeSocket, provideFakeSocket } from '../../../../testing/fake-socket';
import { ME, detail, message, signIn } from '../../../../testing/fixtures';
import { ConversationThreadStore, mergeMessage } from './conversation-thread.store';

describe(ConversationThreadStore.name, () => {
  let store: ConversationThreadStore;
  let http: HttpTestingController;
  let socket: FakeSocket;

  beforeEach(() => {
    localStorage.clear();
    signIn(ME);
    const sockets: FakeSocket[] = [];
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([]),
        provideFakeSocket(sockets),
        ConversationThreadStore,
      ],
    });
    TestBed.inject(AgentSocketService).connect(() => 'jwt');
    socket = sockets[0];
    store = TestBed.inject(ConversationThreadStore);
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => http.verify());

  function open(items: MessageDto[] = [message('m1'), message('m2')], hasMore = false): void {
    store.open('c1');
    http.expectOne('/api/conversations/c1').flush(detail('c1'));
    const req = http.expectOne((r) => r.url === '/api/conversations/c1/messages');
    expect(req.request.params.get('limit')).toBe('30');
    expect(req.request.params.has('before')).toBe(false);
    req.flush({ items, hasMore });
  }

  it('loads the detail and the latest page', () => {
    open();
    expect(store.detail()?.id).toBe('c1');
    expect(store.messages().map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(store.loading()).toBe(false);
  });

  it('reloads only the detail, keeping the messages (e.g. after a contact merge)', () => {
    open();
    store.reloadDetail();
    http
      .expectOne('/api/conversations/c1')
      .flush(detail('c1', { contact: { ...detail('c1').contact, phone: '+7 900' } }));
    http.expectNone((r) => r.url === '/api/conversations/c1/messages');
    expect(store.detail()?.contact.phone).toBe('+7 900');
    expect(store.messages().map((m) => m.id)).toEqual(['m1', 'm2']);
  });

  it('pages upwards with before=<oldest id> and prepends', () => {
    open([message('m3'), message('m4')], true);
    store.loadOlder();
    const req = http.expectOne((r) => r.url === '/api/conversations/c1/messages');
    expect(req.request.params.get('before')).toBe('m3');
    req.flush({ items: [message('m1'), message('m2')], hasMore: false });
    expect(store.messages().map((m) => m.id)).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(store.hasMore()).toBe(false);
  });

  it('shows a sent message at once as queued and replaces it with the server copy', () => {
    open([]);
    store.send({ text: 'Hello\nthere', private: false, attachments: [] });

    const optimistic = store.messages()[0];
    expect(optimistic.status).toBe('queued');
    expect(optimistic.author.name).toBe(ME.name);

    const req = http.expectOne('/api/conversations/c1/messages');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({
      text: 'Hello\nthere',
      clientMessageId: optimistic.clientMessageId,
      private: false,
      attachmentIds: [],
    });
    expect(optimistic.clientMessageId).toMatch(/^[0-9a-f-]{36}$/);

    // The socket may win the race with the HTTP answer; either way one message remains.
    socket.serverEmit(
      'message.created',
      message('srv-1', {
        direction: 'out',
        status: 'sent',
        text: 'Hello\nthere',
        clientMessageId: optimistic.clientMessageId,
      }),
    );
    req.flush(
      message('srv-1', {
        direction: 'out',
        status: 'queued',
        text: 'Hello\nthere',
        clientMessageId: optimistic.clientMessageId,
      }),
    );

    expect(store.messages()).toHaveLength(1);
    expect(store.messages()[0].id).toBe('srv-1');
    expect(store.messages()[0].status).toBe('sent');
  });

  it('applies delivery updates for the open conversation only', () => {
    open([message('o1', { direction: 'out', status: 'sent' })]);
    socket.serverEmit('message.updated', message('o1', { direction: 'out', status: 'read' }));
    socket.serverEmit('message.created', message('x', { conversationId: 'other' }));
    expect(store.messages().map((m) => [m.id, m.status])).toEqual([['o1', 'read']]);
  });

  it('marks the optimistic copy failed with the server message when sending fails', () => {
    open([]);
    const toast = TestBed.inject(ToastService);
    store.send({ text: 'hi', private: true, attachments: [] });
    http
      .expectOne('/api/conversations/c1/messages')
      .flush(
        { code: 'window_closed', message: 'The 24-hour window is closed' },
        { status: 422, statusText: 'Unprocessable' },
      );
    expect(store.messages()[0].status).toBe('failed');
    expect(store.messages()[0].error?.message).toBe('The 24-hour window is closed');
    expect(toast.toasts().map((t) => t.text)).toEqual(['The 24-hour window is closed']);
  });

  it('sends attachment ids with the message', () => {
    open([]);
    const attachment = { id: 'att-1', name: 'a.pdf', mimeType: 'application/pdf', size: 10, url: '/files/a.pdf' };
    store.send({ text: '', private: false, attachments: [attachment] });
    const req = http.expectOne('/api/conversations/c1/messages');
    expect(req.request.body.attachmentIds).toEqual(['att-1']);
    expect(store.messages()[0].attachments).toEqual([attachment]);
    req.flush(message('s', { direction: 'out', status: 'queued', clientMessageId: req.request.body.clientMessageId }));
  });

  it('assigns and resolves through the API and reflects the answer', () => {
    open([]);
    store.assign({ id: ME.id, name: ME.name });
    const assign = http.expectOne('/api/conversations/c1/assign');
    expect(assign.request.body).toEqual({ assigneeId: ME.id });
    assign.flush(null, { status: 204, statusText: 'No Content' });
    expect(store.detail()?.assignee).toEqual({ id: ME.id, name: ME.name });

    store.setStatus('resolved');
    const status = http.expectOne('/api/conversations/c1/status');
    expect(status.request.body).toEqual({ status: 'resolved' });
    status.flush(null, { status: 204, statusText: 'No Content' });
    expect(store.detail()?.status).toBe('resolved');

    // The server's echo wins over the local guess.
    socket.serverEmit('conversation.updated', {
      ...detail('c1'),
      status: 'open',
      assignee: { id: 'u2', name: 'Boss' },
    });
    expect(store.detail()?.status).toBe('open');
    expect(store.detail()?.assignee?.name).toBe('Boss');
  });

  describe('retry', () => {
    const failed = (id: string) =>
      message(id, {
        direction: 'out',
        status: 'failed',
        author: { type: 'agent', id: ME.id, name: ME.name },
        error: { code: 'recipient_unreachable', message: 'Bot was blocked' },
      });

    it('requeues a stored failed message and follows its live updates', () => {
      open([failed('f1')]);
      store.retry(store.messages()[0]);
      expect(store.messages()[0]).toMatchObject({ status: 'queued', error: null });

      const req = http.expectOne('/api/conversations/c1/messages/f1/retry');
      expect(req.request.method).toBe('POST');
      req.flush(message('f1', { direction: 'out', status: 'queued' }));
      socket.serverEmit('message.updated', message('f1', { direction: 'out', status: 'sent' }));
      expect(store.messages()[0].status).toBe('sent');
    });

    it('keeps a newer status when the socket beats the retry answer', () => {
      open([failed('f1')]);
      store.retry(store.messages()[0]);
      socket.serverEmit('message.updated', message('f1', { direction: 'out', status: 'delivered' }));
      http
        .expectOne('/api/conversations/c1/messages/f1/retry')
        .flush(message('f1', { direction: 'out', status: 'queued' }));
      expect(store.messages()[0].status).toBe('delivered');
    });

    it('shows the failure again when the retry is refused', () => {
      open([failed('f1')]);
      store.retry(store.messages()[0]);
      http
        .expectOne('/api/conversations/c1/messages/f1/retry')
        .flush(
          { code: 'not_failed', message: 'Only a message that failed to send can be retried' },
          { status: 409, statusText: 'Conflict' },
        );
      expect(store.messages()[0]).toMatchObject({
        status: 'failed',
        error: { code: 'recipient_unreachable', message: 'Only a message that failed to send can be retried' },
      });
    });

    it('posts a message that never reached the server again under the same clientMessageId', () => {
      open([]);
      store.send({ text: 'hi', private: false, attachments: [] });
      const first = http.expectOne('/api/conversations/c1/messages');
      first.error(new ProgressEvent('error'));
      const local = store.messages()[0];
      expect(local.status).toBe('failed');

      store.retry(local);
      const again = http.expectOne('/api/conversations/c1/messages');
      expect(again.request.body).toEqual(first.request.body);
      again.flush(message('srv-1', { direction: 'out', status: 'queued', clientMessageId: local.clientMessageId }));
      expect(store.messages().map((m) => [m.id, m.status])).toEqual([['srv-1', 'queued']]);
    });
  });

  describe('messaging window', () => {
    const closedWindow = { hours: 24, closesAt: '2025-03-01T09:00:00.000Z', open: false };

    function openWith(messagingWindow: typeof closedWindow): void {
      store.open('c1');
      http.expectOne('/api/conversations/c1').flush(detail('c1', { messagingWindow }));
      http.expectOne((r) => r.url === '/api/conversations/c1/messages').flush({ items: [], hasMore: false });
    }

    it('closes the window when a send answers 409 window_closed', () => {
      openWith({ hours: 24, closesAt: '2025-03-02T09:00:00.000Z', open: true });
      store.send({ text: 'too late', private: false, attachments: [] });
      const message = 'The 24-hour window for free-form messages has closed';
      http
        .expectOne('/api/conversations/c1/messages')
        .flush(
          { code: 'window_closed', message, details: [{ field: 'template', message: 'required' }] },
          { status: 409, statusText: 'Conflict' },
        );
      expect(store.detail()?.messagingWindow?.open).toBe(false);
      expect(store.messages()[0]).toMatchObject({ status: 'failed', error: { code: 'window_closed', message } });
      expect(
        TestBed.inject(ToastService)
          .toasts()
          .map((t) => t.text),
      ).toEqual([message]);
    });

    it('sends a template with empty text and shows it at once', () => {
      openWith(closedWindow);
      const template = { name: 'order_update', language: 'ru', parameters: ['Ivan'] };
      store.send({ text: '', private: false, attachments: [], template });
      expect(store.messages()[0].template).toEqual(template);
      const req = http.expectOne('/api/conversations/c1/messages');
      expect(req.request.body).toEqual({
        text: '',
        clientMessageId: store.messages()[0].clientMessageId,
        private: false,
        attachmentIds: [],
        template,
      });
    });

    it('reopens the window when the customer writes', () => {
      openWith(closedWindow);
      socket.serverEmit('message.created', message('in-1', { createdAt: '2025-03-01T12:00:00.000Z' }));
      expect(store.detail()?.messagingWindow).toEqual({ hours: 24, closesAt: '2025-03-02T12:00:00.000Z', open: true });
    });
  });
});

describe('mergeMessage', () => {
  it('never moves delivery status backwards', () => {
    const read = message('a', { direction: 'out', status: 'read' });
    const merged = mergeMessage(read, message('a', { direction: 'out', status: 'delivered', text: 'edited' }));
    expect(merged.status).toBe('read');
    expect(merged.text).toBe('edited');
  });

  it('takes a failure after queued', () => {
    const failed = message('a', {
      direction: 'out',
      status: 'failed',
      error: { code: 'rate_limited', message: 'slow down' },
    });
    expect(mergeMessage(message('a', { status: 'queued' }), failed)).toBe(failed);
  });
});
