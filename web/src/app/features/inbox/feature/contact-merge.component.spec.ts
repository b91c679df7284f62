import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { ContactDto, ConversationDetail } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { ToastService } from '../../../core/toast/toast.service';
import { FakeSocket, provideFakeSocket } from '../../../../testing/fake-socket';
import { ME, detail, signIn } from '../../../../testing/fixtures';
import { ConversationListStore } from '../data-access/conversation-list.store';
import { InboxShortcuts } from '../data-access/inbox-shortcuts.service';
import { ContactMergeComponent } from './contact-merge.component';
import { ConversationPage } from './conversation.page';

function contact(id: string, patch: Partial<ContactDto> = {}): ContactDto {
  return {
    id,
    name: `Contact ${id}`,
    email: null,
    phone: null,
    identities: [],
    createdAt: '2025-01-01T00:00:00.000Z',
    ...patch,
  };
}

const SELF = contact('ct-c1', { name: 'Ivan Petrov', phone: '+7 900 111-22-33' });
const DUPLICATE = contact('ct-dup', {
  name: 'Ivan WA',
  phone: '79001112233',
  email: 'ivan@example.com',
  identities: [{ channelId: 'ch-wa', channelType: 'whatsapp', externalId: '79001112233' }],
});

const debounce = () => new Promise((resolve) => setTimeout(resolve, 350));

// Mounted in the conversation page, so the refresh of the conversation after a merge is visible.
describe(ContactMergeComponent.name, () => {
  let fixture: ComponentFixture<ConversationPage>;
  let http: HttpTestingController;

  beforeEach(async () => {
    localStorage.clear();
    signIn(ME);
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([]),
        provideFakeSocket([] as FakeSocket[]),
        ConversationListStore,
        InboxShortcuts,
      ],
    });
    TestBed.inject(I18nService).setLang('en');
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(ConversationPage);
    fixture.componentRef.setInput('conversationId', 'c1');
    await fixture.whenStable();
  });

  afterEach(() => {
    // The deal card beside the merge block reads the CRM and the deal; not what these tests are about.
    http.match('/api/crm').forEach((r) => r.flush([]));
    http.match((r) => r.url.endsWith('/deal')).forEach((r) => r.cancelled || r.flush(null));
    http.match((r) => r.url.endsWith('/surveys')).forEach((r) => r.cancelled || r.flush({ items: [] }));
    http.verify();
  });

  const el = () => fixture.nativeElement as HTMLElement;
  const q = <T extends Element = HTMLElement>(testId: string, root: Element = el()) =>
    root.querySelector<T>(`[data-testid="${testId}"]`);
  const all = (testId: string, root: Element = el()) =>
    Array.from(root.querySelectorAll<HTMLElement>(`[data-testid="${testId}"]`));
  const toasts = () => TestBed.inject(ToastService).toasts();

  async function open(suggestions: ContactDto[], conversation: ConversationDetail = detail('c1', { contact: SELF })) {
    http.expectOne('/api/conversations/c1').flush(conversation);
    http.expectOne((r) => r.url === '/api/conversations/c1/messages').flush({ items: [], hasMore: false });
    http.match('/api/conversations/c1/read').forEach((r) => r.flush(null));
    await fixture.whenStable();
    http.expectOne({ method: 'GET', url: '/api/contacts/ct-c1/suggestions' }).flush(suggestions);
    await fixture.whenStable();
  }

  async function click(target: HTMLElement | null): Promise<void> {
    expect(target).not.toBeNull();
    target!.click();
    await fixture.whenStable();
  }

  async function type(text: string): Promise<void> {
    const input = q<HTMLInputElement>('merge-search-input')!;
    input.value = text;
    input.dispatchEvent(new Event('input'));
    await fixture.whenStable();
  }

  async function escape(target: Element): Promise<void> {
    target.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }));
    await fixture.whenStable();
  }

  it('lists same-person suggestions under the contact details', async () => {
    await open([DUPLICATE]);
    const block = q('merge-suggestions')!;
    expect(block.textContent).toContain('Possibly the same person');
    const [row] = all('merge-suggestion', block);
    expect(row.textContent).toContain('Ivan WA');
    expect(row.textContent).toContain('79001112233 · ivan@example.com');
    expect(row.querySelector('[role="img"]')?.getAttribute('aria-label')).toBe('WhatsApp');
    expect(q('merge-button', row)?.getAttribute('aria-label')).toBe('Merge Ivan WA into this contact');
  });

  it('shows no suggestions block when there are none, and offers a retry when they fail', async () => {
    await open([]);
    expect(q('merge-suggestions')).toBeNull();
    expect(q('merge-suggestions-error')).toBeNull();

    fixture.componentRef.setInput('conversationId', 'c2');
    await fixture.whenStable();
    http.expectOne('/api/conversations/c2').flush(detail('c2'));
    http.expectOne((r) => r.url === '/api/conversations/c2/messages').flush({ items: [], hasMore: false });
    http.match('/api/conversations/c2/read').forEach((r) => r.flush(null));
    await fixture.whenStable();
    http.expectOne('/api/contacts/ct-c2/suggestions').flush(null, { status: 500, statusText: 'Server Error' });
    await fixture.whenStable();
    expect(q('merge-suggestions-error')!.textContent).toContain('Could not check for duplicates.');

    await click(q('merge-suggestions-error')!.querySelector('button'));
    http.expectOne('/api/contacts/ct-c2/suggestions').flush([contact('ct-other')]);
    await fixture.whenStable();
    expect(q('merge-suggestions-error')).toBeNull();
    expect(all('merge-suggestion')).toHaveLength(1);
  });

  it('merges a suggestion after confirmation, then refreshes the conversation and the suggestions', async () => {
    await open([DUPLICATE]);
    await click(q('merge-button', q('merge-suggestion')!));

    const dialog = q('merge-confirm-dialog')!;
    expect(dialog.getAttribute('role')).toBe('alertdialog');
    expect(dialog.textContent).toContain('Merge Ivan WA into Ivan Petrov? Their conversations and channels move here.');
    expect(document.activeElement).toBe(q('merge-confirm'));
    http.expectNone('/api/contacts/ct-c1/merge');

    await click(q('merge-confirm'));
    const req = http.expectOne({ method: 'POST', url: '/api/contacts/ct-c1/merge' });
    expect(req.request.body).toEqual({ contactId: 'ct-dup' });
    req.flush({ ...SELF, identities: DUPLICATE.identities });
    await fixture.whenStable();

    http.expectOne({ method: 'GET', url: '/api/contacts/ct-c1/suggestions' }).flush([]);
    http.expectOne({ method: 'GET', url: '/api/conversations/c1' }).flush(
      detail('c1', {
        contact: { ...SELF, identities: DUPLICATE.identities },
        pastConversations: [
          {
            id: 'c9',
            channel: { id: 'ch-wa', type: 'whatsapp', name: 'WA sales' },
            status: 'resolved',
            lastMessageAt: '2025-02-01T10:00:00.000Z',
          },
        ],
      }),
    );
    await fixture.whenStable();

    expect(q('merge-suggestions')).toBeNull();
    expect(q('merge-confirm-dialog')).toBeNull();
    expect(all('past-conversation')).toHaveLength(1);
    expect(q('contact-panel')!.textContent).toContain('79001112233');
    expect(toasts()).toEqual([expect.objectContaining({ kind: 'success', text: 'Ivan WA merged into Ivan Petrov' })]);
  });

  it('sends nothing when the confirmation is dismissed with Escape or Cancel', async () => {
    await open([DUPLICATE]);
    const button = q('merge-button')!;
    button.focus();
    await click(button);
    await escape(q('merge-confirm')!);
    expect(q('merge-confirm-dialog')).toBeNull();
    expect(document.activeElement).toBe(q('merge-button'));

    await click(q('merge-button'));
    await click(q('merge-cancel'));
    expect(q('merge-confirm-dialog')).toBeNull();
    http.expectNone('/api/contacts/ct-c1/merge');
  });

  it("shows the server's reason when the merge conflicts", async () => {
    await open([DUPLICATE]);
    await click(q('merge-button'));
    await click(q('merge-confirm'));
    http.expectOne('/api/contacts/ct-c1/merge').flush(
      {
        code: 'merge_conflict',
        message: 'Both contacts have a conversation on Sales bot',
        details: [{ field: 'contactId', message: 'has a conversation on the same channel' }],
      },
      { status: 409, statusText: 'Conflict' },
    );
    await fixture.whenStable();

    expect(toasts()).toEqual([
      expect.objectContaining({ kind: 'error', text: 'Both contacts have a conversation on Sales bot' }),
    ]);
    expect(q('merge-confirm-dialog')).toBeNull();
    expect(all('merge-suggestion')).toHaveLength(1);
    // Nothing changed on the server: the conversation is not fetched again.
    http.expectNone('/api/conversations/c1');
  });

  it('searches after a pause from two characters on, never listing the contact itself', async () => {
    await open([]);
    await click(q('merge-search-open'));
    const input = q<HTMLInputElement>('merge-search-input')!;
    expect(document.activeElement).toBe(input);
    expect(q('merge-search-status')!.textContent).toContain('Type at least 2 characters.');

    await type('I');
    await debounce();
    http.expectNone((r) => r.url === '/api/contacts');

    await type('Iv');
    http.expectNone((r) => r.url === '/api/contacts');
    await type('Iva');
    expect(q('merge-search-status')!.textContent).toContain('Searching…');
    await debounce();
    const req = http.expectOne((r) => r.url === '/api/contacts');
    expect(req.request.params.get('q')).toBe('Iva');
    expect(req.request.params.get('limit')).toBe('10');
    req.flush([SELF, DUPLICATE]);
    await fixture.whenStable();

    const results = all('merge-search-result');
    expect(results.map((r) => r.textContent)).toEqual([expect.stringContaining('Ivan WA')]);

    await click(q('merge-button', results[0]));
    expect(q('merge-confirm-dialog', results[0])!.textContent).toContain('Merge Ivan WA into Ivan Petrov?');
    await click(q('merge-confirm'));
    expect(http.expectOne('/api/contacts/ct-c1/merge').request.body).toEqual({ contactId: 'ct-dup' });
  });

  it('says when nothing matches or the search fails, and closes with Escape', async () => {
    await open([]);
    await click(q('merge-search-open'));
    await type('zz');
    await debounce();
    http.expectOne((r) => r.url === '/api/contacts').flush([SELF]);
    await fixture.whenStable();
    expect(all('merge-search-result')).toHaveLength(0);
    expect(q('merge-search-status')!.textContent).toContain('No other contacts found.');

    await type('zzz');
    await debounce();
    http.expectOne((r) => r.url === '/api/contacts').flush(null, { status: 500, statusText: 'Server Error' });
    await fixture.whenStable();
    expect(q('merge-search-status')!.textContent).toContain('Search failed.');

    await escape(q('merge-search-input')!);
    expect(q('merge-search-input')).toBeNull();
    expect(document.activeElement).toBe(q('merge-search-open'));
  });
});
