import { ComponentFixture, TestBed } from '@angular/core/testing';
import { I18nService } from '../core/i18n/i18n.service';
import { PresenceService } from '../core/presence/presence.service';
import { AgentSocketService } from '../core/socket/agent-socket.service';
import { FakeSocket, provideFakeSocket } from '../../testing/fake-socket';
import { ME, signIn } from '../../testing/fixtures';
import { PresenceToggleComponent } from './presence-toggle.component';

describe(PresenceToggleComponent.name, () => {
  let fixture: ComponentFixture<PresenceToggleComponent>;
  let sockets: FakeSocket[];
  let presence: PresenceService;

  async function render(stored?: string): Promise<void> {
    localStorage.clear();
    signIn(ME);
    if (stored) localStorage.setItem('onebox.presence', stored);
    sockets = [];
    TestBed.configureTestingModule({ providers: [provideFakeSocket(sockets)] });
    TestBed.inject(I18nService).setLang('en');
    presence = TestBed.inject(PresenceService);
    TestBed.inject(AgentSocketService).connect(() => 't', presence.handshake);
    sockets[0].respond = (event, payload) =>
      event === 'presence.set' ? payload : event === 'presence.heartbeat' ? { status: presence.status() } : null;
    sockets[0].fire('connect');
    presence.start();
    fixture = TestBed.createComponent(PresenceToggleComponent);
    await fixture.whenStable();
  }

  afterEach(() => presence.stop());

  const select = () => fixture.nativeElement.querySelector('[data-testid="presence-toggle"]') as HTMLSelectElement;

  it('starts online, offers online/away/offline and sends the choice over the socket', async () => {
    await render();
    expect(select().value).toBe('online');
    expect([...select().options].map((o) => [o.value, o.textContent?.trim()])).toEqual([
      ['online', 'Online'],
      ['away', 'Away'],
      ['offline', 'Offline'],
    ]);

    select().value = 'away';
    select().dispatchEvent(new Event('change'));
    await fixture.whenStable();

    expect(sockets[0].emitted).toContainEqual({ event: 'presence.set', payload: { status: 'away' } });
    expect(presence.status()).toBe('away');
    expect(localStorage.getItem('onebox.presence')).toBe('away');
    expect(fixture.nativeElement.querySelector('.presence').dataset.status).toBe('away');
  });

  it('asks for the remembered status in the handshake of every (re)connect', async () => {
    await render('away');
    const auth = sockets[0].options['auth'] as (cb: (data: object) => void) => void;
    const seen: object[] = [];
    auth((data) => seen.push(data));
    expect(seen).toEqual([{ presence: 'away', token: 't' }]);
    expect(select().value).toBe('away');
  });

  it('follows a change made in another tab, and ignores colleagues', async () => {
    await render();
    sockets[0].serverEmit('presence.updated', { userId: 'someone-else', status: 'offline', since: '' });
    await fixture.whenStable();
    expect(select().value).toBe('online');
    sockets[0].serverEmit('presence.updated', { userId: ME.id, status: 'offline', since: '' });
    await fixture.whenStable();
    expect(select().value).toBe('offline');
  });

  it('sends a heartbeat every 25 seconds while open', async () => {
    await render();
    jest.useFakeTimers();
    try {
      presence.stop();
      presence.start();
      jest.advanceTimersByTime(50_000);
      expect(sockets[0].emitted.filter((e) => e.event === 'presence.heartbeat')).toEqual([
        { event: 'presence.heartbeat', payload: {} },
        { event: 'presence.heartbeat', payload: {} },
      ]);
      presence.stop();
      jest.advanceTimersByTime(50_000);
      expect(sockets[0].emitted.filter((e) => e.event === 'presence.heartbeat')).toHaveLength(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('forgets the choice on sign-out', async () => {
    await render('offline');
    presence.reset();
    expect(presence.status()).toBe('online');
    expect(localStorage.getItem('onebox.presence')).toBeNull();
  });
});
