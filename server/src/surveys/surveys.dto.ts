import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  SURVEY_KINDS,
  type ConversationSurveyDto,
  type SurveyKind,
  type SurveyRequest,
  type SurveySettings,
} from '@onebox/contracts';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import type { SurveyListRow, SurveyRow } from './surveys.repository';

export class SurveySettingsBody implements SurveySettings {
  @ApiProperty()
  @IsBoolean()
  enabled: boolean;

  @ApiProperty({ enum: SURVEY_KINDS })
  @IsIn(SURVEY_KINDS as unknown as string[], { message: `kind must be one of ${SURVEY_KINDS.join(', ')}` })
  kind: SurveyKind;

  @ApiPropertyOptional({ description: 'Replaces the default question (up to 300 characters)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  question?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  askComment?: boolean;
}

export const DEFAULT_SURVEY_SETTINGS: SurveySettings = { enabled: false, kind: 'csat', askComment: false };

export type SurveyLocale = 'ru' | 'en';

/** The question customers see when the admin set none, in the workspace's language. */
export const DEFAULT_QUESTIONS: Record<SurveyLocale, Record<SurveyKind, string>> = {
  ru: {
    csat: 'Оцените, пожалуйста, нашу помощь: от 1 (плохо) до 5 (отлично).',
    nps: 'Насколько вероятно, что вы порекомендуете нас друзьям? От 0 до 10.',
    ces: 'Насколько легко было решить ваш вопрос? От 1 (очень легко) до 5 (очень трудно).',
  },
  en: {
    csat: 'How would you rate our help? From 1 (poor) to 5 (excellent).',
    nps: 'How likely are you to recommend us to a friend? From 0 to 10.',
    ces: 'How easy was it to get your issue solved? From 1 (very easy) to 5 (very hard).',
  },
};

/** Reads `workspaces.settings.survey`, tolerating absent or partial values. */
export function readSurveySettings(raw: unknown): SurveySettings {
  const value = (raw ?? {}) as Partial<SurveySettings>;
  const kind = SURVEY_KINDS.includes(value.kind as SurveyKind) ? (value.kind as SurveyKind) : 'csat';
  const settings: SurveySettings = { enabled: value.enabled === true, kind, askComment: value.askComment === true };
  if (typeof value.question === 'string' && value.question.trim()) settings.question = value.question;
  return settings;
}

export function questionOf(settings: SurveySettings, locale: SurveyLocale): string {
  return settings.question?.trim() || DEFAULT_QUESTIONS[locale][settings.kind];
}

export function mapSurveyRequest(
  survey: Pick<SurveyRow, 'id' | 'kind'>,
  settings: SurveySettings,
  locale: SurveyLocale,
): SurveyRequest {
  return {
    surveyId: survey.id,
    kind: survey.kind,
    question: questionOf({ ...settings, kind: survey.kind }, locale),
    askComment: settings.askComment === true,
  };
}

export function mapConversationSurvey(row: SurveyListRow): ConversationSurveyDto {
  return {
    id: row.id,
    kind: row.kind,
    cycle: row.cycle,
    managerId: row.manager_id,
    sentAt: (row.sent_at ?? row.created_at).toISOString(),
    score: row.score,
    comment: row.comment,
    answeredAt: row.answered_at ? row.answered_at.toISOString() : null,
  };
}
