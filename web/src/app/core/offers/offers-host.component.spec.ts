import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import type { OfferDto } from '@onebox/contracts';
import { I18nService } from '../i18n/i18n.service';
import { AgentSocketService } from '../socket/agent-socket.service';
import { ToastService } from '../toast/toast.service';
import { FakeSocket, provideFakeSocket } from '../../../testing/fake-socket';
import { ME, signIn } from '../../../testing/fixtures';
import { OffersHostComponent } from './offers-host.component';
import { OffersStore } from './offers.store';

function offer(id: string, patch: Partial<OfferDto> = {}): OfferDto {
  const now = Date.now();
  return {
    id,
    conversationId: `c-${id}`,
    cycle: 1,
    userId: ME.id,
    reason: 'round_robin',
    offeredAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 30_000).toISOString(),
    outcome: null,
    conversation: {
      contactName: 'Carl Customer',
      channel: { id: 'ch-1', type: 'webchat', name: 'Website' },
      lastMessageText: 'Is the sofa in stock?',
    },
    ...patch,
  };
}

describe(OffersHostComponent.name, () => {
  let fixture: ComponentFixture<OffersHostComponent>;
  let http: HttpTestingController;
  let sockets: FakeSocket[];
  let store: OffersStore;

  async function render(pending: OfferDto[] = []): Promise<void> {
    localStorage.clear();
    signIn(ME);
    sockets = [];
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([]), provideFakeSocket(sockets)],
    });
    TestBed.inject(I18nService).setLang('en');
    TestBed.inject(AgentSocketService).connect(() => 't');
    http = TestBed.inject(HttpTestingController);
    store = TestBed.inject(OffersStore);
    store.start();
    http.expectOne({ method: 'GET', url: '/api/offers/pending' }).flush(pending);
    fixture = TestBed.createComponent(OffersHostComponent);
    await fixture.whenStable();
  }

  afterEach(() => {
    store.stop();
    fixture.destroy();
    http.verify();
  });

  const el = () => fixture.nativeElement as HTMLElement;
  const cards = () => [...el().querySelectorAll<HTMLElement>('[data-testid="offer-card"]')];
  const click = async (card: HTMLElement, testId: string) => {
    card.querySelector<HTMLButtonElement>(`[data-testid="${testId}"]`)!.click();
    await fixture.whenStable();
  };

  it('restores pending offers after a reload, with who, where, what and the time left', async () => {
    await render([offer('o1')]);
    expect(cards()).toHaveLength(1);
    const card = cards()[0];
    expect(card.querySelector('[data-testid="offer-contact"]')?.textContent?.trim()).toBe('Carl Customer');
    expect(card.textContent).toContain('Website');
    expect(card.textContent).toContain('Is the sofa in stock?');
    expect(card.querySelector('[data-testid="offer-countdown"]')?.textContent?.trim()).toMatch(/^(30|29) s left$/);
  });

  it('shows an offer live, and accepting it opens the conversation', async () => {
    await render();
    const navigate = jest.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    expect(cards()).toHaveLength(0);
    sockets[0].serverEmit('offer.created', offer('o2', { reason: 'owner' }));
    await fixture.whenStable();
    expect(cards()).toHaveLength(1);
    expect(cards()[0].textContent).toContain('Your customer is back');

    await click(cards()[0], 'offer-accept');
    http.expectOne({ method: 'POST', url: '/api/offers/o2/accept' }).flush(null);
    await fixture.whenStable();
    expect(cards()).toHaveLength(0);
    expect(navigate).toHaveBeenCalledWith(['/inbox', 'c-o2']);
  });

  it('declines an offer: the card goes and nothing opens', async () => {
    await render([offer('o3')]);
    const navigate = jest.spyOn(TestBed.inject(Router), 'navigate');
    await click(cards()[0], 'offer-decline');
    http.expectOne({ method: 'POST', url: '/api/offers/o3/decline' }).flush(null);
    await fixture.whenStable();
    expect(cards()).toHaveLength(0);
    expect(navigate).not.toHaveBeenCalled();
  });

  it('removes the card when the server closes the offer (timed out or taken by someone else)', async () => {
    await render([offer('o4'), offer('o5')]);
    expect(cards()).toHaveLength(2);
    sockets[0].serverEmit('offer.closed', { offerId: 'o4', conversationId: 'c-o4', outcome: 'expired' });
    await fixture.whenStable();
    expect(cards().map((c) => c.dataset['conversationId'])).toEqual(['c-o5']);
  });

  it('says so when the offer was already gone', async () => {
    await render([offer('o6')]);
    const error = jest.spyOn(TestBed.inject(ToastService), 'error');
    await click(cards()[0], 'offer-accept');
    http
      .expectOne({ method: 'POST', url: '/api/offers/o6/accept' })
      .flush({ code: 'offer_closed', message: 'closed' }, { status: 409, statusText: 'Conflict' });
    await fixture.whenStable();
    expect(cards()).toHaveLength(0);
    expect(error).toHaveBeenCalledWith('This chat was already taken or its time ran out.');
  });
});
