import { HttpErrorResponse } from '@angular/common/http';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@onebox/contracts';
import { apiErrorOf, retryAfterSeconds } from '../../../core/api/api-error';
import type { TranslationKey } from '../../../core/i18n/en';

/** The change-password form's fields, in the order they are shown (and focused on error). */
export const PASSWORD_FIELDS = ['currentPassword', 'newPassword', 'repeatPassword'] as const;
export type PasswordField = (typeof PASSWORD_FIELDS)[number];
export type PasswordDraft = Record<PasswordField, string>;

/** A message to show: a translation (it follows a language switch) or the server's own words. */
export type Problem = { key: TranslationKey; params?: Record<string, number> } | { text: string };
export type FieldProblems = Partial<Record<PasswordField, Problem>>;

/** The server's rules for `POST /api/me/password`, checked before sending. */
export function checkPasswordDraft(draft: PasswordDraft): FieldProblems {
  const problems: FieldProblems = {};
  if (!draft.currentPassword) problems.currentPassword = { key: 'account.password.currentRequired' };
  else if (draft.currentPassword.length > PASSWORD_MAX_LENGTH)
    problems.currentPassword = { key: 'account.password.wrongCurrent' };
  if (draft.newPassword.length < PASSWORD_MIN_LENGTH)
    problems.newPassword = { key: 'account.password.tooShort', params: { min: PASSWORD_MIN_LENGTH } };
  else if (draft.newPassword.length > PASSWORD_MAX_LENGTH)
    problems.newPassword = { key: 'account.password.tooLong', params: { max: PASSWORD_MAX_LENGTH } };
  else if (draft.newPassword === draft.currentPassword) problems.newPassword = { key: 'account.password.same' };
  if (!problems.newPassword && draft.repeatPassword !== draft.newPassword)
    problems.repeatPassword = { key: 'account.password.mismatch' };
  return problems;
}

/** A refusal from the server: each problem on the field it names; the rest for the whole form. */
export function passwordProblemsOf(err: unknown): { fields: FieldProblems; form: Problem | null } {
  const api = apiErrorOf(err);
  if (api?.code === 'wrong_password') {
    return { fields: { currentPassword: { key: 'account.password.wrongCurrent' } }, form: null };
  }
  if (err instanceof HttpErrorResponse && err.status === 429) {
    const n = retryAfterSeconds(err);
    return { fields: {}, form: n === null ? { key: 'login.tooManyNoTime' } : { key: 'login.tooMany', params: { n } } };
  }
  const fields: FieldProblems = {};
  for (const detail of api?.details ?? []) {
    const field = PASSWORD_FIELDS.find((f) => f === detail.field);
    if (field && !fields[field]) fields[field] = { text: detail.message };
  }
  if (Object.keys(fields).length > 0) return { fields, form: null };
  if (err instanceof HttpErrorResponse && err.status === 0) return { fields, form: { key: 'errors.network' } };
  return { fields, form: api?.message ? { text: api.message } : { key: 'errors.unknown' } };
}
