import { pickLang, type Lang } from './i18n';

export interface WidgetConfig {
  widgetKey: string;
  /** Origin of the Onebox server, e.g. "https://onebox.example.com"; no trailing slash. */
  origin: string;
  lang: Lang;
  position: 'right' | 'left';
  /** Accent colour, a validated `#hex`. */
  color: string;
  /** Ask for name and contact before the first message (when the server has none). */
  prechat: boolean;
}

export const DEFAULT_COLOR = '#2563eb';

/** Finds the `<script>` that loaded the widget: `document.currentScript` while it runs, else the tag carrying the key. */
export function findScript(doc: Document): HTMLScriptElement | null {
  const current = doc.currentScript;
  if (current instanceof HTMLScriptElement && current.hasAttribute('data-widget-key')) return current;
  return doc.querySelector<HTMLScriptElement>('script[data-widget-key]');
}

/** Reads the embed attributes of the script tag; null when there is no usable widget key or src. */
export function readConfig(
  script: HTMLScriptElement,
  doc: Document,
  navigatorLang: string | null | undefined,
): WidgetConfig | null {
  const widgetKey = (script.getAttribute('data-widget-key') ?? '').trim();
  if (!widgetKey) return null;
  let origin: string;
  try {
    origin = new URL(script.src, doc.baseURI).origin;
  } catch {
    return null;
  }
  if (!/^https?:/.test(origin)) return null;
  const color = script.getAttribute('data-color') ?? '';
  return {
    widgetKey,
    origin,
    lang: pickLang(script.getAttribute('data-lang'), doc.documentElement.getAttribute('lang'), navigatorLang),
    position: script.getAttribute('data-position') === 'left' ? 'left' : 'right',
    color: /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(color) ? color : DEFAULT_COLOR,
    prechat: script.getAttribute('data-prechat') === 'true',
  };
}
