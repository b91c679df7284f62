import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import type { MentionDto } from '@onebox/contracts';
import { FakeSocket, provideFakeSocket } from '../../../testing/fake-socket';
import { ME, signIn } from '../../../testing/fixtures';
import { I18nService } from '../i18n/i18n.service';
import { AgentSocketService } from '../socket/agent-socket.service';
import { MentionsBellComponent } from './mentions-bell.component';

function mention(id: string, patch: Partial<MentionDto> = {}): MentionDto {
  return {
    id,
    conversationId: `c-${id}`,
    messageId: `m-${id}`,
    text: `@Mia Agent look at ${id}`,
    author: { id: 'u-boss', name: 'Boris' },
    contact: { id: 'ct-1', name: 'Ivan' },
    createdAt: '2025-01-01T10:00:00.000Z',
    readAt: null,
    ...patch,
  };
}

describe('MentionsBellComponent', () => {
  let fixture: ComponentFixture<MentionsBellComponent>;
  let http: HttpTestingController;
  let socket: FakeSocket;
  let navigate: jest.SpyInstance;

  beforeEach(async () => {
    localStorage.clear();
    signIn(ME);
    const sockets: FakeSocket[] = [];
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([]), provideFakeSocket(sockets)],
    });
    TestBed.inject(I18nService).setLang('en');
    TestBed.inject(AgentSocketService).connect(() => 'jwt');
    socket = sockets[0];
    http = TestBed.inject(HttpTestingController);
    navigate = jest.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    fixture = TestBed.createComponent(MentionsBellComponent);
    fixture.detectChanges();
    http
      .expectOne((r) => r.url === '/api/mentions')
      .flush({ items: [mention('1'), mention('0', { readAt: '2025-01-01T09:00:00.000Z' })], unreadCount: 1 });
    fixture.detectChanges();
    await fixture.whenStable();
  });

  afterEach(() => {
    fixture.destroy();
    http.verify();
  });

  const el = () => fixture.nativeElement as HTMLElement;
  const bell = () => el().querySelector('[data-testid="mentions-bell"]') as HTMLButtonElement;
  const badge = () => el().querySelector('[data-testid="mentions-unread"]')?.textContent?.trim() ?? null;
  const items = () => Array.from(el().querySelectorAll<HTMLElement>('[data-testid="mention-item"]'));

  it('shows the unread count and grows it with mention.created', () => {
    expect(badge()).toBe('1');
    expect(bell().getAttribute('aria-label')).toBe('1 unread mentions');
    socket.serverEmit('mention.created', mention('2'));
    socket.serverEmit('mention.created', mention('2'));
    fixture.detectChanges();
    expect(badge()).toBe('2');
    bell().click();
    fixture.detectChanges();
    expect(items().map((i) => i.textContent)).toEqual([
      expect.stringContaining('look at 2'),
      expect.stringContaining('look at 1'),
      expect.stringContaining('look at 0'),
    ]);
    expect(items()[0].textContent).toContain('in the chat with Ivan');
  });

  it('opens the mentioned conversation and marks the mention read', () => {
    bell().click();
    fixture.detectChanges();
    items()[0].click();
    fixture.detectChanges();
    const req = http.expectOne('/api/mentions/1/read');
    expect(req.request.method).toBe('POST');
    req.flush(null);
    expect(navigate).toHaveBeenCalledWith(['/inbox', 'c-1'], { queryParams: { message: 'm-1' } });
    expect(badge()).toBeNull();
    expect(el().querySelector('[data-testid="mentions-panel"]')).toBeNull();
  });

  it('does not mark an already read mention again', () => {
    bell().click();
    fixture.detectChanges();
    items()[1].click();
    http.expectNone('/api/mentions/0/read');
    expect(navigate).toHaveBeenCalledWith(['/inbox', 'c-0'], { queryParams: { message: 'm-0' } });
  });
});
