import { MIMEType } from 'node:util';
import type { CodeSystem } from 'fhir/r4';
import { type GrammarConcept, GrammarCodeSystemProvider, grammarConcept } from './grammar-provider';

export const BCP_13 = 'urn:ietf:bcp:13';

/** The code system resource; its codes are every media type the grammar allows (Bcp13Provider). */
export function bcp13CodeSystem(): CodeSystem {
  return {
    resourceType: 'CodeSystem',
    id: 'bcp13',
    url: BCP_13,
    name: 'MimeTypes',
    title: 'Media types (BCP 13)',
    status: 'active',
    publisher: 'IETF',
    description: 'Media types (MIME types) of BCP 13: type/subtype as RFC 6838 names them, with parameters; the IANA registry as the base list',
    language: 'en',
    // RFC 6838 §4.2: type and subtype names are case-insensitive
    caseSensitive: false,
    content: 'complete',
  };
}

/** A type or subtype name (RFC 6838 §4.2, restricted-name): what may be registered, so no `*` of a media range. */
const RESTRICTED_NAME = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

const BASE = 'the media types IANA registers (mime-db)';

/**
 * BCP 13 media types, as Attachment.contentType, Binary.contentType and the like carry them (required binding to
 * `mimetypes`): a code is valid when Node's MIME type parser (the WHATWG algorithm) reads it and its type and subtype are
 * names RFC 6838 allows; parameters are kept as written. The display is the code itself.
 */
export class Bcp13Provider extends GrammarCodeSystemProvider {
  constructor(resource: CodeSystem, supplements: readonly CodeSystem[] = []) {
    super(resource, supplements, BASE);
  }

  protected parse(code: string): GrammarConcept | undefined {
    if (code !== code.trim()) return undefined;
    let essence: string;
    try {
      essence = new MIMEType(code).essence;
    } catch {
      return undefined;
    }
    const [type, subtype] = essence.split('/');
    if (!type || !subtype || !RESTRICTED_NAME.test(type) || !RESTRICTED_NAME.test(subtype)) return undefined;
    return grammarConcept(code, code);
  }

  protected baseCodes(): string[] {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const db = require('mime-db') as Record<string, { source?: string }>;
    return Object.keys(db).filter((type) => db[type]!.source === 'iana').sort();
  }
}
