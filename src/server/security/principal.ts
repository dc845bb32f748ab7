// Kafka principals: "User:<name>" (KafkaPrincipal.toString), the ANONYMOUS principal of
// unauthenticated connections, and the user name a TLS client certificate maps to
// (DefaultKafkaPrincipalBuilder with ssl.principal.mapping.rules, SslPrincipalMapper).
import type { X509Certificate } from 'node:crypto';

export const USER_TYPE = 'User';
export const ANONYMOUS = 'User:ANONYMOUS';

export function userPrincipal(name: string): string {
  return `${USER_TYPE}:${name}`;
}

/** The name part of "User:alice"; null when the string is not Type:name. */
export function principalName(principal: string): string | null {
  const i = principal.indexOf(':');
  return i > 0 ? principal.slice(i + 1) : null;
}

/**
 * A certificate subject as Java's X500Principal.getName() writes it (RFC 2253): the most specific
 * RDN first, separated by commas. Node lists the subject one RDN per line in certificate order
 * (least specific first), each already escaped as RFC 2253 asks (OpenSSL's ESC_2253).
 */
export function rfc2253Subject(cert: X509Certificate): string {
  return cert.subject.split('\n').filter((l) => l !== '').reverse().join(',');
}

interface Rule {
  readonly pattern: RegExp | null;
  readonly replacement: string;
  readonly toLower: boolean;
  readonly toUpper: boolean;
}

/**
 * ssl.principal.mapping.rules: "RULE:pattern/replacement/[LU]" entries, comma- or
 * newline-separated, tried in order; "DEFAULT" keeps the whole subject. No rule matching is an
 * error, as in Kafka (the connection is refused).
 */
export class SslPrincipalMapper {
  private readonly rules: Rule[];

  constructor(spec: string) {
    this.rules = parseRules(spec);
  }

  /** The user name for a subject; throws when no rule applies. */
  map(subject: string): string {
    for (const r of this.rules) {
      if (r.pattern === null) return subject;
      const m = r.pattern.exec(subject);
      if (!m || m[0] !== subject) continue;
      let name = subject.replace(r.pattern, javaReplacement(r.replacement));
      if (r.toLower) name = name.toLowerCase();
      else if (r.toUpper) name = name.toUpperCase();
      return name;
    }
    throw new Error(`no ssl.principal.mapping.rules rule matches the certificate subject "${subject}"`);
  }
}

const RULE = /^RULE:((?:\\.|[^\\/])*)\/((?:\\.|[^\\/])*)\/([LU]?)$/;

function parseRules(spec: string): Rule[] {
  const parts: string[] = [];
  // Rules are separated by commas outside a rule's pattern: a rule ends at its third slash (and flag).
  let rest = spec.trim();
  while (rest.length > 0) {
    if (rest.startsWith('DEFAULT')) {
      parts.push('DEFAULT');
      rest = rest.slice(7);
    } else if (rest.startsWith('RULE:')) {
      const m = /^RULE:((?:\\.|[^\\/])*)\/((?:\\.|[^\\/])*)\/([LU]?)/.exec(rest);
      if (!m) throw new Error(`invalid ssl.principal.mapping.rules at "${rest}"`);
      parts.push(m[0]);
      rest = rest.slice(m[0].length);
    } else {
      throw new Error(`invalid ssl.principal.mapping.rules at "${rest}"`);
    }
    rest = rest.replace(/^[\s,]+/, '');
  }
  if (parts.length === 0) parts.push('DEFAULT');
  return parts.map((p): Rule => {
    if (p === 'DEFAULT') return { pattern: null, replacement: '', toLower: false, toUpper: false };
    const m = RULE.exec(p)!;
    return { pattern: new RegExp(m[1]!), replacement: m[2]!, toLower: m[3] === 'L', toUpper: m[3] === 'U' };
  });
}

/** Java's $1 group references are JavaScript's too; a literal "\$" becomes "$$". */
function javaReplacement(s: string): string {
  return s.replace(/\\\$/g, '$$$$');
}
