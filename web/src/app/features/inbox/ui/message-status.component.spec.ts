import { TestBed } from '@angular/core/testing';
import type { DeliveryStatus } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { MessageStatusComponent } from './message-status.component';

describe(MessageStatusComponent.name, () => {
  async function render(status: DeliveryStatus, errorText: string | null = null): Promise<HTMLElement> {
    localStorage.clear();
    TestBed.inject(I18nService).setLang('en');
    const fixture = TestBed.createComponent(MessageStatusComponent);
    fixture.componentRef.setInput('status', status);
    fixture.componentRef.setInput('errorText', errorText);
    await fixture.whenStable();
    return fixture.nativeElement.querySelector('[data-testid="message-status"]');
  }

  it('shows a clock while queued', async () => {
    const el = await render('queued');
    expect(el.querySelector('svg')).not.toBeNull();
    expect(el.getAttribute('aria-label')).toBe('Queued');
  });

  it.each([
    ['sent', '✓'],
    ['delivered', '✓✓'],
    ['read', '✓✓'],
  ] as const)('shows %s as %s', async (status, ticks) => {
    const el = await render(status);
    expect(el.textContent?.trim()).toBe(ticks);
    expect(el.getAttribute('aria-label')).toBe(status.charAt(0).toUpperCase() + status.slice(1));
  });

  it('colours read ticks differently from delivered', async () => {
    expect((await render('read')).classList).toContain('status--read');
    expect((await render('delivered')).classList).not.toContain('status--read');
  });

  it('shows the provider error as text and tooltip when failed', async () => {
    const el = await render('failed', 'Recipient blocked the bot');
    expect(el.textContent).toContain('!');
    expect(el.textContent).toContain('Recipient blocked the bot');
    expect(el.getAttribute('title')).toBe('Recipient blocked the bot');
  });
});
