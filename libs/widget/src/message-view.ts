import type { AttachmentDto, WebchatMessage } from '@onebox/contracts';
import { formatSize, h, linkify } from './dom';
import type { Lang, Messages } from './i18n';
import { IMAGE_TYPES, safeUrl } from './validation';

/** A message in the list: one from the server, or one of the visitor's still on its way. */
export interface Entry extends WebchatMessage {
  state: 'sent' | 'pending' | 'failed';
  /** The server's reason when sending failed. */
  error?: string;
  attachmentIds?: string[];
}

export interface MessageViewContext {
  t: Messages;
  lang: Lang;
  origin: string;
  onRetry(entry: Entry): void;
}

function time(createdAt: string, lang: Lang): string {
  const date = new Date(createdAt);
  return isNaN(date.getTime()) ? '' : date.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
}

function renderAttachment(a: AttachmentDto, origin: string): HTMLElement {
  const url = safeUrl(a.url, origin);
  const label = `${a.name} · ${formatSize(a.size)}`;
  if (!url) return h('span', { class: 'file' }, label);
  if (IMAGE_TYPES.includes(a.mimeType)) {
    return h(
      'a',
      { class: 'thumb', href: url, target: '_blank', rel: 'noopener noreferrer' },
      h('img', { src: url, alt: a.name, loading: 'lazy' }),
    );
  }
  return h('a', { class: 'file', href: url, target: '_blank', rel: 'noopener noreferrer', download: a.name }, label);
}

/** Builds one message element. Everything from the server goes in as text nodes or checked URLs. */
export function renderMessage(entry: Entry, ctx: MessageViewContext): HTMLElement {
  const { t } = ctx;
  let meta: HTMLElement;
  if (entry.state === 'failed') {
    const retry = h('button', { type: 'button', 'data-testid': 'widget-retry' }, t.retry);
    retry.addEventListener('click', () => ctx.onRetry(entry));
    meta = h('div', { class: 'meta err', role: 'alert', title: entry.error }, t.notSent, retry);
  } else {
    meta = h('div', { class: 'meta' }, entry.state === 'pending' ? t.sending : time(entry.createdAt, ctx.lang));
  }
  return h(
    'div',
    {
      class: `msg ${entry.direction} ${entry.state}`,
      'data-testid': 'widget-message',
      'data-direction': entry.direction,
      'data-id': entry.id || undefined,
    },
    entry.direction === 'out' && entry.authorName ? h('div', { class: 'who' }, entry.authorName) : null,
    h('div', { class: 'bubble' }, ...linkify(entry.text)),
    entry.attachments.length
      ? h('div', { class: 'files' }, ...entry.attachments.map((a) => renderAttachment(a, ctx.origin)))
      : null,
    meta,
  );
}
