import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { CrmConnectionDto, DealDto, UserDto } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { AgentSocketService } from '../../../core/socket/agent-socket.service';
import { ToastService } from '../../../core/toast/toast.service';
import { FakeSocket, provideFakeSocket } from '../../../../testing/fake-socket';
import { ME, PIPELINES_FIXTURE, crmConnection, deal, signIn } from '../../../../testing/fixtures';
import { DealPanelComponent } from './deal-panel.component';

const ADMIN: UserDto = { ...ME, id: 'u-admin', role: 'admin' };

describe(DealPanelComponent.name, () => {
  let fixture: ComponentFixture<DealPanelComponent>;
  let http: HttpTestingController;
  let sockets: FakeSocket[];

  async function render(user: UserDto = ME): Promise<void> {
    localStorage.clear();
    signIn(user);
    sockets = [];
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([]), provideFakeSocket(sockets)],
    });
    TestBed.inject(I18nService).setLang('en');
    TestBed.inject(AgentSocketService).connect(() => 't');
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(DealPanelComponent);
    fixture.componentRef.setInput('conversationId', 'c1');
    await fixture.whenStable();
  }

  /** Answer the card's three reads: the connection, its pipelines, the conversation's deal. */
  async function load(current: DealDto | null, connections: CrmConnectionDto[] = [crmConnection()]): Promise<void> {
    http.expectOne({ method: 'GET', url: '/api/crm' }).flush(connections);
    http.expectOne({ method: 'GET', url: '/api/conversations/c1/deal' }).flush(current);
    if (connections.length) http.expectOne('/api/crm/crm-1/pipelines').flush(PIPELINES_FIXTURE);
    await fixture.whenStable();
  }

  afterEach(() => {
    http.verify();
    jest.restoreAllMocks();
  });

  const el = () => fixture.nativeElement as HTMLElement;
  const q = <T extends Element = HTMLElement>(testId: string) => el().querySelector<T>(`[data-testid="${testId}"]`);
  const state = () => q('deal-card')?.dataset['state'];

  async function change(testId: string, value: string): Promise<void> {
    const input = q<HTMLInputElement | HTMLSelectElement>(testId)!;
    input.value = value;
    input.dispatchEvent(new Event(input instanceof HTMLSelectElement ? 'change' : 'input'));
    await fixture.whenStable();
  }

  async function click(testId: string): Promise<void> {
    q<HTMLButtonElement>(testId)!.click();
    await fixture.whenStable();
  }

  it('shows a synced deal: title, coloured stage, amount, responsible, CRM link and history', async () => {
    await render();
    await load(
      deal({
        stageId: 's-won',
        stageName: 'Won',
        semantic: 'won',
        history: [
          { stageId: 's-new', stageName: 'New lead', semantic: 'open', amount: null, at: '2025-03-01T10:00:00.000Z' },
          { stageId: 's-won', stageName: 'Won', semantic: 'won', amount: '15000.50', at: '2025-03-03T10:00:00.000Z' },
        ],
      }),
    );
    expect(state()).toBe('deal');
    expect(q('deal-title')?.textContent).toBe('Deal with Ivan');
    expect(q('deal-stage')?.textContent?.trim()).toBe('Won');
    expect(q('deal-stage')?.classList).toContain('pill--won');
    expect(q('deal-amount-value')?.textContent).toBe('RUB\u00a015,000.50');
    expect(q('deal-responsible')?.textContent).toBe('Olga Sales');
    const link = q<HTMLAnchorElement>('deal-open-crm')!;
    expect(link.href).toBe('https://shop.amocrm.ru/leads/detail/4711');
    expect(link.target).toBe('_blank');
    expect(link.rel).toContain('noopener');
    expect(q('deal-sync')).toBeNull();
    const history = Array.from(q('deal-history')!.querySelectorAll('li')).map((li) => li.textContent);
    expect(history[0]).toContain('Won');
    expect(history[1]).toContain('New lead');
    expect(q('deal-history')!.querySelector('time')?.getAttribute('datetime')).toBe('2025-03-03T10:00:00.000Z');
  });

  it('offers the pipeline’s stages in CRM order and sends only what changed', async () => {
    await render();
    await load(deal());
    const options = Array.from(q<HTMLSelectElement>('deal-stage-select')!.options).map((o) => o.textContent?.trim());
    expect(options).toEqual(['New lead', 'Negotiation', 'Won', 'Lost']);
    expect(q<HTMLSelectElement>('deal-stage-select')!.value).toBe('s-new');
    expect(q<HTMLInputElement>('deal-amount')!.value).toBe('15000.50');
    expect(q<HTMLButtonElement>('deal-save')!.disabled).toBe(true);

    await change('deal-stage-select', 's-talk');
    await change('deal-amount', '20 000,5');
    await click('deal-save');
    const req = http.expectOne({ method: 'PATCH', url: '/api/conversations/c1/deal' });
    expect(req.request.body).toEqual({ stageId: 's-talk', amount: '20000.5' });
    expect(q<HTMLButtonElement>('deal-save')!.disabled).toBe(true);

    // The server answers with the deal as the CRM last confirmed it, marked pending.
    req.flush(deal({ syncState: 'pending' }));
    await fixture.whenStable();
    expect(q('deal-sync')?.dataset['state']).toBe('pending');
    expect(q('deal-sync')?.textContent).toContain('Syncing…');
    expect(q('deal-stage')?.textContent?.trim()).toBe('Negotiation');
    expect(q<HTMLSelectElement>('deal-stage-select')!.value).toBe('s-talk');
    expect(q<HTMLInputElement>('deal-amount')!.value).toBe('20000.5');

    sockets[0].serverEmit('deal.updated', {
      ...deal({ stageId: 's-talk', stageName: 'Negotiation', amount: '20000.5' }),
      conversationId: 'c1',
    });
    await fixture.whenStable();
    expect(q('deal-sync')).toBeNull();
    expect(q('deal-stage')?.textContent?.trim()).toBe('Negotiation');
  });

  it('shows what the CRM kept when writing the change failed', async () => {
    await render();
    await load(deal());
    await change('deal-stage-select', 's-won');
    await click('deal-save');
    http.expectOne({ method: 'PATCH', url: '/api/conversations/c1/deal' }).flush(deal({ syncState: 'pending' }));
    await fixture.whenStable();
    expect(q('deal-stage')?.classList).toContain('pill--won');

    sockets[0].serverEmit('deal.updated', {
      ...deal({ syncState: 'failed', syncError: 'amoCRM: 403 Forbidden' }),
      conversationId: 'c1',
    });
    await fixture.whenStable();
    expect(q('deal-stage')?.textContent?.trim()).toBe('New lead');
    expect(q('deal-sync')?.textContent).toContain('amoCRM: 403 Forbidden');
  });

  it.each(['15k', '1.505', '-3'])('refuses the amount %p', async (amount) => {
    await render();
    await load(deal());
    await change('deal-amount', amount);
    expect(q('deal-amount-error')?.textContent).toBe('Enter a number, e.g. 15000 or 15000.50');
    expect(q<HTMLButtonElement>('deal-save')!.disabled).toBe(true);
  });

  it('shows a pending deal that the CRM has not created yet', async () => {
    await render();
    await load(
      deal({
        externalId: null,
        url: null,
        stageId: null,
        stageName: null,
        amount: null,
        syncState: 'pending',
        history: [],
      }),
    );
    expect(q('deal-sync')?.textContent).toContain('Syncing…');
    expect(q('deal-open-crm')).toBeNull();
    expect(q('deal-stage')?.textContent?.trim()).toBe('In progress');
    expect(q('deal-amount-value')?.textContent).toBe('—');
    expect(q('deal-history')).toBeNull();
  });

  it('shows why a deal failed to sync', async () => {
    await render();
    await load(deal({ syncState: 'failed', syncError: 'amoCRM: 401 Unauthorized' }));
    expect(q('deal-sync')?.dataset['state']).toBe('failed');
    expect(q('deal-sync')?.textContent).toContain('Not synced with the CRM: amoCRM: 401 Unauthorized');
  });

  it('creates a deal when there is none, and follows its socket updates', async () => {
    await render();
    await load(null);
    expect(state()).toBe('none');
    await click('deal-create');
    const req = http.expectOne({ method: 'POST', url: '/api/conversations/c1/deal' });
    expect(req.request.body).toEqual({});
    expect(q<HTMLButtonElement>('deal-create')!.disabled).toBe(true);
    req.flush(deal({ externalId: null, url: null, syncState: 'pending' }));
    await fixture.whenStable();
    expect(state()).toBe('deal');
    expect(q('deal-sync')?.textContent).toContain('Syncing…');

    sockets[0].serverEmit('deal.updated', { ...deal({ title: 'Other' }), conversationId: 'c2' });
    await fixture.whenStable();
    expect(q('deal-title')?.textContent).toBe('Deal with Ivan');
    sockets[0].serverEmit('deal.updated', { ...deal(), conversationId: 'c1' });
    await fixture.whenStable();
    expect(q('deal-sync')).toBeNull();
    expect(q<HTMLAnchorElement>('deal-open-crm')!.href).toBe('https://shop.amocrm.ru/leads/detail/4711');
  });

  it('keeps a socket update that overtook the answer to the request', async () => {
    await render();
    await load(null);
    await click('deal-create');
    const req = http.expectOne({ method: 'POST', url: '/api/conversations/c1/deal' });
    sockets[0].serverEmit('deal.updated', { ...deal(), conversationId: 'c1' });
    req.flush(deal({ syncState: 'pending' }));
    await fixture.whenStable();
    expect(q('deal-sync')).toBeNull();
  });

  it('links an existing CRM deal by its id', async () => {
    await render();
    await load(null);
    expect(q<HTMLButtonElement>('deal-link')!.disabled).toBe(true);
    await change('deal-link-input', ' 4711 ');
    await click('deal-link');
    const req = http.expectOne({ method: 'POST', url: '/api/conversations/c1/deal' });
    expect(req.request.body).toEqual({ externalId: '4711' });
    req.flush(deal({ syncState: 'pending' }));
    await fixture.whenStable();
    expect(state()).toBe('deal');
  });

  it('toasts a deal the CRM cannot find', async () => {
    await render();
    const toast = jest.spyOn(TestBed.inject(ToastService), 'error');
    await load(null);
    await change('deal-link-input', '999');
    await click('deal-link');
    http
      .expectOne('/api/conversations/c1/deal')
      .flush({ code: 'not_found', message: 'No deal 999 in amoCRM' }, { status: 404, statusText: 'Not Found' });
    await fixture.whenStable();
    expect(toast).toHaveBeenCalledWith('No deal 999 in amoCRM');
    expect(state()).toBe('none');
  });

  it('says no CRM is connected, with a link to Settings for admins only', async () => {
    await render(ADMIN);
    await load(null, []);
    expect(state()).toBe('no-crm');
    expect(q('deal-create')).toBeNull();
    const link = q<HTMLAnchorElement>('deal-connect-crm')!;
    expect(link.textContent).toBe('Connect a CRM in Settings');
    expect(link.getAttribute('href')).toBe('/settings?tab=crm');

    TestBed.resetTestingModule();
    await render(ME);
    await load(null, []);
    expect(q('deal-no-crm')?.textContent).toContain('An admin can connect one in Settings.');
    expect(q('deal-connect-crm')).toBeNull();
  });

  it('switches to the no-CRM hint when a deal call answers 409 no_crm', async () => {
    await render(ADMIN);
    await load(null);
    await click('deal-create');
    http
      .expectOne('/api/conversations/c1/deal')
      .flush({ code: 'no_crm', message: 'No CRM connected' }, { status: 409, statusText: 'Conflict' });
    await fixture.whenStable();
    expect(state()).toBe('no-crm');
    expect(q('deal-connect-crm')).not.toBeNull();
  });

  it('loads the next conversation’s deal without asking for the CRM again', async () => {
    await render();
    await load(deal());
    fixture.componentRef.setInput('conversationId', 'c2');
    await fixture.whenStable();
    expect(state()).toBe('loading');
    http.expectOne('/api/conversations/c2/deal').flush(null);
    await fixture.whenStable();
    expect(state()).toBe('none');
  });
});
