// What a username may be (issue 10): one that reads as what it is. Unicode has many ways to
// make two strings look alike — composed and decomposed accents, zero-width and bidirectional
// marks, control characters, broken UTF-16 — so a username is kept in NFC (Unicode
// normalisation form C) and may hold none of the invisible or control characters.

/** The form a username (or the account a user types) is stored and compared in. */
export const normalizeAccount = (account: string) => account.normalize('NFC');

const hex = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

// Cf: format characters (zero-width space and joiners, bidirectional controls, the soft
// hyphen, the BOM…); Zl/Zp: line and paragraph separators; and the blank letters Unicode
// renders as nothing (Hangul fillers, the Braille blank).
const INVISIBLE = /[\p{Cf}\p{Zl}\p{Zp}\u115F\u1160\u2800\u3164\uFFA0]/u;

/** Null when the username is acceptable, else which rule it breaks (after "must"). */
export function usernameProblem(username: string): string | null {
  if (!username.isWellFormed()) return 'must be valid Unicode: no lone surrogate (half of a UTF-16 pair)';
  const control = /\p{Cc}/u.exec(username);
  if (control) return `must not contain control characters (${hex(control[0])})`;
  const invisible = INVISIBLE.exec(username);
  if (invisible) return `must not contain invisible characters (${hex(invisible[0])})`;
  return null;
}
