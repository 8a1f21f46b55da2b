import { parseHash, viewAt } from '../../web/src/routes';

const RETIRED = 'c203c6b5-3be0-40a8-8204-e93751deabf5';

describe('the view an address of the web page shows', () => {
  it.each([
    ['', { name: 'catalogs' }],
    ['kataloger', { name: 'catalogs' }],
    ['kataloger/119', { name: 'catalogs', catalogKey: '119' }],
    [`kataloger/fsiii/${RETIRED}`, { name: 'catalogs', catalogKey: 'fsiii', code: RETIRED }],
    ['kataloger/kommune-370-tilbud/370-A/http%3A%2F%2Fx', { name: 'catalogs', catalogKey: 'kommune-370-tilbud', code: '370-A', system: 'http://x' }],
    ['sammenlign', { name: 'compare' }],
    ['sammenlign/119', { name: 'compare', catalogKey: '119' }],
    ['kommune', { name: 'municipality' }],
    ['kommune/ny', { name: 'new-code' }],
    ['kommune/rediger/kommune-101-lokale-indsatser/101-A', { name: 'edit-code', csId: 'kommune-101-lokale-indsatser', code: '101-A' }],
    ['import', { name: 'import' }],
  ])('#/%s', (address, view) => {
    expect(viewAt(parseHash(`#/${address}`))).toEqual(view);
  });

  it.each([
    'noget-andet',
    'kataloger/ukendt',
    'kataloger/119/A/B/ekstra',
    'sammenlign/ukendt',
    'sammenlign/119/ekstra',
    'kommune/zzz',
    'kommune/ny/extra',
    'kommune/rediger',
    'kommune/rediger/x',
    'kommune/rediger/kommune-101-lokale-indsatser',
    'kommune/rediger/kommune-101-lokale-indsatser/101-A/ekstra',
    'import/zzz',
  ])('#/%s has none ("Siden findes ikke")', (address) => {
    expect(viewAt(parseHash(`#/${address}`))).toBeUndefined();
  });
});
