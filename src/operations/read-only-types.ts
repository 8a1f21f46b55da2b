import type { Bundle, OperationDefinition, StructureDefinition } from 'fhir/r4';
import { methodNotAllowed, notKnown } from '../errors/common-errors';
import { excerpt } from '../errors/excerpt';
import { readSubset } from '../fhir/resource-subset';
import type { ProfileRegistry } from '../profile-validation/profile-registry';
import { searchStructureDefinitions } from '../profile-validation/structure-definition-search';
import { operationDefinitionById } from './operation-definition';
import { searchOperationDefinitions } from './operation-definition-search';

/** The types only read here, searched in memory: the profiles' StructureDefinitions and the operations' OperationDefinitions. */
export const READ_ONLY_TYPE_PATH = /^\/(StructureDefinition|OperationDefinition)(?:\/([^/$][^/]*))?\/?$/;

/** The methods a path of a read-only type takes (`_search` by GET and POST, else GET), undefined for another path. */
export function readOnlyTypeMethods(path: string): string[] | undefined {
  const target = ReadOnlyTypes.targetAt(path);
  return !target ? undefined : target.search ? ['GET', 'POST'] : ['GET'];
}

/** What a read-only type's path addresses: its type, and whether it is `[type]/_search` or which id it reads. */
interface ReadOnlyTarget {
  type: string;
  /** `[type]/_search`. */
  search: boolean;
  /** `[type]/[id]`. */
  id?: string;
}

/** How a read-only type is searched and read by id. */
interface ReadOnlyType {
  search(query: Record<string, unknown>, selfUrl: string, baseUrl: string, options: { lenient?: boolean }): Bundle;
  byId(id: string): StructureDefinition | OperationDefinition | undefined;
}

/** A request of a read-only type's path: `[type]`, `[type]/_search` or `[type]/[id]`, its method and parameters. */
export interface ReadOnlyRequest {
  path: string;
  method: string;
  query: Record<string, unknown>;
  /** A search's own link. */
  self: string;
  baseUrl: string;
  lenient?: boolean;
}

/**
 * The reads of the read-only types, for their HTTP route and a batch's entries alike: a search (GET of the type, GET
 * or POST of `_search`), a read by id (GET; `_summary`, `_elements`), 405 with the methods the path takes otherwise.
 */
export class ReadOnlyTypes {
  private readonly types: Record<string, ReadOnlyType>;

  constructor(profiles: ProfileRegistry) {
    this.types = {
      StructureDefinition: {
        search: (q, self, base, options) => searchStructureDefinitions(profiles, q, self, base, options),
        byId: (id) => profiles.byResourceId(id)?.resource,
      },
      OperationDefinition: { search: searchOperationDefinitions, byId: operationDefinitionById },
    };
  }

  /** What a path of a read-only type (`StructureDefinition`, `OperationDefinition`) addresses, undefined for another path. */
  static targetAt(path: string): ReadOnlyTarget | undefined {
    const m = READ_ONLY_TYPE_PATH.exec(path);
    if (!m) return undefined;
    const id = m[2];
    return id === '_search' ? { type: m[1]!, search: true } : { type: m[1]!, search: false, ...(id !== undefined ? { id } : {}) };
  }

  /** The answer to a request of a read-only type's path (HEAD as GET: the caller leaves out the body). */
  answer(request: ReadOnlyRequest): Bundle | StructureDefinition | OperationDefinition {
    const { type, search, id } = ReadOnlyTypes.targetAt(request.path)!;
    const readOnly = this.types[type]!;
    const { method } = request;
    if (search && (method === 'GET' || method === 'POST')) {
      return readOnly.search(request.query, request.self, request.baseUrl, { lenient: request.lenient });
    }
    if (method !== 'GET' && method !== 'HEAD') {
      throw methodNotAllowed(readOnlyTypeMethods(request.path)!, `${type} is read-only here: ${method} is not supported`, `${type} kan kun læses her: ${method} understøttes ikke`);
    }
    if (id === undefined) return readOnly.search(request.query, request.self, request.baseUrl, { lenient: request.lenient });
    const resource = readOnly.byId(decodeURIComponent(id));
    if (!resource) throw notKnown(type, excerpt(id));
    return readSubset(resource, request.query);
  }
}
