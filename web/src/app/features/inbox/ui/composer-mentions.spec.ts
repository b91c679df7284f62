import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { UserDto } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { ME, signIn } from '../../../../testing/fixtures';
import type { OutgoingDraft } from '../data-access/conversation-thread.store';
import { ComposerComponent, filterTeammates } from './composer.component';

const USERS: UserDto[] = [
  ME,
  { id: 'u-anna', email: 'anna@x', name: 'Anna Maria', role: 'manager' },
  { id: 'u-boris', email: 'boris@x', name: 'Борис Петров', role: 'head' },
];

describe('Composer @mentions in notes', () => {
  let fixture: ComponentFixture<ComposerComponent>;
  let http: HttpTestingController;
  let sent: OutgoingDraft[];

  beforeEach(async () => {
    localStorage.clear();
    signIn(ME);
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])] });
    TestBed.inject(I18nService).setLang('en');
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(ComposerComponent);
    fixture.componentRef.setInput('conversationId', 'c1');
    sent = [];
    fixture.componentInstance.send.subscribe((d) => sent.push(d));
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  const el = () => fixture.nativeElement as HTMLElement;
  const textarea = () => el().querySelector('[data-testid="composer-input"]') as HTMLTextAreaElement;
  const options = () => Array.from(el().querySelectorAll<HTMLElement>('[data-testid="mention-option"]'));

  async function type(value: string): Promise<void> {
    textarea().value = value;
    textarea().dispatchEvent(new Event('input'));
    await fixture.whenStable();
  }

  async function press(key: string): Promise<void> {
    textarea().dispatchEvent(new KeyboardEvent('keydown', { key, cancelable: true, bubbles: true }));
    await fixture.whenStable();
  }

  async function noteMode(): Promise<void> {
    (el().querySelector('[data-testid="composer-private"] input') as HTMLInputElement).click();
    await fixture.whenStable();
  }

  it('offers teammates (not the caller) after @ in a note and inserts the chosen name', async () => {
    await noteMode();
    await type('ping @');
    http.expectOne('/api/users').flush(USERS);
    await fixture.whenStable();
    expect(options().map((o) => o.textContent?.trim())).toEqual(['Anna Maria', 'Борис Петров']);
    await type('ping @пет');
    expect(options().map((o) => o.textContent?.trim())).toEqual(['Борис Петров']);
    await press('Enter');
    expect(textarea().value).toBe('ping @Борис Петров ');
    expect(options()).toEqual([]);
    expect(sent).toEqual([]);
    await press('Enter');
    expect(sent).toEqual([{ text: 'ping @Борис Петров', private: true, attachments: [] }]);
  });

  it('picks with a click, and does not open in a public reply', async () => {
    await type('hi @');
    http.expectNone('/api/users');
    expect(el().querySelector('[data-testid="mention-picker"]')).toBeNull();
    await noteMode();
    await type('@a');
    http.expectOne('/api/users').flush(USERS);
    await fixture.whenStable();
    options()[0].click();
    await fixture.whenStable();
    expect(textarea().value).toBe('@Anna Maria ');
  });

  it('matches any word of a name', () => {
    expect(filterTeammates(USERS, 'mar').map((u) => u.id)).toEqual(['u-anna']);
    expect(filterTeammates(USERS, '').length).toBe(3);
  });
});
