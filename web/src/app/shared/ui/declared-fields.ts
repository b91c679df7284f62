import type { ChannelTypeDto } from '@onebox/contracts';
import type { TranslationKey } from '../../core/i18n/en';

/** A field the server declares for a form (a channel's credentials, a CRM's settings). */
export type DeclaredField = ChannelTypeDto['credentialFields'][number];

/** Why a declared field's value is refused before it is sent. */
export type FieldProblem = 'required' | 'pattern';

/** The i18n key of the message for each problem. */
export const FIELD_PROBLEM_MESSAGE: Record<FieldProblem, TranslationKey> = {
  required: 'common.required',
  pattern: 'settings.channels.patternMismatch',
};

/**
 * Why a declared field's value (a channel credential, a CRM setting) is refused before it is
 * sent, or null when it may be sent.
 */
export function credentialProblem(field: DeclaredField, value: string): FieldProblem | null {
  const trimmed = value.trim();
  if (!trimmed) return field.required ? 'required' : null;
  if (!field.pattern) return null;
  try {
    // The server tests the trimmed value against the same pattern.
    return new RegExp(field.pattern).test(trimmed) ? null : 'pattern';
  } catch {
    return null; // A pattern this browser cannot compile is left to the server.
  }
}

/** The problems of the given fields' values, by `<prefix><key>` (the server's error keys). */
export function fieldProblems(
  fields: readonly DeclaredField[],
  values: Readonly<Record<string, string>>,
  prefix: string,
): Record<string, FieldProblem> {
  const problems: Record<string, FieldProblem> = {};
  for (const field of fields) {
    const problem = credentialProblem(field, values[field.key] ?? '');
    if (problem) problems[prefix + field.key] = problem;
  }
  return problems;
}

/** The given fields' trimmed values as sent to the server; empty ones are left out. */
export function fieldValues(
  fields: readonly DeclaredField[],
  values: Readonly<Record<string, string>>,
): Record<string, string> {
  const sent: Record<string, string> = {};
  for (const field of fields) {
    const value = (values[field.key] ?? '').trim();
    if (value) sent[field.key] = value;
  }
  return sent;
}
