import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { AgentSocketService } from '../../../core/socket/agent-socket.service';
import { ToastService } from '../../../core/toast/toast.service';
import { FakeSocket, provideFakeSocket } from '../../../../testing/fake-socket';
import { ME, conversation, deal, signIn } from '../../../../testing/fixtures';
import { ConversationListStore } from './conversation-list.store';

describe(ConversationListStore.name, () => {
  let store: ConversationListStore;
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
        ConversationListStore,
      ],
    });
    TestBed.inject(AgentSocketService).connect(() => 'jwt');
    socket = sockets[0];
    store = TestBed.inject(ConversationListStore);
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => http.verify());

  function loadFirstPage(items = [conversation('a'), conversation('b')], nextCursor: string | null = null): void {
    store.reload();
    http.expectOne((r) => r.url === '/api/conversations').flush({ items, nextCursor });
  }

  it('asks for the filter as query parameters', () => {
    store.setFilter({ tab: 'mine', status: 'pending', channelId: 'ch-9', q: ' ivan ' });
    const req = http.expectOne((r) => r.url === '/api/conversations');
    expect(req.request.params.get('assignee')).toBe('me');
    expect(req.request.params.get('status')).toBe('pending');
    expect(req.request.params.get('channelId')).toBe('ch-9');
    expect(req.request.params.get('q')).toBe('ivan');
    expect(req.request.params.get('limit')).toBe('30');
    expect(req.request.params.has('cursor')).toBe(false);
    req.flush({ items: [], nextCursor: null });

    store.setFilter({ tab: 'unassigned', status: 'all', channelId: null, q: '' });
    const second = http.expectOne((r) => r.url === '/api/conversations');
    expect(second.request.params.get('assignee')).toBe('unassigned');
    expect(second.request.params.get('status')).toBe('all');
    expect(second.request.params.has('channelId')).toBe(false);
    second.flush({ items: [], nextCursor: null });
  });

  it('lists the missed chats with missed=true, refreshes that view and toasts on a live miss', () => {
    store.setFilter({ tab: 'missed', status: 'all' });
    const req = http.expectOne((r) => r.url === '/api/conversations');
    expect(req.request.params.get('missed')).toBe('true');
    expect(req.request.params.has('assignee')).toBe(false);
    req.flush({ items: [conversation('m1')], nextCursor: null });

    // A conversation the server did not list as missed does not join the missed view live.
    socket.serverEmit('conversation.updated', conversation('other'));
    expect(store.items().map((c) => c.id)).toEqual(['m1']);

    const toasts = TestBed.inject(ToastService);
    socket.serverEmit('conversation.missed', {
      conversationId: 'm2',
      cycle: 1,
      reason: 'visitor_left',
      at: '2026-11-22T00:00:00.000Z',
      conversation: conversation('m2', { contact: { id: 'ct', name: 'Olga' } }),
    });
    expect(toasts.toasts().map((t) => t.text)).toEqual([expect.stringContaining('Olga')]);
    http
      .expectOne((r) => r.url === '/api/conversations' && r.params.get('missed') === 'true')
      .flush({ items: [conversation('m2'), conversation('m1')], nextCursor: null });
    expect(new Set(store.items().map((c) => c.id))).toEqual(new Set(['m1', 'm2']));
  });

  it('loads the next page with the cursor and skips duplicates', () => {
    loadFirstPage([conversation('a'), conversation('b')], 'cur-1');
    expect(store.hasMore()).toBe(true);
    store.loadMore();
    const req = http.expectOne((r) => r.url === '/api/conversations');
    expect(req.request.params.get('cursor')).toBe('cur-1');
    req.flush({ items: [conversation('b'), conversation('c')], nextCursor: null });
    expect(store.items().map((c) => c.id)).toEqual(['a', 'b', 'c']);
    expect(store.hasMore()).toBe(false);
    store.loadMore();
    http.expectNone('/api/conversations');
  });

  it('moves a conversation to the top when a new message updates it', () => {
    loadFirstPage([
      conversation('a', {
        lastMessage: { text: 'x', direction: 'in', author: null, createdAt: '2025-03-01T10:00:00Z' },
      }),
      conversation('b', {
        lastMessage: { text: 'y', direction: 'in', author: null, createdAt: '2025-03-01T09:00:00Z' },
      }),
    ]);
    socket.serverEmit(
      'conversation.updated',
      conversation('b', {
        unreadCount: 2,
        lastMessage: { text: 'new!', direction: 'in', author: null, createdAt: '2025-03-01T11:00:00Z' },
      }),
    );
    expect(store.items().map((c) => c.id)).toEqual(['b', 'a']);
    expect(store.items()[0].unreadCount).toBe(2);
    expect(store.items()[0].lastMessage?.text).toBe('new!');
  });

  it('adds created conversations that match and ignores those that do not', () => {
    loadFirstPage([conversation('a')]);
    socket.serverEmit(
      'conversation.created',
      conversation('n1', {
        lastMessage: { text: 'hi', direction: 'in', author: null, createdAt: '2025-03-02T00:00:00Z' },
      }),
    );
    socket.serverEmit('conversation.created', conversation('n2', { status: 'resolved' }));
    expect(store.items().map((c) => c.id)).toEqual(['n1', 'a']);
  });

  it('drops a conversation that no longer matches the filter', () => {
    store.setFilter({ tab: 'unassigned' });
    http
      .expectOne((r) => r.url === '/api/conversations')
      .flush({ items: [conversation('a'), conversation('b')], nextCursor: null });

    socket.serverEmit('conversation.updated', conversation('a', { assignee: { id: ME.id, name: ME.name } }));
    expect(store.items().map((c) => c.id)).toEqual(['b']);

    socket.serverEmit('conversation.updated', conversation('b', { status: 'resolved' }));
    expect(store.items()).toEqual([]);
  });

  it('keeps the open conversation read when updates arrive', () => {
    loadFirstPage([conversation('a', { unreadCount: 3 })]);
    store.activeId.set('a');
    store.markRead('a');
    expect(store.items()[0].unreadCount).toBe(0);
    socket.serverEmit('conversation.updated', conversation('a', { unreadCount: 4 }));
    expect(store.items()[0].unreadCount).toBe(0);
  });

  it('shows a deal update on its conversation’s row without reordering', () => {
    loadFirstPage();
    socket.serverEmit('deal.updated', {
      ...deal({ stageName: 'Won', semantic: 'won', amount: '900', currency: 'USD' }),
      conversationId: 'b',
    });
    expect(store.items().map((c) => c.id)).toEqual(['a', 'b']);
    expect(store.items()[1].deal).toEqual({
      id: 'deal-1',
      title: 'Deal with Ivan',
      stage: 'Won',
      semantic: 'won',
      amount: '900',
      currency: 'USD',
    });
    expect(store.items()[0].deal).toBeNull();
  });

  it('moves the keyboard cursor within the list', () => {
    loadFirstPage([conversation('a'), conversation('b')]);
    store.moveCursor(1);
    expect(store.cursorIndex()).toBe(0);
    store.moveCursor(1);
    store.moveCursor(1);
    expect(store.cursorIndex()).toBe(1);
    store.moveCursor(-1);
    expect(store.cursorIndex()).toBe(0);
  });
});
