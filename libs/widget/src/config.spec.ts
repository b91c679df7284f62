import { DEFAULT_COLOR, findScript, readConfig } from './config';
import { pickLang } from './i18n';

function script(attrs: Record<string, string>): HTMLScriptElement {
  const el = document.createElement('script');
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

afterEach(() => {
  document.documentElement.removeAttribute('lang');
  document.head.replaceChildren();
});

describe(pickLang.name, () => {
  it.each([
    ['en', 'ru', 'ru-RU', 'en'],
    [null, 'ru-RU', 'en-US', 'ru'],
    [null, null, 'ru', 'ru'],
    ['de', 'fr', 'en_GB', 'en'],
    [null, '', 'de-DE', 'en'],
  ])('data-lang %p, html lang %p, navigator %p → %p', (dataLang, htmlLang, nav, expected) => {
    expect(pickLang(dataLang, htmlLang, nav)).toBe(expected);
  });
});

describe(readConfig.name, () => {
  it('takes the origin from the script src and the options from its attributes', () => {
    const config = readConfig(
      script({
        src: 'https://chat.example.com:8443/widget.js?v=2',
        'data-widget-key': 'wk_1',
        'data-lang': 'en',
        'data-position': 'left',
        'data-color': '#FF6600',
        'data-prechat': 'true',
      }),
      document,
      'ru-RU',
    );
    expect(config).toEqual({
      widgetKey: 'wk_1',
      origin: 'https://chat.example.com:8443',
      lang: 'en',
      position: 'left',
      color: '#FF6600',
      prechat: true,
    });
  });

  it('falls back to the page language, the right corner and the default colour', () => {
    document.documentElement.setAttribute('lang', 'ru');
    const config = readConfig(
      script({
        src: '/widget.js',
        'data-widget-key': 'wk_1',
        'data-position': 'top',
        'data-color': 'red;background:url(x)',
      }),
      document,
      'en-US',
    );
    expect(config).toEqual({
      widgetKey: 'wk_1',
      origin: 'http://localhost',
      lang: 'ru',
      position: 'right',
      color: DEFAULT_COLOR,
      prechat: false,
    });
  });

  it('refuses a tag without a widget key', () => {
    expect(
      readConfig(script({ src: 'https://chat.example.com/widget.js', 'data-widget-key': ' ' }), document, 'en'),
    ).toBeNull();
  });
});

describe(findScript.name, () => {
  it('finds the tag carrying the widget key when currentScript is gone (async load)', () => {
    document.head.append(script({ src: '/other.js' }), script({ src: '/widget.js', 'data-widget-key': 'wk_1' }));
    expect(findScript(document)?.getAttribute('data-widget-key')).toBe('wk_1');
  });
});
