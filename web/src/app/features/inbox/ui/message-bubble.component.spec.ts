import { ComponentFixture, TestBed } from '@angular/core/testing';
import type { MessageDto } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { message } from '../../../../testing/fixtures';
import { MessageBubbleComponent } from './message-bubble.component';

describe(MessageBubbleComponent.name, () => {
  let fixture: ComponentFixture<MessageBubbleComponent>;

  async function render(m: MessageDto): Promise<HTMLElement> {
    localStorage.clear();
    TestBed.inject(I18nService).setLang('en');
    fixture = TestBed.createComponent(MessageBubbleComponent);
    fixture.componentRef.setInput('message', m);
    await fixture.whenStable();
    return fixture.nativeElement as HTMLElement;
  }

  it('renders customer text as text, never as HTML', async () => {
    const el = await render(message('m1', { text: '<img src=x onerror="alert(1)">\n<b>bold</b>' }));
    expect(el.querySelector('img')).toBeNull();
    expect(el.querySelector('b')).toBeNull();
    expect(el.querySelector('.text')?.textContent).toBe('<img src=x onerror="alert(1)">\n<b>bold</b>');
  });

  it('marks private notes', async () => {
    const el = await render(
      message('n1', {
        direction: 'out',
        private: true,
        author: { type: 'agent', id: 'u', name: 'Mia' },
        status: 'sent',
      }),
    );
    expect(el.querySelector('[data-testid="note-tag"]')?.textContent).toBe('Note');
    expect(el.querySelector('[data-testid="message-status"]')).toBeNull();
  });

  it('shows delivery status on outgoing messages only', async () => {
    const out = await render(message('o', { direction: 'out', status: 'delivered' }));
    expect(out.querySelector('[data-testid="message-status"]')?.getAttribute('data-status')).toBe('delivered');
    const incoming = await render(message('i'));
    expect(incoming.querySelector('[data-testid="message-status"]')).toBeNull();
  });

  it('shows images inline and other files as download links', async () => {
    const el = await render(
      message('a', {
        attachments: [
          { id: '1', name: 'photo.jpg', mimeType: 'image/jpeg', size: 2048, url: '/files/1' },
          { id: '2', name: 'price.pdf', mimeType: 'application/pdf', size: 4096, url: '/files/2' },
        ],
      }),
    );
    const img = el.querySelector('.thumb img') as HTMLImageElement;
    expect(img.getAttribute('src')).toBe('/files/1');
    expect(img.closest('a')?.getAttribute('href')).toBe('/files/1');
    const file = el.querySelector('a.file') as HTMLAnchorElement;
    expect(file.getAttribute('href')).toBe('/files/2');
    expect(file.hasAttribute('download')).toBe(true);
    expect(file.textContent).toContain('price.pdf');
    expect(file.textContent).toContain('4 KB');
  });

  it('offers Retry on failed outgoing messages only', async () => {
    const failed = message('f', {
      direction: 'out',
      status: 'failed',
      error: { code: 'recipient_unreachable', message: 'Bot was blocked by the user' },
    });
    const el = await render(failed);
    const retried: MessageDto[] = [];
    fixture.componentInstance.retry.subscribe((m) => retried.push(m));
    expect(el.querySelector('[data-testid="message-status"]')?.textContent).toContain('Bot was blocked by the user');
    (el.querySelector('[data-testid="message-retry"]') as HTMLButtonElement).click();
    expect(retried).toEqual([failed]);

    expect(
      (await render(message('s', { direction: 'out', status: 'sent' }))).querySelector('[data-testid="message-retry"]'),
    ).toBeNull();
    expect((await render(message('i'))).querySelector('[data-testid="message-retry"]')).toBeNull();
  });

  it('marks edited messages, with the edit time as tooltip', async () => {
    expect((await render(message('m'))).querySelector('[data-testid="message-edited"]')).toBeNull();
    const el = await render(message('e', { editedAt: '2025-03-01T10:05:00.000Z' }));
    const edited = el.querySelector('[data-testid="message-edited"]') as HTMLElement;
    expect(edited.textContent).toBe('edited');
    expect(edited.getAttribute('title')).toMatch(/^Edited .*2025/);
  });

  it('tags messages sent as a template', async () => {
    const el = await render(
      message('t', {
        direction: 'out',
        status: 'sent',
        text: '',
        author: { type: 'agent', id: 'u', name: 'Mia' },
        template: { name: 'order_update', language: 'en', parameters: ['Ivan', '12345'] },
      }),
    );
    expect(el.querySelector('[data-testid="template-tag"]')?.textContent).toBe('Template: order_update');
    expect(el.querySelector('.text')?.textContent).toBe('Ivan · 12345');
  });

  it('shows a placeholder for an image that fails and asks again when the message is updated', async () => {
    const photo = { id: '1', name: 'photo.jpg', mimeType: 'image/jpeg', size: 2048, url: '/files/1' };
    const first = message('p', { attachments: [photo] });
    const el = await render(first);
    el.querySelector('.thumb img')!.dispatchEvent(new Event('error'));
    await fixture.whenStable();
    expect(el.querySelector('.thumb img')).toBeNull();
    expect(el.querySelector('[data-testid="image-placeholder"]')?.textContent).toContain('Image is not available yet');

    fixture.componentRef.setInput('message', { ...first });
    await fixture.whenStable();
    const img = el.querySelector('.thumb img') as HTMLImageElement;
    expect(img.getAttribute('src')).toBe('/files/1?v=1');
    img.dispatchEvent(new Event('load'));

    fixture.componentRef.setInput('message', { ...first, editedAt: '2025-03-01T10:05:00.000Z' });
    await fixture.whenStable();
    expect((el.querySelector('.thumb img') as HTMLImageElement).getAttribute('src')).toBe('/files/1?v=1');
  });
});
