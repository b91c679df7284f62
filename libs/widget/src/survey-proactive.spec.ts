import type { SurveyRequest, WidgetProactive } from '@onebox/contracts';
import { FakeSocket, session } from '../test/fake-socket';
import { armTriggers, eligibleTriggers, urlMatches } from './proactive';
import { Widget } from './widget';

const mounted: Widget[] = [];

function setup(lang: 'en' | 'ru' = 'en') {
  const socket = new FakeSocket();
  const widget = new Widget(
    { widgetKey: 'wk_1', origin: 'https://onebox.test', lang, position: 'right', color: '#2563eb', prechat: false },
    { storage: null, socketFactory: () => socket },
  );
  widget.mount(document.body);
  mounted.push(widget);
  const root = widget.host.shadowRoot as ShadowRoot;
  const $ = <T extends HTMLElement = HTMLElement>(id: string) =>
    root.querySelector(`[data-testid="${id}"]`) as T | null;
  const $$ = (id: string) => Array.from(root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`));
  return { widget, socket, $, $$ };
}

const csat: SurveyRequest = { surveyId: 's-1', kind: 'csat', question: 'How did we do?', askComment: false };

afterEach(() => {
  while (mounted.length) mounted.pop()?.destroy();
  jest.useRealTimers();
});

describe('survey in the widget', () => {
  it('shows a survey.request as score buttons 1–5 and sends the pressed score, then thanks', () => {
    const { socket, $, $$ } = setup();
    socket.serve('session', session());
    socket.serve('survey.request', csat);

    expect($('widget-survey')?.textContent).toContain('How did we do?');
    const options = $$('widget-survey-option');
    expect(options.map((o) => o.dataset['score'])).toEqual(['1', '2', '3', '4', '5']);
    options[3].click();

    expect(socket.payloads('survey.answer')).toEqual([{ surveyId: 's-1', score: 4 }]);
    expect($('widget-survey-thanks')).toBeNull();
    socket.ack('survey.answer', { ok: true });
    expect($('widget-survey-thanks')?.textContent).toBe('Thank you for your feedback!');
    expect($('widget-survey-option')).toBeNull();
  });

  it('offers 0–10 for NPS, takes an optional comment and speaks Russian', () => {
    const { socket, $, $$ } = setup('ru');
    socket.serve('session', session());
    socket.serve('survey.request', { surveyId: 's-2', kind: 'nps', question: 'Порекомендуете?', askComment: true });

    expect($$('widget-survey-option').map((o) => Number(o.dataset['score']))).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    $$('widget-survey-option')[9].click();
    expect(socket.payloads('survey.answer')).toEqual([]);
    const comment = $<HTMLTextAreaElement>('widget-survey-comment')!;
    comment.value = '  Быстро ответили  ';
    $('widget-survey-send')!.click();

    expect(socket.payloads('survey.answer')).toEqual([{ surveyId: 's-2', score: 9, comment: 'Быстро ответили' }]);
    socket.ack('survey.answer', { ok: true });
    expect($('widget-survey-thanks')?.textContent).toBe('Спасибо за оценку!');
  });

  it('shows the server’s refusal and lets the visitor try again', () => {
    const { socket, $, $$ } = setup();
    socket.serve('session', session());
    socket.serve('survey.request', csat);
    $$('widget-survey-option')[0].click();
    socket.ack('survey.answer', { error: { code: 'validation_failed', message: 'score: out of range' } });

    expect($('widget-survey')?.textContent).toContain('score: out of range');
    expect(($$('widget-survey-option')[0] as HTMLButtonElement).disabled).toBe(false);
  });

  it('restores an unanswered survey from the session after a reload, and counts it as unread while closed', () => {
    const { socket, $ } = setup();
    socket.serve('session', session({ survey: csat }));
    expect($('widget-survey')).not.toBeNull();
    expect($('widget-unread')?.textContent).toBe('1');

    socket.serve('session', session({ survey: null }));
    expect($('widget-survey')).toBeNull();
  });
});

describe('proactive triggers', () => {
  const proactive = (over: Partial<WidgetProactive> = {}): WidgetProactive => ({
    triggers: [
      {
        id: 'pricing',
        name: 'Pricing',
        enabled: true,
        secondsOnPage: 5,
        urlPattern: '/pricing',
        message: 'Need a quote?',
      },
      { id: 'back', name: 'Back', enabled: true, returningVisitor: true, message: 'Welcome back!' },
      { id: 'off', name: 'Off', enabled: false, message: 'Never' },
    ],
    returningVisitor: false,
    shownToday: [],
    ...over,
  });

  it('matches URL patterns as contained text or * wildcards', () => {
    expect(urlMatches(undefined, 'https://a.example/x')).toBe(true);
    expect(urlMatches('/pricing', 'https://a.example/pricing?plan=pro')).toBe(true);
    expect(urlMatches('/pricing', 'https://a.example/blog')).toBe(false);
    expect(urlMatches('https://*.example/docs/*', 'https://shop.example/docs/api')).toBe(true);
    expect(urlMatches('https://*.example/docs/*', 'https://shop.example/blog')).toBe(false);
  });

  it('keeps enabled triggers for this page and visitor that were not shown today', () => {
    const url = 'https://a.example/pricing';
    expect(eligibleTriggers(proactive(), url).map((t) => t.id)).toEqual(['pricing']);
    expect(eligibleTriggers(proactive({ returningVisitor: true }), url).map((t) => t.id)).toEqual(['pricing', 'back']);
    expect(eligibleTriggers(proactive({ shownToday: ['pricing'] }), url)).toEqual([]);
    expect(eligibleTriggers(proactive(), 'https://a.example/')).toEqual([]);
  });

  it('fires the first trigger due, once', () => {
    jest.useFakeTimers();
    const shown: string[] = [];
    armTriggers(proactive({ returningVisitor: true }), 'https://a.example/pricing', (t) => shown.push(t.id));
    jest.advanceTimersByTime(0);
    expect(shown).toEqual(['back']);
    jest.advanceTimersByTime(10_000);
    expect(shown).toEqual(['back']);
  });

  it('records the page view, shows the invitation after the delay, reports it, and opens the chat from it', () => {
    jest.useFakeTimers();
    window.history.pushState({}, '', '/pricing');
    const { socket, $, widget } = setup();
    socket.serve('session', session({ proactive: proactive() }));

    expect(socket.payloads('page.view')).toEqual([{ url: 'http://localhost/pricing' }]);
    expect($('widget-invitation')?.hidden).toBe(true);
    jest.advanceTimersByTime(5000);
    expect($('widget-invitation')?.hidden).toBe(false);
    expect($('widget-invitation')?.textContent).toContain('Need a quote?');
    expect(socket.payloads('invitation.shown')).toEqual([{ triggerId: 'pricing' }]);

    // A reconnect's session neither records the view again nor re-arms the triggers.
    socket.serve('session', session({ proactive: proactive() }));
    expect(socket.payloads('page.view')).toHaveLength(1);

    ($('widget-invitation')?.querySelector('.it') as HTMLElement).click();
    expect($('widget-invitation')?.hidden).toBe(true);
    expect($('widget-panel')?.hidden).toBe(false);
    widget.close();
  });

  it('does not invite over an open chat', () => {
    jest.useFakeTimers();
    window.history.pushState({}, '', '/pricing');
    const { socket, $, widget } = setup();
    widget.open();
    socket.serve('session', session({ proactive: proactive() }));
    jest.advanceTimersByTime(5000);
    expect($('widget-invitation')?.hidden).toBe(true);
    expect(socket.payloads('invitation.shown')).toEqual([]);
  });
});
