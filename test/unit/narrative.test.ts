/**
 * FHIR R4's rules for a narrative's div (txt-1, txt-2): XHTML, one div in the XHTML namespace, only the formatting
 * elements and attributes HL7's validator allows, no script URLs, some content.
 */
import { narrativeDivProblem, narrativeProblems } from '../../src/fhir/narrative';

const div = (inner: string, attributes = '') => `<div xmlns="http://www.w3.org/1999/xhtml"${attributes}>${inner}</div>`;
const problem = (text: string) => narrativeDivProblem(text)?.en;

describe('a narrative div FHIR allows', () => {
  it.each([
    ['text', div('Lokale indsatser')],
    ['formatting, lists and tables', div('<p>Hej <b>fed</b> <i>kursiv</i><br/></p><ul><li>a</li></ul><table border="1"><tr><td colspan="2" style="color: red">x</td></tr></table>')],
    ['links by href or name, images', div('<a href="https://kl.dk/x?a=1&amp;b=2">KL</a><a name="here">her</a><img src="data:image/png;base64,AAAA" alt="x"/>')],
    ['HTML entities and a language', div('Indsats&nbsp;&aelig;&#248;', ' xml:lang="da" lang="da"')],
    ['an image alone is content', div('<img src="https://kl.dk/logo.png"/>')],
    ['comments and whitespace around the div', `  ${div('<!-- c -->x')}\n`],
    ['the XHTML namespace declared again, and a prefix declared', div('<p xmlns="http://www.w3.org/1999/xhtml" xmlns:x="urn:x">x</p>')],
  ])('%s', (_, text) => {
    expect(narrativeDivProblem(text)).toBeUndefined();
  });
});

describe('a narrative div FHIR refuses', () => {
  it.each([
    ['not XHTML at all', 'not xhtml at all <b>', /not well-formed/],
    ['XHTML without a div', '<p>no div</p>', /one <div xmlns=.*not <p>/],
    ['a div outside the XHTML namespace', '<div>x</div>', /not <div> in the namespace ''/],
    ['a second root', `${div('a')}<div xmlns="http://www.w3.org/1999/xhtml">b</div>`, /one <div/],
    ['an unclosed element', div('<b>x'), /not well-formed/],
    ['text after the div', `${div('a')}b`, /not well-formed/],
    ['an undefined entity', div('&foo;'), /not well-formed/],
    ['script', div('<script>alert(1)</script>x'), /element <script>/],
    ['an event handler', div('<img src="x" onerror="alert(1)"/>'), /attribute 'onerror' on <img>.*event handlers/],
    ['onclick on the div itself', div('x', ' onclick="alert(1)"'), /attribute 'onclick' on <div>/],
    ['a form', div('<form action="https://x"><input name="a"/></form>'), /element <form>/],
    ['an iframe', div('<iframe src="https://x"></iframe>'), /element <iframe>/],
    ['an object', div('<object data="x.swf"></object>'), /element <object>/],
    ['an element of another namespace', div('<svg:svg xmlns:svg="http://www.w3.org/2000/svg"/>'), /element <svg:svg> \(namespace/],
    ['an element in upper case', div('<B>x</B>'), /element <B>/],
    ['a javascript: link', div('<a href="javascript:alert(1)">x</a>'), /script URL in the attribute 'href'/],
    ['a javascript: link in mixed case with whitespace', div('<a href=" JaVa\tScRiPt :alert(1)">x</a>'), /script URL/],
    ['a javascript: link written with character references', div('<a href="&#106;ava&#x73;cript&#58;alert(1)">x</a>'), /script URL/],
    ['a vbscript: image', div('<img src="vbscript:msgbox(1)"/>'), /script URL in the attribute 'src'/],
    ['script in a style', div('<span style="width: expression(alert(1))">x</span>'), /script in a style/],
    ['a document type', `<!DOCTYPE html>${div('x')}`, /document type/],
    ['only whitespace (txt-2)', div(' \n <p> </p> '), /txt-2/],
  ])('%s', (_, text, message) => {
    expect(problem(text)).toMatch(message);
  });

  it('says it in Danish too', () => {
    expect(narrativeDivProblem(div('<script>x</script>'))?.da).toMatch(/^Den fortællende tekst \(text.div\) har elementet <script>/);
  });
});

describe('narrativeProblems', () => {
  it("finds the resource's, contained resources' and Bundle entries' narratives by their paths", () => {
    const bad = { status: 'generated', div: div('<script>x</script>y') };
    const good = { status: 'generated', div: div('y') };
    const bundle = {
      resourceType: 'Bundle', text: good,
      entry: [{ resource: { resourceType: 'ValueSet', text: bad, contained: [{ resourceType: 'CodeSystem', text: bad }] } }],
    };
    expect(narrativeProblems(bundle, 'Bundle').map((p) => p.path)).toEqual([
      'Bundle.entry[0].resource.text.div', 'Bundle.entry[0].resource.contained[0].text.div',
    ]);
  });
});

describe('a narrative div that costs the parser much', () => {
  // a namespace-aware parse took time quadratic in these: 2,000 elements declaring a prefix each took 20 s
  it('of 20,000 nested elements each declaring a namespace prefix is answered', () => {
    const n = 20_000;
    const nested = Array.from({ length: n }, (_, i) => `<span xmlns:p${i}="urn:x">`).join('') + 'x' + '</span>'.repeat(n);
    expect(problem(div(nested))).toBeUndefined();
  });

  it('of one element with 20,000 attributes is answered', () => {
    const many = Array.from({ length: 20_000 }, (_, i) => ` xmlns:p${i}="urn:x"`).join('');
    expect(problem(div('<span>x</span>', many))).toBeUndefined();
  });
});
