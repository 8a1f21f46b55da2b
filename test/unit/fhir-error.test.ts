import { FhirError } from '../../src/errors/fhir-error';

const frames = (e: Error): string[] => (e.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at '));

describe('FhirError', () => {
  it("carries no stack for a client's error (4xx): its OperationOutcome says it all, and it is never logged", () => {
    const e = FhirError.invalid('bad parameter', { expression: ['code'] });
    expect(e).toBeInstanceOf(Error);
    expect(e.status).toBe(400);
    expect(e.message).toBe('bad parameter');
    expect(e.stack).toContain('FhirError: bad parameter');
    expect(frames(e)).toEqual([]);
    expect(frames(new FhirError(404, 'not-found', 'no such value set'))).toEqual([]);
  });

  it('keeps the stack of a server error (5xx), which is logged', () => {
    expect(frames(new FhirError(500, 'exception', 'broken'))).not.toEqual([]);
    expect(frames(new FhirError(503, 'transient', 'store unavailable'))).not.toEqual([]);
  });

  it("leaves the process's stack trace limit as it was", () => {
    const before = Error.stackTraceLimit;
    FhirError.notFound('x');
    new FhirError(500, 'exception', 'y');
    expect(Error.stackTraceLimit).toBe(before);
    expect(frames(new Error('ordinary'))).not.toEqual([]);
  });
});
