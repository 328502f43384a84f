import { parseAllDocuments, parseDocument } from 'yaml';
import { InvalidInputError } from './errors.ts';

/**
 * YAML parsing for untrusted input. Alias expansion is capped so that a
 * "billion laughs" document fails fast instead of exhausting memory.
 */
const LIMITS = { maxAliasCount: 100, maxBytes: 1024 * 1024 } as const;

export function parseYamlDocument(text: string, field: string): unknown {
  if (Buffer.byteLength(text) > LIMITS.maxBytes) throw new InvalidInputError(`${field} is larger than ${LIMITS.maxBytes} bytes`, field);
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new InvalidInputError(`${field} is not valid YAML: ${document.errors[0]!.message.split('\n')[0]}`, field);
  }
  try {
    return document.toJS({ maxAliasCount: LIMITS.maxAliasCount });
  } catch (error) {
    throw new InvalidInputError(`${field} is not usable YAML: ${(error as Error).message}`, field);
  }
}

/** Every document of a multi-document stream, empty documents dropped. */
export function parseYamlDocuments(text: string, field: string): unknown[] {
  if (Buffer.byteLength(text) > LIMITS.maxBytes) throw new InvalidInputError(`${field} is larger than ${LIMITS.maxBytes} bytes`, field);
  const documents = parseAllDocuments(text, { uniqueKeys: true });
  if (!Array.isArray(documents)) throw new InvalidInputError(`${field} is not valid YAML`, field);
  return documents.flatMap((document, index) => {
    if (document.errors.length > 0) {
      throw new InvalidInputError(`${field} document ${index + 1} is not valid YAML: ${document.errors[0]!.message.split('\n')[0]}`, field);
    }
    try {
      const value: unknown = document.toJS({ maxAliasCount: LIMITS.maxAliasCount });
      return value === null || value === undefined ? [] : [value];
    } catch (error) {
      throw new InvalidInputError(`${field} document ${index + 1} is not usable YAML: ${(error as Error).message}`, field);
    }
  });
}
