// Self-managed webhook certificates, the decision. No CA key is ever kept: since hahaha publishes
// the caBundle itself, each issue of the serving certificate makes a fresh CA that lives as long as
// the certificate, signs it, and throws the CA's key away. The bundle trusts the new CA before
// anything signed by it is served, and keeps each previous CA until it expires, so that replicas
// still serving the previous certificate keep working through a rotation.
// Given what the Secret holds now: must a certificate be issued (none, unusable, for other hosts,
// not signed by the stored CA, due for renewal, or a CA key left at rest by an older hahaha)?
// Pure (parsing PEM with node:crypto is computation, not I/O).

import { X509Certificate, createPrivateKey } from 'node:crypto';

export interface StoredCerts {
  readonly caCert?: string;
  readonly cert?: string;
  readonly key?: string;
  /** CAs before the last rotations (PEMs), kept in the bundle until they expire. */
  readonly previousCas?: string;
  /** A CA key an older hahaha kept in the Secret: it goes at the next write. */
  readonly caKeyAtRest?: boolean;
}

export interface CertPolicy {
  readonly hosts: readonly string[];
  readonly certLifetimeMs: number;
  readonly renewBeforeMs: number;
}

export interface CertDecision {
  readonly issue: boolean;
  /** Why, for the log. */
  readonly reasons: readonly string[];
}

/** Secret data keys (ca.key only to remove what an older hahaha kept). */
export const KEYS = { caCert: 'ca.crt', caKey: 'ca.key', cert: 'tls.crt', key: 'tls.key', previousCas: 'ca-previous.crt' } as const;

function parse(pem: string | undefined): X509Certificate | undefined {
  if (!pem) return undefined;
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

function matchesKey(cert: X509Certificate, keyPem: string | undefined): boolean {
  if (!keyPem) return false;
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/** The certificates of a PEM bundle. */
export function splitPem(pem: string | undefined): string[] {
  return (pem ?? '').match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

/** The hosts a certificate is for (DNS names and IP addresses of its SAN). */
export function certHosts(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim())
    .map((s) => s.replace(/^(DNS|IP Address):/, ''))
    .filter(Boolean);
}

export function decideCerts(stored: StoredCerts, policy: CertPolicy, now: Date): CertDecision {
  const t = now.getTime();
  const ca = parse(stored.caCert);
  const leaf = parse(stored.cert);
  const why = ((): string | undefined => {
    if (stored.caKeyAtRest) return 'a CA key is at rest in the Secret: issuing from a CA whose key is not kept';
    if (!leaf || !matchesKey(leaf, stored.key)) return stored.cert ? 'the stored serving certificate is not usable' : 'no serving certificate yet';
    if (!ca || !ca.ca || !leaf.verify(ca.publicKey)) return 'the serving certificate is not signed by the stored CA';
    if (Math.min(Date.parse(leaf.validTo), Date.parse(ca.validTo)) - t <= policy.renewBeforeMs) return `the serving certificate expires ${leaf.validTo}`;
    if ([...certHosts(leaf)].sort().join(',') !== [...policy.hosts].sort().join(',')) return `the serving certificate is for ${certHosts(leaf).join(', ')}, not ${policy.hosts.join(', ')}`;
    return undefined;
  })();
  return { issue: why !== undefined, reasons: why ? [why] : [] };
}

/** The CAs still worth trusting after `current` replaces the stored CA: the stored one and the previous ones that have not expired. */
export function previousAfterRotation(stored: StoredCerts, current: string, now: Date): string | undefined {
  const keep = [stored.caCert, ...splitPem(stored.previousCas)]
    .filter((pem): pem is string => !!pem && pem.trim() !== current.trim())
    .filter((pem) => {
      const c = parse(pem);
      return c !== undefined && Date.parse(c.validTo) > now.getTime();
    })
    .map((pem) => pem.trim());
  const unique = [...new Set(keep)];
  return unique.length ? `${unique.join('\n')}\n` : undefined;
}

/** The PEM bundle for the webhook configurations' caBundle: the CA and the previous CAs still valid. */
export function caBundle(stored: StoredCerts, now: Date): string {
  const previous = splitPem(previousAfterRotation(stored, stored.caCert ?? '', now));
  return [stored.caCert, ...previous].filter((x): x is string => !!x).map((x) => x.trim()).join('\n') + '\n';
}

/** When to look again: well before the renewal point, at most a minute away. */
export function nextCheckMs(stored: StoredCerts, policy: CertPolicy, now: Date): number {
  const expiries = [parse(stored.caCert), parse(stored.cert)].filter((c): c is X509Certificate => !!c).map((c) => Date.parse(c.validTo) - policy.renewBeforeMs - now.getTime());
  const soonest = Math.min(60_000, ...expiries);
  return Math.max(1000, Math.min(soonest, Math.max(1000, policy.renewBeforeMs / 4)));
}
