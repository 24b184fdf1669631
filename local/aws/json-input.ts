import { AwsServiceError, validationError } from './aws-service-error';

/** A parsed AWS JSON 1.1 request body. */
export type JsonInput = Readonly<Record<string, unknown>>;

/** Reads a required non-empty string member. */
export function requireString(input: JsonInput, member: string): string {
  const value = input[member];
  if (typeof value !== 'string' || value.length === 0) {
    throw validationError(member, 'Member must not be null and must be a non-empty string');
  }
  return value;
}

/** Reads an optional string member. */
export function optionalString(input: JsonInput, member: string): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw validationError(member, 'Member must be a string');
  }
  return value;
}

/** Reads an optional integer member. */
export function optionalInteger(input: JsonInput, member: string): number | undefined {
  const value = input[member];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw validationError(member, 'Member must be an integer');
  }
  return value;
}

// JSON 1.1 carries blobs as standard base64; Buffer.from would silently skip junk, AWS answers SerializationException.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Reads a required base64 blob member whose decoded length is within `[minBytes, maxBytes]`. */
export function requireBlob(input: JsonInput, member: string, minBytes: number, maxBytes: number): Buffer {
  const value = input[member];
  if (value === undefined || value === null) {
    throw validationError(member, 'Member must not be null');
  }
  if (typeof value !== 'string' || !BASE64.test(value)) {
    throw new AwsServiceError('SerializationException', `Member '${member}' is not valid base64`);
  }
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length < minBytes || bytes.length > maxBytes) {
    throw validationError(member, `Member must have length between ${minBytes} and ${maxBytes} bytes`);
  }
  return bytes;
}

/** Reads an optional string-to-string map member (an absent map reads as empty). */
export function optionalStringMap(input: JsonInput, member: string): Record<string, string> {
  const value = input[member];
  if (value === undefined || value === null) {
    return {};
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw validationError(member, 'Member must be a map of strings');
  }
  const map: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') {
      throw validationError(member, 'Member must be a map of strings');
    }
    map[key] = entry;
  }
  return map;
}
