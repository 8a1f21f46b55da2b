/**
 * A municipality's map made for the FSIII release in use (group.targetVersion 20240530), while KL's next release, which
 * no longer has one of the map's targets, is loaded beside it ($load-package): the map's target value set is checked
 * in the version the map names, as $validate-code checks it with system-version.
 */
import type { CodeSystemConcept, OperationOutcome, Parameters } from 'fhir/r4';
import { inEnglish } from '../support/english';
import type { App } from '../../src/app';
import { writePackageTarball } from '../../src/packages/package-writer';
import { FSIII, testApp } from '../support/app';
import { localCodeSystem, localConceptMap, tokenFor } from '../support/local';
import { nextFsiiiRelease } from '../support/next-release';

const JSON_TYPE = 'application/fhir+json';
const IN_USE = '20240530';
const NEXT = '20250701';
/** "Oplæring" (SUL § 138): in KLInterventionsFSIII in 20240530, not in the next release. */
const OPLAERING = 'c77c0972-df47-4ebe-a274-75c470dc010a';
const TARGET_SCOPE = 'http://fhir.kl.dk/term/ValueSet/KLInterventionsFSIII';

let app: App;
let auth: string;

function without(list: CodeSystemConcept[] | undefined, code: string): CodeSystemConcept[] | undefined {
  return list?.filter((c) => c.code !== code).map((c) => ({ ...c, ...(c.concept ? { concept: without(c.concept, code) } : {}) }));
}

async function releaseWithoutOplaering(): Promise<Buffer> {
  const cs = nextFsiiiRelease();
  cs.version = NEXT;
  cs.date = '2025-07-01';
  cs.concept = without(cs.concept, OPLAERING);
  return writePackageTarball({ name: 'kl.test.fsiii', version: '2025.7.1' }, [cs]);
}

const catalog = localCodeSystem('101', 'oplaering', [{ code: '101-OPL', display: 'Oplæring i eget hjem', type: 'indsats' }]);

/** The map of 101-OPL to Oplæring, made for FSIII 20240530 and claiming KLInterventionsFSIII. */
function mapToOplaering(version: string) {
  const cm = localConceptMap('101', 'oplaering', [{ code: '101-OPL', targets: [OPLAERING] }]);
  cm.version = version;
  cm.targetUri = TARGET_SCOPE;
  return cm;
}

function putMap(cm: ReturnType<typeof mapToOplaering>) {
  return inEnglish(app).put(`/fhir/ConceptMap/${cm.id}`).set('Authorization', auth).type(JSON_TYPE).send(cm);
}

function inScope(systemVersion?: string) {
  return inEnglish(app).get('/fhir/ValueSet/$validate-code')
    .query({ url: TARGET_SCOPE, system: FSIII, code: OPLAERING, ...(systemVersion ? { 'system-version': `${FSIII}|${systemVersion}` } : {}) });
}

const result = (body: Parameters) => body.parameter?.find((p) => p.name === 'result')?.valueBoolean;
const texts = (outcome: OperationOutcome) => outcome.issue.map((i) => i.details?.text ?? '');

beforeAll(async () => {
  app = await testApp();
  auth = `Bearer ${await tokenFor({ kommunekode: '101' })}`;
  const admin = `Bearer ${await tokenFor({ scope: 'openid admin' })}`;
  await inEnglish(app).post('/fhir/$load-package').set('Authorization', admin).type('application/gzip').send(await releaseWithoutOplaering()).expect(200);
  await inEnglish(app).put(`/fhir/CodeSystem/${catalog.id}`).set('Authorization', auth).type(JSON_TYPE).send(catalog).expect(201);
});

describe('a map made for the release in use, with a newer release loaded beside it', () => {
  it('is written, and written again, as its targets are in the target value set in the version it names', async () => {
    expect(result((await inScope(IN_USE).expect(200)).body as Parameters)).toBe(true);
    expect(result((await inScope().expect(200)).body as Parameters)).toBe(false);
    await putMap(mapToOplaering('1.0.0')).expect(201);
    await putMap(mapToOplaering('1.0.1')).expect(200);
  });

  it('without a targetVersion it is checked in the newest release, which no longer has the target', async () => {
    const cm = mapToOplaering('1.0.2');
    delete cm.group![0]!.targetVersion;
    const refused = await putMap(cm).expect(422);
    // said once, as the release's own absence of the code (not again as the value set's)
    expect(texts(refused.body as OperationOutcome).filter((t) => t.includes(`Target code '${OPLAERING}'`)))
      .toEqual([`Target code '${OPLAERING}' (for '101-OPL') is not in FSIII (urn:oid:1.2.208.176.2.21|20250701)`]);
  });
});
