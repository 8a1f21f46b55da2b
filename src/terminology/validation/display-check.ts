import type { Coding } from 'fhir/r4';
import { addToPath } from './code-systems';
import type { ValidationState } from './context';
import type { Designations } from './designations';
import { type Message, msg } from './messages';
import type { ValidationOptions } from './options';

/**
 * Checks the display of a coding that is in the value set. Displays compare case-insensitively, in the requested
 * languages (displayLanguage, else Accept-Language, else the value set's language); a display that is only valid
 * in the code system's own language is accepted with a note; lenient-display-validation turns errors into warnings.
 */
export function checkDisplay(displays: Designations, defLang: string | undefined, coding: Coding, path: string,
  options: ValidationOptions, state: ValidationState): void {
  const display = coding.display!;
  const langs = options.workingLanguages();
  const where = [addToPath(path, 'display')];
  const match = displays.hasDisplay(langs, undefined, display, false);
  if (match.found) {
    if (!displays.hasDisplay(langs, undefined, display, true).found) {
      const m = msg.inactiveDisplay(display, coding.code ?? '', displays.activeDisplays(), displays.statusOf(display));
      state.report('warning', 'invalid', m, 'display-comment', where);
    }
    return;
  }
  if (displays.placeholder) {
    const text = msg.displayNotFixed(display, coding.system ?? '', coding.code ?? '', displays.present(langs, true),
      displays.displayCount(langs, true), options.langSummary());
    state.message(text);
    state.report('information', 'invalid', text, 'invalid-display', where);
    return;
  }
  let severity: 'error' | 'warning' | 'information' = options.displayWarning ? 'warning' : 'error';
  let count = displays.displayCount(langs, true);
  if (count === 0) {
    severity = 'warning';
    count = displays.displayCount(langs, false);
  }
  let text: Message;
  if (count === 0) {
    const fallback = displays.preferredDisplay(undefined);
    if (!fallback) {
      text = msg.noDisplayAtAll(display, coding.system ?? '', coding.code ?? '');
    } else if (displays.hasDisplay(langs, defLang, display, false).found) {
      text = msg.noDisplayForLanguageOk(display, coding.system ?? '', coding.code ?? '', options.langSummary());
      severity = 'information';
    } else {
      text = msg.noDisplayForLanguageError(display, coding.system ?? '', coding.code ?? '', options.langSummary(), fallback);
      severity = options.displayWarning ? 'warning' : 'error';
    }
  } else {
    text = msg.wrongDisplay(display, coding.system ?? '', coding.code ?? '', displays.present(langs, true), count,
      options.langSummary(), match.whitespaceOnly);
  }
  state.message(text);
  state.report(severity, 'invalid', text, 'invalid-display', where);
}

/** Checks the display of a coding that is not in the value set but is known to its code system. */
export function checkDisplayOutsideValueSet(displays: Designations, defLang: string | undefined, coding: Coding, system: string,
  path: string, options: ValidationOptions, state: ValidationState): void {
  const display = coding.display!;
  const langs = options.workingLanguages();
  const match = displays.hasDisplay(langs, defLang, display, false);
  if (match.found) return;
  let severity: 'error' | 'warning' = options.displayWarning ? 'warning' : 'error';
  const count = displays.displayCount(langs, true);
  let text: Message;
  if (count === 0) {
    severity = 'warning';
    text = msg.noDisplayAtAll(display, system, coding.code ?? '');
  } else {
    text = msg.wrongDisplay(display, system, coding.code ?? '', displays.present(langs, true), count, options.langSummary(), match.whitespaceOnly);
  }
  state.message(text);
  state.report(severity, 'invalid', text, 'invalid-display', [addToPath(path, 'display')]);
}
