import { useEffect, useRef } from 'preact/hooks';
import { useRoute, href } from './router';
import { viewAt } from './routes';
import { closeSignInAgain, signOut, useSession } from './session';
import { Browse } from './views/browse';
import { NotFound } from './views/common';
import { Compare } from './views/compare';
import { Editor } from './views/editor';
import { Import } from './views/import';
import { Municipality } from './views/municipality';
import { SignIn, SignInAgain } from './views/sign-in';
import { kommuneNavn } from './words';

const SECTIONS = [
  { key: 'kataloger', label: 'Kataloger' },
  { key: 'kommune', label: 'Min kommune' },
  { key: 'import', label: 'Importér CSV' },
  { key: 'sammenlign', label: 'Sammenlign kommuner' },
];

export function App() {
  const route = useRoute();
  const session = useSession();
  // no address is the catalogs; an address the page does not know is said to be so (not shown as the catalogs)
  const section = route[0] === undefined ? 'kataloger' : SECTIONS.some((s) => s.key === route[0]) ? route[0] : undefined;
  const main = useRef<HTMLElement>(null);
  const label = SECTIONS.find((s) => s.key === section)?.label ?? '';
  // A new view takes the keyboard focus to its heading (not to the top of the page, not left on the link pressed).
  // Within the catalogs, moving between concepts keeps focus where the browsing is (the tree, the results); in
  // "Sammenlign kommuner", choosing another catalog by its radio buttons keeps focus on them (arrow keys go on).
  const routeKey = section === 'kataloger' || section === 'sammenlign' ? section : route.slice(0, 2).join('/');
  const firstRoute = useRef(true);
  useEffect(() => {
    if (firstRoute.current) {
      firstRoute.current = false;
      return;
    }
    const heading = main.current?.querySelector<HTMLElement>('h1');
    if (heading && !heading.contains(document.activeElement)) {
      if (!heading.hasAttribute('tabindex')) heading.tabIndex = -1;
      heading.focus();
    } else if (!heading) main.current?.focus();
  }, [routeKey]);

  const at = viewAt(route);
  let view;
  if (!at) {
    view = <NotFound address={`#/${route.join('/')}`} />;
  } else if (at.name === 'catalogs') {
    view = <Browse catalogKey={at.catalogKey} code={at.code} system={at.system} />;
  } else if (at.name === 'compare') {
    view = <Compare catalogKey={at.catalogKey} />;
  } else if (!session) {
    view = <SignIn section={label} purpose={at.name === 'import'
      ? 'Log ind for at importere kommunens lokale indsatser fra en CSV-fil.'
      : 'Log ind for at se kommunens lokale katalog, dækningen og koble lokale indsatser og tilbud til de fælleskommunale.'} />;
  } else if (at.name === 'import') {
    view = <Import session={session} />;
  } else if (at.name === 'new-code') {
    view = <Editor session={session} />;
  } else if (at.name === 'edit-code') {
    view = <Editor session={session} csId={at.csId} code={at.code} />;
  } else {
    view = <Municipality session={session} />;
  }

  return (
    <>
      <button type="button" class="skip" onClick={() => main.current?.focus()}>Spring til indhold</button>
      <header class="top">
        <p class="brand"><a href={href('kataloger')}>Fælles Sprog <span>kataloger og lokal kobling</span></a></p>
        <nav aria-label="Hovedmenu">
          <ul>
            {SECTIONS.map((s) => (
              <li key={s.key}><a href={href(s.key)} aria-current={s.key === section ? 'page' : undefined}>{s.label}</a></li>
            ))}
          </ul>
        </nav>
        <div class="who">
          {session
            ? (
              <>
                <span>{session.kommunekode ? session.kommunenavn ?? kommuneNavn(session.kommunekode) : session.admin ? 'Administrator' : 'Logget ind'}</span>
                {session.expired
                  ? (
                    <>
                      <span class="expired">login udløbet</span>
                      {session.signInAgainClosed && <button type="button" class="link" onClick={() => closeSignInAgain(false)}>Log ind igen</button>}
                    </>
                  )
                  : <button type="button" class="link" onClick={() => signOut()}>Log ud</button>}
              </>
            )
            : <a href={href('kommune')}>Log ind</a>}
        </div>
      </header>
      <main ref={main} tabIndex={-1} id="main">{view}</main>
      {session?.expired && !session.signInAgainClosed && <SignInAgain session={session} />}
    </>
  );
}
