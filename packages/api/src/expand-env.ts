/**
 * `$VAR` and `${VAR}` substitution as Go's os.ExpandEnv does it, which is what STUNner applies to a
 * config file (stunner-v1.md §1.3): unset names become empty, a `$` not followed by a name stays, and
 * malformed `${...` is dropped.
 */
export function expandEnv(text: string, env: Readonly<Record<string, string | undefined>>): string {
  let out = '';
  let i = 0;
  for (let j = 0; j < text.length; j++) {
    if (text[j] !== '$' || j + 1 >= text.length) continue;
    out += text.slice(i, j);
    const [name, width] = shellName(text.slice(j + 1));
    if (name === '' && width > 0) {
      // Invalid syntax such as `${}` or an unclosed `${`: the characters are eaten.
    } else if (name === '') {
      out += '$';
    } else {
      out += env[name] ?? '';
    }
    j += width;
    i = j + 1;
  }
  return out + text.slice(i);
}

const SPECIAL = '*#$@!?-0123456789';

function isNameChar(c: string): boolean {
  return c === '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

function shellName(s: string): [string, number] {
  if (s[0] === '{') {
    if (s.length > 2 && SPECIAL.includes(s[1]!) && s[2] === '}') return [s[1]!, 3];
    for (let i = 1; i < s.length; i++) {
      if (s[i] === '}') return i === 1 ? ['', 2] : [s.slice(1, i), i + 1];
    }
    return ['', 1];
  }
  if (SPECIAL.includes(s[0]!)) return [s[0]!, 1];
  let i = 0;
  while (i < s.length && isNameChar(s[i]!)) i++;
  return [s.slice(0, i), i];
}
