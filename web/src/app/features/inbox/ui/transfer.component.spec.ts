import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import type { UserDto } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { ME, signIn } from '../../../../testing/fixtures';
import { TransferComponent } from './transfer.component';

const BORIS: UserDto = { id: 'u-boris', email: 'boris@onebox.local', name: 'Boris', role: 'manager' };

describe(TransferComponent.name, () => {
  let fixture: ComponentFixture<TransferComponent>;
  let http: HttpTestingController;
  let transferred: (string | null)[];

  async function render(assigneeId: string | null = ME.id): Promise<void> {
    localStorage.clear();
    signIn(ME);
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    TestBed.inject(I18nService).setLang('en');
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(TransferComponent);
    fixture.componentRef.setInput('conversationId', 'c1');
    fixture.componentRef.setInput('assigneeId', assigneeId);
    transferred = [];
    fixture.componentInstance.transferred.subscribe((id) => transferred.push(id));
    await fixture.whenStable();
  }

  afterEach(() => http.verify());

  const q = <T extends HTMLElement = HTMLElement>(id: string) =>
    (fixture.nativeElement as HTMLElement).querySelector<T>(`[data-testid="${id}"]`);

  async function open(): Promise<void> {
    q<HTMLButtonElement>('transfer')!.click();
    await fixture.whenStable();
    http.expectOne({ method: 'GET', url: '/api/users' }).flush([ME, BORIS]);
    await fixture.whenStable();
  }

  async function choose(value: string, note = ''): Promise<void> {
    const select = q<HTMLSelectElement>('transfer-assignee')!;
    select.value = value;
    select.dispatchEvent(new Event('change'));
    const textarea = q<HTMLTextAreaElement>('transfer-note')!;
    textarea.value = note;
    textarea.dispatchEvent(new Event('input'));
    await fixture.whenStable();
  }

  it('offers the colleagues (not the current assignee) and the queue', async () => {
    await render();
    await open();
    const options = [...q<HTMLSelectElement>('transfer-assignee')!.options].map((o) => [
      o.value,
      o.textContent?.trim(),
    ]);
    expect(options).toEqual([
      ['', 'Choose a colleague'],
      ['u-boris', 'Boris'],
      ['queue', 'Back to the queue'],
    ]);
  });

  it('transfers to a colleague with the note', async () => {
    await render();
    await open();
    await choose('u-boris', '  VIP, wants a discount  ');
    q<HTMLButtonElement>('transfer-submit')!.click();
    await fixture.whenStable();
    const req = http.expectOne({ method: 'POST', url: '/api/conversations/c1/transfer' });
    expect(req.request.body).toEqual({ assigneeId: 'u-boris', note: 'VIP, wants a discount' });
    req.flush(null);
    await fixture.whenStable();
    expect(transferred).toEqual(['u-boris']);
    expect(q('transfer-panel')).toBeNull();
  });

  it('puts the conversation back to the queue, and shows the server’s refusal', async () => {
    await render();
    await open();
    await choose('queue');
    q<HTMLButtonElement>('transfer-submit')!.click();
    await fixture.whenStable();
    const req = http.expectOne({ method: 'POST', url: '/api/conversations/c1/transfer' });
    expect(req.request.body).toEqual({ assigneeId: null });
    req.flush({ code: 'not_found', message: 'Conversation not found' }, { status: 404, statusText: 'Not Found' });
    await fixture.whenStable();
    expect(q('transfer-error')?.textContent?.trim()).toBe('Conversation not found');
    expect(transferred).toEqual([]);
  });
});
