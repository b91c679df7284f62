import type { OneboxApi } from './index';

jest.mock('socket.io-client', () => ({
  io: jest.fn(() => ({ on: jest.fn(), emit: jest.fn(), disconnect: jest.fn() })),
}));

describe('embedding', () => {
  it('reads the script tag, mounts the widget in an open shadow root and exposes window.Onebox', () => {
    document.documentElement.setAttribute('lang', 'ru');
    const tag = document.createElement('script');
    tag.src = 'https://onebox.example.com/widget.js';
    tag.setAttribute('data-widget-key', 'wk_embed');
    document.head.appendChild(tag);

    jest.requireActual('./index');

    const { io } = jest.requireMock('socket.io-client') as { io: jest.Mock };
    expect(io).toHaveBeenCalledWith('https://onebox.example.com/webchat', { auth: expect.any(Function) });
    const host = document.querySelector('[data-onebox-widget]') as HTMLElement;
    const root = host.shadowRoot as ShadowRoot;
    const panel = root.querySelector('[data-testid="widget-panel"]') as HTMLElement;
    expect(root.querySelector('[data-testid="widget-launcher"]')?.getAttribute('aria-label')).toBe('Открыть чат');

    const api = window.Onebox as OneboxApi;
    api.open();
    expect(panel.hidden).toBe(false);
    api.toggle();
    expect(panel.hidden).toBe(true);
    api.toggle();
    api.close();
    expect(panel.hidden).toBe(true);
  });
});
