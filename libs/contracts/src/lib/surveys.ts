/** Post-resolution surveys and proactive chat (issue 5). */

export const SURVEY_KINDS = ['csat', 'nps', 'ces'] as const;
export type SurveyKind = (typeof SURVEY_KINDS)[number];

/** The score range each kind accepts: CSAT 1–5 (5 = very satisfied), NPS 0–10, CES 1–5 (1 = very easy). */
export const SURVEY_SCALES: Record<SurveyKind, { min: number; max: number }> = {
  csat: { min: 1, max: 5 },
  nps: { min: 0, max: 10 },
  ces: { min: 1, max: 5 },
};

/** Every score of a kind, lowest first. */
export function surveyScores(kind: SurveyKind): number[] {
  const { min, max } = SURVEY_SCALES[kind];
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

/** `workspaces.settings.survey`: `GET/PUT /api/surveys/settings`. */
export interface SurveySettings {
  enabled: boolean;
  kind: SurveyKind;
  /** Replaces the default question of the kind (RU default when absent). */
  question?: string;
  /** The widget offers a comment field after the score. */
  askComment?: boolean;
}

/** Buttons under a survey prompt carry `survey:<surveyId>:<score>` (Telegram callback_data ≤ 64 bytes). */
export const SURVEY_CALLBACK_PREFIX = 'survey:';

/** `/webchat` `survey.request`: also in the session while the survey of the last cycle is unanswered. */
export interface SurveyRequest {
  surveyId: string;
  kind: SurveyKind;
  question: string;
  askComment: boolean;
}

/** `/webchat` client event `survey.answer` (ack `{ok:true}` or `{error}`). */
export interface SurveyAnswer {
  surveyId: string;
  score: number;
  comment?: string;
}

/** A survey of a conversation as agents see it: `GET /api/conversations/:id/surveys`. */
export interface ConversationSurveyDto {
  id: string;
  kind: SurveyKind;
  cycle: number;
  managerId: string | null;
  sentAt: string;
  /** Null until the customer answers. */
  score: number | null;
  comment: string | null;
  answeredAt: string | null;
}

/** A proactive-chat trigger of a webchat channel (`channels.settings.proactive`). */
export interface ProactiveTrigger {
  id: string;
  name: string;
  enabled: boolean;
  /** Show after this many seconds on the page. */
  secondsOnPage?: number;
  /** Only on pages whose URL contains this text; `*` matches anything. */
  urlPattern?: string;
  /** Only for visitors who have been on the site before (an earlier page view). */
  returningVisitor?: boolean;
  /** The invitation the widget shows. */
  message: string;
}

/** What the widget needs to run the triggers: in the `/webchat` session. */
export interface WidgetProactive {
  triggers: ProactiveTrigger[];
  /** The visitor viewed a page before this session (widget_page_views). */
  returningVisitor: boolean;
  /** Triggers already shown to this visitor today: not shown again. */
  shownToday: string[];
}
