import type { ProactiveTrigger, WidgetProactive } from '@onebox/contracts';

/** Whether a trigger's URL pattern matches the page: text the URL contains, `*` for any characters. */
export function urlMatches(pattern: string | undefined, url: string): boolean {
  if (!pattern || pattern === '*') return true;
  if (!pattern.includes('*')) return url.includes(pattern);
  const parts = pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(parts.join('.*')).test(url);
}

/** The triggers that may fire on this page for this visitor (not yet shown today). */
export function eligibleTriggers(proactive: WidgetProactive | undefined, url: string): ProactiveTrigger[] {
  if (!proactive) return [];
  return proactive.triggers.filter(
    (t) =>
      t.enabled &&
      !proactive.shownToday.includes(t.id) &&
      (!t.returningVisitor || proactive.returningVisitor) &&
      urlMatches(t.urlPattern, url),
  );
}

/**
 * Arms the eligible triggers: each fires after its seconds on the page; `show` gets the first to
 * fire (the widget shows one invitation per page). Answers a function that disarms the rest.
 */
export function armTriggers(
  proactive: WidgetProactive | undefined,
  url: string,
  show: (trigger: ProactiveTrigger) => void,
): () => void {
  let fired = false;
  const timers = eligibleTriggers(proactive, url).map((trigger) =>
    setTimeout(
      () => {
        if (fired) return;
        fired = true;
        show(trigger);
      },
      (trigger.secondsOnPage ?? 0) * 1000,
    ),
  );
  return () => timers.forEach(clearTimeout);
}
