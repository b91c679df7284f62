import type { SurveyRequest } from '@onebox/contracts';
import { h } from './dom';
import type { Messages } from './i18n';

export interface SurveyViewContext {
  t: Messages;
  /** Sends the answer; calls back with an error text, or null once stored. */
  answer(score: number, comment: string | undefined, done: (error: string | null) => void): void;
}

/** The scores of a kind: NPS 0–10, CSAT and CES 1–5. */
export function scoresOf(kind: SurveyRequest['kind']): number[] {
  return kind === 'nps' ? Array.from({ length: 11 }, (_, i) => i) : [1, 2, 3, 4, 5];
}

/**
 * The survey card: the question and one button per score; with `askComment`, a comment field
 * after the score (optional), then a thank-you.
 */
export function renderSurvey(request: SurveyRequest, ctx: SurveyViewContext): HTMLElement {
  const { t } = ctx;
  const error = h('div', { class: 'alert', role: 'alert', hidden: true });
  const card = h('div', { class: 'survey', 'data-testid': 'widget-survey', 'data-kind': request.kind });
  const thanks = () => card.replaceChildren(h('p', { 'data-testid': 'widget-survey-thanks' }, t.surveyThanks));
  const submit = (score: number, comment?: string) => {
    card.querySelectorAll('button').forEach((b) => (b.disabled = true));
    ctx.answer(score, comment, (problem) => {
      if (!problem) return thanks();
      card.querySelectorAll('button').forEach((b) => (b.disabled = false));
      error.textContent = problem;
      error.hidden = false;
    });
  };
  const askComment = (score: number) => {
    const input = h('textarea', {
      rows: '2',
      maxlength: '1000',
      placeholder: t.surveyComment,
      'aria-label': t.surveyComment,
      'data-testid': 'widget-survey-comment',
    });
    const send = h('button', { type: 'button', class: 'primary', 'data-testid': 'widget-survey-send' }, t.send);
    const skip = h('button', { type: 'button', class: 'link', 'data-testid': 'widget-survey-skip' }, t.surveySkip);
    send.addEventListener('click', () => submit(score, input.value.trim() || undefined));
    skip.addEventListener('click', () => submit(score));
    card.replaceChildren(h('p', {}, t.surveyCommentIntro), input, h('div', { class: 'row' }, send, skip), error);
    input.focus();
  };
  const options = scoresOf(request.kind).map((score) => {
    const button = h(
      'button',
      { type: 'button', 'data-testid': 'widget-survey-option', 'data-score': String(score) },
      String(score),
    );
    button.addEventListener('click', () => (request.askComment ? askComment(score) : submit(score)));
    return button;
  });
  const [low, high] =
    request.kind === 'ces'
      ? [t.surveyEasy, t.surveyHard]
      : request.kind === 'nps'
        ? [t.surveyUnlikely, t.surveyLikely]
        : [t.surveyLow, t.surveyHigh];
  card.append(
    h('p', {}, request.question),
    h('div', { class: 'scores', role: 'group', 'aria-label': request.question }, ...options),
    h('div', { class: 'ends' }, h('span', {}, low), h('span', {}, high)),
    error,
  );
  return card;
}
