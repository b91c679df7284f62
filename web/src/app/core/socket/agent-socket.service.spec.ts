import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { FakeSocket, provideFakeSocket } from '../../../testing/fake-socket';
import { deal, message } from '../../../testing/fixtures';
import { AgentSocketService } from './agent-socket.service';

describe(AgentSocketService.name, () => {
  let sockets: FakeSocket[];
  let service: AgentSocketService;

  beforeEach(() => {
    sockets = [];
    TestBed.configureTestingModule({ providers: [provideFakeSocket(sockets)] });
    service = TestBed.inject(AgentSocketService);
  });

  it('connects to the /agent namespace with the current token', () => {
    let token = 'first';
    service.connect(() => token);
    const socket = sockets[0];
    expect(socket.uri).toBe('/agent');
    const auth = socket.options['auth'] as (cb: (data: object) => void) => void;
    token = 'second';
    const seen: object[] = [];
    auth((data) => seen.push(data));
    expect(seen).toEqual([{ token: 'second' }]);
  });

  it('shows reconnecting while down and re-joins open rooms on reconnect', () => {
    service.connect(() => 't');
    const socket = sockets[0];
    socket.fire('connect');
    service.join('c1');
    expect(socket.emitted).toEqual([{ event: 'conversation.join', payload: { conversationId: 'c1' } }]);

    socket.fire('disconnect', 'transport close');
    expect(service.reconnecting()).toBe(true);

    socket.fire('connect');
    expect(service.reconnecting()).toBe(false);
    expect(socket.emitted.filter((e) => e.event === 'conversation.join')).toHaveLength(2);
  });

  describe('after a password change (older tokens revoked, sockets closed by the server)', () => {
    let token: string;

    beforeEach(() => {
      token = 'old';
      service.connect(() => token);
      sockets[0].fire('connect');
    });

    it('reconnects with the new token once it arrives after the old one was refused', () => {
      const socket = sockets[0];
      socket.fire('disconnect', 'io server disconnect');
      expect(socket.handshakes).toEqual([{ token: 'old' }]);
      socket.refuse();
      expect(socket.handshakes).toHaveLength(1);

      token = 'new';
      service.renew();
      expect(socket.handshakes).toEqual([{ token: 'old' }, { token: 'new' }]);
      socket.fire('connect');
      expect(service.state()).toBe('connected');
    });

    it('tries again when the new token arrived while the old one was being refused', () => {
      const socket = sockets[0];
      socket.fire('disconnect', 'io server disconnect');
      token = 'new';
      service.renew(); // the attempt with the old token is still under way: nothing to do yet
      expect(socket.handshakes).toEqual([{ token: 'old' }]);
      socket.refuse();
      expect(socket.handshakes).toEqual([{ token: 'old' }, { token: 'new' }]);
    });

    it('does not offer a refused token again by itself', () => {
      const socket = sockets[0];
      socket.fire('disconnect', 'io server disconnect');
      socket.refuse();
      expect(socket.handshakes).toEqual([{ token: 'old' }]);
      expect(service.reconnecting()).toBe(true);
    });

    it('renews by itself when the token is a signal', () => {
      service.disconnect();
      const current = signal('old');
      service.connect(() => current());
      const socket = sockets[1];
      socket.fire('connect');
      socket.fire('disconnect', 'io server disconnect');
      socket.refuse();
      TestBed.tick();
      expect(socket.handshakes).toEqual([{ token: 'old' }]);

      current.set('new');
      TestBed.tick();
      expect(socket.handshakes).toEqual([{ token: 'old' }, { token: 'new' }]);
    });

    it('leaves a working link alone', () => {
      token = 'new';
      service.renew();
      expect(sockets[0].handshakes).toEqual([]);
    });
  });

  it('stops re-joining a room after leaving it', () => {
    service.connect(() => 't');
    const socket = sockets[0];
    socket.fire('connect');
    service.join('c1');
    service.leave('c1');
    socket.fire('disconnect', 'transport close');
    socket.fire('connect');
    expect(socket.emitted.map((e) => e.event)).toEqual(['conversation.join', 'conversation.leave']);
  });

  it('exposes server events by name', () => {
    service.connect(() => 't');
    const received: string[] = [];
    service.on('message.created').subscribe((m) => received.push(m.id));
    sockets[0].serverEmit('message.updated', message('other'));
    sockets[0].serverEmit('message.created', message('m1'));
    expect(received).toEqual(['m1']);
  });

  it('passes deal updates on with their conversation', () => {
    service.connect(() => 't');
    const received: string[] = [];
    service.on('deal.updated').subscribe((d) => received.push(`${d.conversationId}:${d.id}`));
    sockets[0].serverEmit('deal.updated', { ...deal(), conversationId: 'c1' });
    expect(received).toEqual(['c1:deal-1']);
  });
});
