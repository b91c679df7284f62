import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { ConversationListItem } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { conversation } from '../../../../testing/fixtures';
import { ConversationRowComponent } from './conversation-row.component';

describe(ConversationRowComponent.name, () => {
  let fixture: ComponentFixture<ConversationRowComponent>;

  async function render(item: ConversationListItem, lang: 'en' | 'ru' = 'en'): Promise<HTMLElement | null> {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([])] });
    TestBed.inject(I18nService).setLang(lang);
    fixture = TestBed.createComponent(ConversationRowComponent);
    fixture.componentRef.setInput('conversation', item);
    await fixture.whenStable();
    return (fixture.nativeElement as HTMLElement).querySelector<HTMLElement>('[data-testid="list-deal"]');
  }

  const withDeal = (patch: Partial<NonNullable<ConversationListItem['deal']>>) =>
    conversation('a', {
      deal: { id: 'd1', title: 'Ivan', stage: 'Negotiation', semantic: 'open', amount: null, currency: null, ...patch },
    });

  it('shows no deal pill without a deal', async () => {
    expect(await render(conversation('a'))).toBeNull();
  });

  it('shows the stage and the amount, coloured by outcome', async () => {
    const pill = await render(withDeal({ stage: 'Won', semantic: 'won', amount: '15000', currency: 'RUB' }), 'ru');
    expect(pill?.textContent?.replace(/[ \n]+/g, ' ').trim()).toBe('Won · 15\u00a0000\u00a0₽');
    expect(pill?.classList).toContain('deal--won');
    expect(pill?.getAttribute('title')).toBe('Сделка «Ivan»');
  });

  it('marks a lost deal and leaves out a missing amount', async () => {
    const pill = await render(withDeal({ stage: 'Lost', semantic: 'lost' }));
    expect(pill?.textContent?.trim()).toBe('Lost');
    expect(pill?.classList).toContain('deal--lost');
  });

  describe('last message preview', () => {
    const out = (author: { id: string; name: string } | null) =>
      conversation('a', {
        lastMessage: { text: 'Ships today', direction: 'out', author, createdAt: '2025-03-01T10:00:00Z' },
      });

    async function preview(item: ConversationListItem, meId: string | null): Promise<string> {
      localStorage.clear();
      TestBed.configureTestingModule({ providers: [provideRouter([])] });
      TestBed.inject(I18nService).setLang('en');
      fixture = TestBed.createComponent(ConversationRowComponent);
      fixture.componentRef.setInput('conversation', item);
      fixture.componentRef.setInput('meId', meId);
      await fixture.whenStable();
      return (fixture.nativeElement as HTMLElement).textContent ?? '';
    }

    it('says "You:" for the signed-in agent’s own reply', async () => {
      expect(await preview(out({ id: 'u-me', name: 'Me' }), 'u-me')).toContain('You: Ships today');
    });

    it('names the colleague who wrote the last reply', async () => {
      const text = await preview(out({ id: 'u-maria', name: 'Мария' }), 'u-me');
      expect(text).toContain('Мария: Ships today');
      expect(text).not.toContain('You:');
    });

    it('shows a customer message as it is', async () => {
      const text = await preview(
        conversation('a', {
          lastMessage: { text: 'Hello', direction: 'in', author: null, createdAt: '2025-03-01T10:00:00Z' },
        }),
        'u-me',
      );
      expect(text).toContain('Hello');
      expect(text).not.toContain('You:');
    });
  });
});
