import type { AttachmentDto } from '@onebox/contracts';
import { FakeSocket, message, session } from '../test/fake-socket';
import type { WidgetConfig } from './config';
import type { FetchLike } from './upload';
import { Widget, type WidgetDeps } from './widget';

const ORIGIN = 'https://onebox.test';
const mounted: Widget[] = [];

function setup(config: Partial<WidgetConfig> = {}, deps: WidgetDeps = {}) {
  const socket = new FakeSocket();
  const store = new Map<string, string>();
  const storage = {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => void store.set(k, v),
  };
  const widget = new Widget(
    { widgetKey: 'wk_1', origin: ORIGIN, lang: 'en', position: 'right', color: '#2563eb', prechat: false, ...config },
    {
      storage,
      socketFactory: (url, options) => {
        socket.url = url;
        options.auth((auth) => (socket.auth = auth));
        return socket;
      },
      ...deps,
    },
  );
  widget.mount(document.body);
  mounted.push(widget);
  const root = widget.host.shadowRoot as ShadowRoot;
  const $ = <T extends HTMLElement = HTMLElement>(id: string) => root.querySelector(`[data-testid="${id}"]`) as T;
  const $$ = (id: string) => Array.from(root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`));
  const type = (text: string) => {
    const input = $<HTMLTextAreaElement>('widget-input');
    input.value = text;
    input.dispatchEvent(new Event('input'));
  };
  const press = (key: string, init: KeyboardEventInit = {}) =>
    $('widget-input').dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init }));
  return { widget, socket, store, root, $, $$, type, press };
}

afterEach(() => {
  while (mounted.length) mounted.pop()?.destroy();
  jest.useRealTimers();
});

describe(Widget.name, () => {
  describe('styles', () => {
    it('adopts a constructed stylesheet where the browser has them (a host page CSP does not govern it)', () => {
      const sheets: { css: string }[] = [];
      const Sheet = class {
        css = '';
        replaceSync(css: string) {
          this.css = css;
          sheets.push(this);
        }
      };
      const original = globalThis.CSSStyleSheet;
      Object.defineProperty(globalThis, 'CSSStyleSheet', { value: Sheet, configurable: true, writable: true });
      Object.defineProperty(ShadowRoot.prototype, 'adoptedStyleSheets', {
        value: [],
        configurable: true,
        writable: true,
      });
      try {
        const { root } = setup();

        expect(root.adoptedStyleSheets).toEqual([sheets[0]]);
        expect(sheets[0].css).toContain('.launcher');
        expect(root.querySelector('style')).toBeNull();
      } finally {
        delete (ShadowRoot.prototype as Partial<ShadowRoot>).adoptedStyleSheets;
        Object.defineProperty(globalThis, 'CSSStyleSheet', { value: original, configurable: true, writable: true });
      }
    });

    it('falls back to a <style> element in its shadow root elsewhere', () => {
      const { root } = setup();

      expect(root.querySelector('style')?.textContent).toContain('.launcher');
    });
  });

  describe('connection', () => {
    it('connects to the /webchat namespace of the origin with the widget key, and stores the visitor token it is given', () => {
      const { socket, store } = setup();
      expect(socket.url).toBe(`${ORIGIN}/webchat`);
      expect(socket.auth).toEqual({ widgetKey: 'wk_1' });

      socket.serve('session', session({ visitorToken: 'vt_new' }));

      expect(store.get('onebox:visitor:wk_1')).toBe('vt_new');
    });

    it('presents the stored visitor token so history survives a reload', () => {
      const socket = new FakeSocket();
      const widget = new Widget(
        { widgetKey: 'wk_1', origin: ORIGIN, lang: 'en', position: 'right', color: '#000', prechat: false },
        {
          storage: { getItem: (k) => (k === 'onebox:visitor:wk_1' ? 'vt_saved' : null), setItem: () => undefined },
          socketFactory: (_url, options) => (options.auth((a) => (socket.auth = a)), socket),
        },
      );
      mounted.push(widget);
      widget.mount(document.body);
      expect(socket.auth).toEqual({ widgetKey: 'wk_1', visitorToken: 'vt_saved' });
    });

    it('hides itself when the server does not know the widget key', () => {
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      const { widget, socket } = setup();
      socket.active = false;
      socket.serve(
        'connect_error',
        Object.assign(new Error('This chat is not available'), { data: { code: 'unknown_widget' } }),
      );
      expect(widget.host.style.display).toBe('none');
      expect(warn).toHaveBeenCalledWith('Onebox: unknown widget key "wk_1"');
      warn.mockRestore();
    });

    it('waits as long as the server says before trying again when too many new chats came from here', () => {
      jest.useFakeTimers();
      const { socket, root } = setup();
      socket.active = false;
      socket.serve(
        'connect_error',
        Object.assign(new Error('Too many new chats from here'), { data: { code: 'rate_limited', retryAfter: 42 } }),
      );
      expect(root.querySelector('.status')?.textContent).toBe('Connecting…');
      jest.advanceTimersByTime(41_000);
      expect(socket.connects).toBe(0);
      jest.advanceTimersByTime(1_000);
      expect(socket.connects).toBe(1);
    });

    it('reconnects after the server drops the connection itself, and shows it is connecting meanwhile', () => {
      jest.useFakeTimers();
      const { socket, root } = setup();
      socket.serve('session', session());
      socket.active = false;
      socket.serve('disconnect', 'io server disconnect');
      expect(root.querySelector('.status')?.textContent).toBe('Connecting…');
      jest.advanceTimersByTime(5000);
      expect(socket.connects).toBe(1);
    });

    it('shows the channel name and status from the session', () => {
      const { socket, root } = setup();
      socket.serve(
        'session',
        session({ channelName: 'Demo Shop', replyTimeText: 'We usually reply within 5 minutes' }),
      );
      expect(root.querySelector('.name')?.textContent).toBe('Demo Shop');
      expect(root.querySelector('.status')?.textContent).toBe('Online');
      expect(root.querySelector('.reply')?.textContent).toBe('We usually reply within 5 minutes');
    });
  });

  describe('history', () => {
    it('renders the history of every session, replacing the list and skipping duplicate ids', () => {
      const { socket, $$ } = setup();
      socket.serve('session', session({ history: [message({ id: 'a', text: 'old' })] }));
      socket.serve(
        'session',
        session({
          history: [
            message({ id: 'b', direction: 'in', text: 'question' }),
            message({ id: 'c', text: 'answer' }),
            message({ id: 'c', text: 'answer' }),
          ],
        }),
      );
      const items = $$('widget-message');
      expect(items.map((el) => el.querySelector('.bubble')?.textContent)).toEqual(['question', 'answer']);
      expect(items.map((el) => el.dataset['direction'])).toEqual(['in', 'out']);
    });

    it('keeps a message still being sent when a reconnect brings history without it', () => {
      const { socket, $$, type, press } = setup();
      socket.serve('session', session());
      type('are you there?');
      press('Enter');
      socket.serve('session', session({ history: [message({ id: 'a', text: 'earlier' })] }));
      expect($$('widget-message').map((el) => el.querySelector('.bubble')?.textContent)).toEqual([
        'earlier',
        'are you there?',
      ]);
    });
  });

  describe('untrusted content', () => {
    it('renders markup in text, names and file names as text, never as elements', () => {
      const { socket, root, $$ } = setup();
      const evil = '<img src=x onerror=alert(1)>';
      socket.serve(
        'session',
        session({
          channelName: evil,
          history: [
            message({
              text: evil,
              authorName: '<b>boss</b>',
              attachments: [{ id: 'f', name: evil, mimeType: 'application/pdf', size: 10, url: '/files/f' }],
            }),
          ],
        }),
      );
      const [item] = $$('widget-message');
      expect(item.querySelector('.bubble')?.textContent).toBe(evil);
      expect(item.querySelector('.who')?.textContent).toBe('<b>boss</b>');
      expect(root.querySelector('.name')?.textContent).toBe(evil);
      expect(root.querySelector('img')).toBeNull();
      expect(root.querySelector('b')).toBeNull();
    });

    it('links attachments only to http(s) or to the server itself', () => {
      const { socket, $$ } = setup();
      const file = (id: string, url: string, mimeType = 'application/pdf'): AttachmentDto => ({
        id,
        name: id,
        mimeType,
        size: 2048,
        url,
      });
      socket.serve(
        'session',
        session({
          history: [
            message({
              attachments: [
                file('rel', '/api/webchat/files/1'),
                file('abs', 'https://cdn.example.com/x.pdf'),
                file('js', 'javascript:alert(1)'),
                file('pic', '/api/webchat/files/2', 'image/png'),
              ],
            }),
          ],
        }),
      );
      const files = $$('widget-message')[0].querySelector('.files') as HTMLElement;
      const links = Array.from(files.querySelectorAll('a')).map((a) => a.getAttribute('href'));
      expect(links).toEqual([
        `${ORIGIN}/api/webchat/files/1`,
        'https://cdn.example.com/x.pdf',
        `${ORIGIN}/api/webchat/files/2`,
      ]);
      expect(files.textContent).toContain('js · 2 KB');
      expect(files.querySelector('img')?.getAttribute('src')).toBe(`${ORIGIN}/api/webchat/files/2`);
    });

    it('turns links in text into anchors without parsing the text', () => {
      const { socket, $$ } = setup();
      socket.serve('session', session({ history: [message({ text: 'see https://example.com/a?b=1. <i>ok</i>' })] }));
      const bubble = $$('widget-message')[0].querySelector('.bubble') as HTMLElement;
      expect(bubble.querySelector('a')?.getAttribute('href')).toBe('https://example.com/a?b=1');
      expect(bubble.querySelector('i')).toBeNull();
      expect(bubble.textContent).toBe('see https://example.com/a?b=1. <i>ok</i>');
    });
  });

  describe('sending', () => {
    it('sends on Enter, shows the message as pending and marks it sent on ack', () => {
      const { socket, $$, type, press } = setup();
      socket.serve('session', session());
      type('Do you deliver to Kazan?');
      press('Enter');

      const [payload] = socket.payloads('message.send') as { clientMessageId: string; text: string }[];
      expect(payload).toEqual({
        clientMessageId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        text: 'Do you deliver to Kazan?',
      });
      const [item] = $$('widget-message');
      expect(item.dataset['direction']).toBe('in');
      expect(item.classList).toContain('pending');

      socket.ack('message.send', { id: 'srv-1' });
      expect($$('widget-message')[0].classList).toContain('sent');
      expect($$('widget-message')[0].dataset['id']).toBe('srv-1');
    });

    it('does not duplicate its own message when the server echoes it', () => {
      const { socket, $$, type, press } = setup();
      socket.serve('session', session());
      type('hi');
      press('Enter');
      const { clientMessageId } = socket.payloads('message.send')[0] as { clientMessageId: string };
      socket.serve('message.created', message({ id: 'srv-1', clientMessageId, direction: 'in', text: 'hi' }));
      socket.ack('message.send', { id: 'srv-1' });
      socket.serve('message.created', message({ id: 'srv-1', clientMessageId, direction: 'in', text: 'hi' }));
      expect($$('widget-message')).toHaveLength(1);
      expect($$('widget-message')[0].classList).toContain('sent');
    });

    it('adds a new line on Shift+Enter and does not send empty text', () => {
      const { socket, type, press } = setup();
      socket.serve('session', session());
      type('first line');
      expect(press('Enter', { shiftKey: true })).toBe(true);
      type('   ');
      press('Enter');
      expect(socket.payloads('message.send')).toEqual([]);
    });

    it('shows an error with a retry that resends the same message', () => {
      const { socket, $, $$, type, press } = setup();
      socket.serve('session', session());
      type('hello');
      press('Enter');
      socket.ack('message.send', { error: { code: 'rate_limited', message: 'Too many messages' } });

      expect($$('widget-message')[0].classList).toContain('failed');
      expect($$('widget-message')[0].textContent).toContain('Not sent.');
      $('widget-retry').click();

      const [first, second] = socket.payloads('message.send');
      expect(second).toEqual(first);
      socket.ack('message.send', { id: 'srv-1' });
      expect($$('widget-message')[0].classList).toContain('sent');
      expect($('widget-retry')).toBeNull();
    });

    it('fails the message when no ack arrives in time', () => {
      jest.useFakeTimers();
      const { socket, $$, type, press } = setup({}, { ackTimeoutMs: 5000 });
      socket.serve('session', session());
      type('hello');
      press('Enter');
      jest.advanceTimersByTime(4999);
      expect($$('widget-message')[0].classList).toContain('pending');
      jest.advanceTimersByTime(1);
      expect($$('widget-message')[0].classList).toContain('failed');
    });
  });

  describe('unread badge', () => {
    it('counts agent messages that arrive while the panel is closed and clears on open', () => {
      const { widget, socket, $ } = setup();
      socket.serve('session', session({ history: [message({ id: 'old' })] }));
      const badge = $('widget-unread');
      expect(badge.hidden).toBe(true);

      socket.serve('message.created', message({ id: 'a1' }));
      socket.serve('message.created', message({ id: 'a2' }));
      socket.serve('message.created', message({ id: 'a2' }));
      socket.serve('message.created', message({ id: 'v1', direction: 'in' }));
      expect(badge.hidden).toBe(false);
      expect(badge.textContent).toBe('2');
      expect($('widget-launcher').getAttribute('aria-label')).toBe('Open chat (2)');

      widget.open();
      expect(badge.hidden).toBe(true);
      socket.serve('message.created', message({ id: 'a3' }));
      expect(badge.hidden).toBe(true);
    });
  });

  describe('typing', () => {
    it('shows who is typing and hides it when their message arrives', () => {
      const { socket, $ } = setup();
      socket.serve('session', session());
      socket.serve('typing', { typing: true, name: '<Anna>' });
      expect($('widget-typing').hidden).toBe(false);
      expect($('widget-typing').textContent).toBe('<Anna> is typing…');
      socket.serve('message.created', message());
      expect($('widget-typing').hidden).toBe(true);
    });

    it('tells the server while the visitor types: throttled, then stops after 3 s idle or on send', () => {
      jest.useFakeTimers();
      const { socket, type, press } = setup();
      socket.serve('session', session());
      type('h');
      type('he');
      jest.advanceTimersByTime(1000);
      type('hel');
      expect(socket.payloads('typing')).toEqual([{ typing: true }]);
      jest.advanceTimersByTime(1500);
      type('hell');
      expect(socket.payloads('typing')).toEqual([{ typing: true }, { typing: true }]);
      jest.advanceTimersByTime(3000);
      expect(socket.payloads('typing')).toEqual([{ typing: true }, { typing: true }, { typing: false }]);

      type('hello');
      press('Enter');
      expect(socket.payloads('typing').slice(-2)).toEqual([{ typing: true }, { typing: false }]);
      jest.advanceTimersByTime(5000);
      expect(socket.payloads('typing')).toHaveLength(5);
    });
  });

  describe('offline notice', () => {
    it('is shown only when nobody is online', () => {
      const { socket, $, root } = setup();
      expect($('widget-offline').hidden).toBe(true);
      socket.serve('session', session({ online: false, replyTimeText: 'within an hour' }));
      expect($('widget-offline').hidden).toBe(false);
      expect($('widget-offline').textContent).toContain("We're offline now");
      expect((root.querySelector('.reply') as HTMLElement).hidden).toBe(true);
      socket.serve('session', session({ online: true }));
      expect($('widget-offline').hidden).toBe(true);
    });
  });

  describe('pre-chat form', () => {
    it('asks for name and contact before the first message when the profile is incomplete', () => {
      const { widget, socket, $ } = setup({ prechat: true });
      socket.serve('session', session({ profileComplete: false }));
      widget.open();
      expect($('widget-prechat').hidden).toBe(false);
      expect($('widget-input').closest('.composer')?.hasAttribute('hidden')).toBe(true);
      expect(widget.host.shadowRoot?.activeElement).toBe($('widget-prechat-name'));
    });

    it('explains invalid input and sends nothing', () => {
      const { widget, socket, $, root } = setup({ prechat: true });
      socket.serve('session', session({ profileComplete: false }));
      widget.open();
      const error = () => (root.querySelector('#ob-pre-err') as HTMLElement).textContent;

      $('widget-prechat-submit').click();
      expect(error()).toBe('Enter your name.');
      $<HTMLInputElement>('widget-prechat-name').value = 'Ivan';
      $('widget-prechat-submit').click();
      expect(error()).toBe('Enter your email or phone number.');
      $<HTMLInputElement>('widget-prechat-email').value = 'ivan@mail';
      $('widget-prechat-submit').click();
      expect(error()).toBe('Enter a valid email, e.g. name@example.com.');
      $<HTMLInputElement>('widget-prechat-email').value = '12-34';
      $('widget-prechat-submit').click();
      expect(error()).toBe('Enter a valid phone number, e.g. +7 900 123-45-67.');
      expect(socket.payloads('profile.update')).toEqual([]);
    });

    it('saves the profile and then shows the composer', () => {
      const { widget, socket, $ } = setup({ prechat: true });
      socket.serve('session', session({ profileComplete: false }));
      widget.open();
      $<HTMLInputElement>('widget-prechat-name').value = ' Ivan ';
      $<HTMLInputElement>('widget-prechat-email').value = 'ivan@example.com';
      $('widget-prechat-submit').click();
      expect(socket.payloads('profile.update')).toEqual([{ name: 'Ivan', email: 'ivan@example.com' }]);
      expect($('widget-prechat').hidden).toBe(false);

      socket.ack('profile.update', { ok: true });
      expect($('widget-prechat').hidden).toBe(true);
      expect(widget.host.shadowRoot?.activeElement).toBe($('widget-input'));
    });

    it('sends a phone number in place of an email', () => {
      const { widget, socket, $ } = setup({ prechat: true });
      socket.serve('session', session({ profileComplete: false }));
      widget.open();
      $<HTMLInputElement>('widget-prechat-name').value = 'Ivan';
      $<HTMLInputElement>('widget-prechat-email').value = '+7 (900) 123-45-67';
      $('widget-prechat-submit').click();
      expect(socket.payloads('profile.update')).toEqual([{ name: 'Ivan', phone: '+79001234567' }]);
    });

    it('is skipped when the profile is complete or the site did not ask for it', () => {
      const complete = setup({ prechat: true });
      complete.socket.serve('session', session({ profileComplete: true }));
      expect(complete.$('widget-prechat').hidden).toBe(true);
      const off = setup({ prechat: false });
      off.socket.serve('session', session({ profileComplete: false }));
      expect(off.$('widget-prechat').hidden).toBe(true);
    });
  });

  describe('attachments', () => {
    const pdf = () => new File(['%PDF-1.4'], 'invoice.pdf', { type: 'application/pdf' });
    const choose = (input: HTMLInputElement, files: File[]) => {
      Object.defineProperty(input, 'files', { value: files, configurable: true });
      input.dispatchEvent(new Event('change'));
    };
    const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

    it('rejects files of other types or over 10 MB before uploading', () => {
      const fetch = jest.fn();
      const { socket, root, $ } = setup({}, { fetch });
      socket.serve('session', session());
      const input = root.querySelector('input[type=file]') as HTMLInputElement;

      choose(input, [new File(['MZ'], 'setup.exe', { type: 'application/x-msdownload' })]);
      expect($('widget-error').textContent).toBe(
        'setup.exe: This file type is not supported. Send images, PDF, TXT, Word or Excel files.',
      );
      const big = new File(['x'], 'big.png', { type: 'image/png' });
      Object.defineProperty(big, 'size', { value: 10 * 1024 * 1024 + 1 });
      choose(input, [big]);
      expect($('widget-error').textContent).toBe('big.png: The file is larger than 10 MB.');
      expect(fetch).not.toHaveBeenCalled();
    });

    it('uploads with the widget key and visitor token, then sends the attachment id', async () => {
      const stored: AttachmentDto = {
        id: 'att-1',
        name: 'invoice.pdf',
        mimeType: 'application/pdf',
        size: 8,
        url: '/api/webchat/files/att-1',
      };
      const fetch = jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(async () => ({
        ok: true,
        status: 201,
        json: async () => stored,
      }));
      const { socket, root, $, $$, press } = setup({}, { fetch });
      socket.serve('session', session({ visitorToken: 'vt_9' }));
      choose(root.querySelector('input[type=file]') as HTMLInputElement, [pdf()]);

      expect($('widget-attachment').textContent).toContain('Uploading…');
      expect($<HTMLButtonElement>('widget-send').disabled).toBe(true);
      const [url, init] = fetch.mock.calls[0];
      expect(url).toBe(`${ORIGIN}/api/webchat/uploads`);
      expect(init.method).toBe('POST');
      expect(init.headers).toEqual({ 'X-Widget-Key': 'wk_1', 'X-Visitor-Token': 'vt_9' });
      expect((init.body.get('file') as File).name).toBe('invoice.pdf');

      await flush();
      expect($('widget-attachment').dataset['state']).toBe('ready');
      expect($<HTMLButtonElement>('widget-send').disabled).toBe(false);
      press('Enter');

      expect(socket.payloads('message.send')).toEqual([
        { clientMessageId: expect.any(String), text: '', attachmentIds: ['att-1'] },
      ]);
      expect($$('widget-message')[0].querySelector('a')?.getAttribute('href')).toBe(
        `${ORIGIN}/api/webchat/files/att-1`,
      );
      expect($('widget-attachment')).toBeNull();
    });

    it('sends an untyped file with the type its extension implies', async () => {
      const fetch = jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(async () => ({
        ok: false,
        status: 500,
        json: async () => ({}),
      }));
      const { socket, root } = setup({}, { fetch });
      socket.serve('session', session());
      choose(root.querySelector('input[type=file]') as HTMLInputElement, [new File(['x'], 'prices.xlsx')]);
      const part = fetch.mock.calls[0][1].body.get('file') as File;
      expect([part.name, part.type]).toEqual([
        'prices.xlsx',
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      ]);
      await flush();
    });

    it('shows a failed upload and keeps it out of the message', async () => {
      const fetch = jest.fn(async () => ({
        ok: false,
        status: 413,
        json: async () => ({ code: 'too_large', message: 'File too large' }),
      }));
      const { socket, root, $, type, press } = setup({}, { fetch });
      socket.serve('session', session());
      choose(root.querySelector('input[type=file]') as HTMLInputElement, [pdf()]);
      await flush();
      expect($('widget-attachment').dataset['state']).toBe('error');
      expect($('widget-attachment').textContent).toContain('The file is larger than 10 MB.');
      type('see file');
      press('Enter');
      expect(socket.payloads('message.send')).toEqual([{ clientMessageId: expect.any(String), text: 'see file' }]);
    });
  });

  describe('accessibility', () => {
    it('opens a dialog from a labelled launcher, focuses the input and closes on Escape', () => {
      const { widget, $ } = setup({ lang: 'ru' });
      const launcher = $('widget-launcher');
      expect(launcher.tagName).toBe('BUTTON');
      expect(launcher.getAttribute('aria-label')).toBe('Открыть чат');
      expect($('widget-panel').hidden).toBe(true);

      launcher.click();
      expect($('widget-panel').hidden).toBe(false);
      expect($('widget-panel').getAttribute('role')).toBe('dialog');
      expect(widget.host.shadowRoot?.activeElement).toBe($('widget-input'));

      $('widget-input').dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
      expect($('widget-panel').hidden).toBe(true);
      expect(widget.host.shadowRoot?.activeElement).toBe(launcher);
    });

    it('speaks the configured language', () => {
      const { $ } = setup({ lang: 'ru' });
      expect($('widget-input').getAttribute('placeholder')).toBe('Напишите сообщение…');
    });
  });
});
