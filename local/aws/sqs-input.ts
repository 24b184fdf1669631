import type { JsonInput } from './json-input';
import { invalidParameterValue, missingParameter, sqsError } from './sqs-errors';

/** Reads a required string parameter; absent or empty is MissingParameter, as SQS answers. */
export function requireParam(input: JsonInput, name: string): string {
  const value = input[name];
  if (value === undefined || value === null || value === '') {
    throw missingParameter(name);
  }
  if (typeof value !== 'string') {
    throw invalidParameterValue(name, 'Must be a string.');
  }
  return value;
}

/** Reads an optional integer parameter within `[min, max]`. */
export function optionalIntegerParam(input: JsonInput, name: string, min: number, max: number): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidParameterValue(name, `Must be between ${min} and ${max}, if provided.`);
  }
  return value;
}

/** Reads an optional list of strings (an absent list reads as empty). */
export function optionalStringListParam(input: JsonInput, name: string): string[] {
  const value = input[name];
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) {
    throw invalidParameterValue(name, 'Must be a list of strings.');
  }
  return value as string[];
}

/** Reads an optional map of string values (an absent map reads as empty). */
export function optionalStringMapParam(input: JsonInput, name: string): Record<string, string> {
  const value = input[name];
  if (value === undefined || value === null) {
    return {};
  }
  if (typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw invalidParameterValue(name, 'Must be a map of strings.');
  }
  return { ...(value as Record<string, string>) };
}

/** Largest number of entries in one batch call. */
export const MAX_BATCH_ENTRIES = 10;
// SQS batch entry ids: 1..80 of letters, digits, hyphens and underscores.
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * Reads the `Entries` of a batch call and checks what SQS checks for the whole batch before any entry runs:
 * non-empty, at most 10, well-formed and distinct ids.
 */
export function requireBatchEntries(input: JsonInput): JsonInput[] {
  const entries = input.Entries;
  if (entries === undefined || entries === null || (Array.isArray(entries) && entries.length === 0)) {
    throw sqsError('EmptyBatchRequest', 'There should be at least one SendMessageBatchRequestEntry in the request.');
  }
  if (!Array.isArray(entries) || entries.some((e) => typeof e !== 'object' || e === null || Array.isArray(e))) {
    throw invalidParameterValue('Entries', 'Must be a list of entries.');
  }
  if (entries.length > MAX_BATCH_ENTRIES) {
    throw sqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
    );
  }
  const seen = new Set<string>();
  for (const entry of entries as JsonInput[]) {
    const id = entry.Id;
    if (typeof id !== 'string' || !BATCH_ENTRY_ID.test(id)) {
      throw sqsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    }
    if (seen.has(id)) {
      throw sqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    }
    seen.add(id);
  }
  return entries as JsonInput[];
}
