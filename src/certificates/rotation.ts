// Self-managed webhook certificates, the decision: given what the Secret holds now, is the CA
// missing, unusable or due for renewal, and is the serving certificate missing, unusable, for
// other hosts, not signed by the CA, or due for renewal? Also the caBundle the webhook
// configurations must carry: the CA, plus the previous CA while it is still valid, so that a CA
// rotation never leaves the apiserver trusting neither the old leaf nor the new one.
// Pure (parsing PEM with node:crypto is computation, not I/O).

import { X509Certificate, createPrivateKey } from 'node:crypto';

export interface StoredCerts {
  readonly caCert?: string;
  readonly caKey?: string;
  readonly cert?: string;
  readonly key?: string;
  /** The CA before the last rotation, kept in the bundle until it expires. */
  readonly previousCa?: string;
}

export interface CertPolicy {
  readonly hosts: readonly string[];
  readonly caLifetimeMs: number;
  readonly certLifetimeMs: number;
  readonly renewBeforeMs: number;
}

export interface CertDecision {
  readonly ca: 'keep' | 'create' | 'rotate';
  readonly leaf: 'keep' | 'issue';
  /** Why, for the log. */
  readonly reasons: readonly string[];
}

/** Secret data keys. */
export const KEYS = { caCert: 'ca.crt', caKey: 'ca.key', cert: 'tls.crt', key: 'tls.key', previousCa: 'ca-previous.crt' } as const;

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

/** Is this text a PEM certificate? */
export const isCertificate = (pem: string | undefined): boolean => parse(pem) !== undefined;

/** The hosts a certificate is for (DNS names and IP addresses of its SAN). */
export function certHosts(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim())
    .map((s) => s.replace(/^(DNS|IP Address):/, ''))
    .filter(Boolean);
}

export function decideCerts(s: StoredCerts, p: CertPolicy, now: Date): CertDecision {
  const reasons: string[] = [];
  const ca = parse(s.caCert);
  const t = now.getTime();
  let caDecision: CertDecision['ca'] = 'keep';
  if (!ca || !ca.ca || !matchesKey(ca, s.caKey)) {
    caDecision = 'create';
    reasons.push(s.caCert ? 'the stored CA is not usable' : 'no CA yet');
  } else if (Date.parse(ca.validTo) - t <= p.renewBeforeMs) {
    caDecision = 'rotate';
    reasons.push(`the CA expires ${ca.validTo}`);
  }
  if (caDecision !== 'keep') return { ca: caDecision, leaf: 'issue', reasons: [...reasons, 'a new CA needs a new serving certificate'] };

  const leaf = parse(s.cert);
  if (!leaf || !matchesKey(leaf, s.key)) reasons.push(s.cert ? 'the stored serving certificate is not usable' : 'no serving certificate yet');
  else if (!ca || !leaf.verify(ca.publicKey)) reasons.push('the serving certificate is not signed by the CA');
  else if (Date.parse(leaf.validTo) - t <= p.renewBeforeMs) reasons.push(`the serving certificate expires ${leaf.validTo}`);
  else if ([...certHosts(leaf)].sort().join(',') !== [...p.hosts].sort().join(',')) reasons.push(`the serving certificate is for ${certHosts(leaf).join(', ')}, not ${p.hosts.join(', ')}`);
  return { ca: 'keep', leaf: reasons.length ? 'issue' : 'keep', reasons };
}

/** The PEM bundle for the webhook configurations' caBundle: the CA and a still-valid previous CA. */
export function caBundle(s: StoredCerts, now: Date): string {
  const prev = parse(s.previousCa);
  const keepPrev = prev && Date.parse(prev.validTo) > now.getTime() && s.previousCa !== s.caCert;
  return [s.caCert, keepPrev ? s.previousCa : undefined].filter((x): x is string => !!x).map((x) => x.trim()).join('\n') + '\n';
}

/** When to look again: well before the earliest renewal point, at most a minute away. */
export function nextCheckMs(s: StoredCerts, p: CertPolicy, now: Date): number {
  const expiries = [parse(s.caCert), parse(s.cert)].filter((c): c is X509Certificate => !!c).map((c) => Date.parse(c.validTo) - p.renewBeforeMs - now.getTime());
  const soonest = Math.min(60_000, ...expiries);
  return Math.max(1000, Math.min(soonest, Math.max(1000, p.renewBeforeMs / 4)));
}
