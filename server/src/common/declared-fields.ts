import { HttpStatus } from '@nestjs/common';
import { ApiException } from './api.exception';

/** A setting a channel adapter or CRM adapter declares (the settings form is generated from it). */
export interface DeclaredField {
  key: string;
  required: boolean;
  /** A pattern the trimmed value must match (JavaScript RegExp source). */
  pattern?: string;
}

/**
 * Checks given values against declared fields: unknown keys refused, required ones present,
 * patterns matched, values trimmed. Every problem names its field as `<prefix>.<key>`; answers
 * the clean values or throws one 400 listing them all.
 */
export function validateDeclaredFields(
  fields: readonly DeclaredField[],
  given: Record<string, unknown>,
  prefix: string,
  options: { alsoKnown?: readonly string[]; unknownMessage?: string } = {},
): Record<string, string> {
  const details: { field: string; message: string }[] = [];
  const known = new Set([...fields.map((f) => f.key), ...(options.alsoKnown ?? [])]);
  for (const key of Object.keys(given)) {
    if (!known.has(key))
      details.push({ field: `${prefix}.${key}`, message: options.unknownMessage ?? 'is not a known field' });
  }
  const values: Record<string, string> = {};
  for (const field of fields) {
    const raw = given[field.key];
    const value = typeof raw === 'string' ? raw.trim() : raw;
    if (value === undefined || value === null || value === '') {
      if (field.required) details.push({ field: `${prefix}.${field.key}`, message: 'is required' });
    } else if (typeof value !== 'string') {
      details.push({ field: `${prefix}.${field.key}`, message: 'must be a string' });
    } else if (field.pattern && !new RegExp(field.pattern).test(value)) {
      details.push({ field: `${prefix}.${field.key}`, message: 'does not look right' });
    } else {
      values[field.key] = value;
    }
  }
  if (details.length) {
    throw new ApiException(
      HttpStatus.BAD_REQUEST,
      'validation_failed',
      `Invalid fields: ${details.map((d) => d.field).join(', ')}`,
      details,
    );
  }
  return values;
}
