/**
 * `--filter PATTERN` matching against `suite/caseId`. A pattern with `*` or `?` is a glob
 * (`*` any run of characters, `?` one character; anchored, matched against `suite/caseId`
 * and against `caseId` alone); `/re/` is a regular expression;
 * anything else is a case-sensitive substring. Several patterns separated by `,` are OR-ed.
 */
import { OptionError } from '@x86kit/core';

/** Compile a filter pattern into a predicate over `suite/caseId` keys. */
export function compileFilter(pattern: string | undefined): (key: string) => boolean {
  if (pattern === undefined || pattern === '') return () => true;
  const parts = pattern.split(',').filter((p) => p !== '');
  const preds = parts.map((p): ((key: string) => boolean) => {
    if (p.length >= 2 && p.startsWith('/') && p.endsWith('/')) {
      let re: RegExp;
      try {
        re = new RegExp(p.slice(1, -1));
      } catch {
        throw new OptionError('OPTION_INVALID', `--filter ${p} is not a valid regular expression`);
      }
      return (key) => re.test(key);
    }
    if (/[*?]/.test(p)) {
      const src = p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
      const re = new RegExp(`^${src}$`);
      return (key) => re.test(key) || re.test(key.slice(key.indexOf('/') + 1));
    }
    return (key) => key.includes(p);
  });
  return (key) => preds.some((f) => f(key));
}
