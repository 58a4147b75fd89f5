// Certificates for the admission webhook: a CA and a serving certificate for given DNS names and
// IP addresses, made with @peculiar/x509 over Node's WebCrypto (ECDSA P-256, no openssl). Used by
// `hahaha certs`, by the tests, by the local cluster, and by self-managed certificates in a cluster.

import { mkdir, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;

const { subtle } = globalThis.crypto;
x509.cryptoProvider.set(globalThis.crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;
/** Certificates start a little in the past so a node whose clock lags still accepts them. */
const BACKDATE = 5 * 60 * 1000;

export interface KeyPairPem {
  /** PEM certificate. */
  readonly cert: string;
  /** PEM PKCS#8 private key. */
  readonly key: string;
}

export interface Bundle {
  readonly ca: KeyPairPem;
  readonly serving: KeyPairPem;
}

export interface Lifetimes {
  /** Default 3650. */
  readonly caDays?: number;
  /** Overrides caDays, for short-lived CAs (tests of rotation). */
  readonly caMs?: number;
  /** Default 365. */
  readonly servingDays?: number;
  /** Overrides servingDays, for tests of rotation. */
  readonly servingMs?: number;
  readonly now?: Date;
}

async function keyToPem(key: CryptoKey): Promise<string> {
  const der = await subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function pemToKey(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decode(pem)[0];
  if (!der) throw new Error('no PEM block in the private key');
  return subtle.importKey('pkcs8', der, ALG, true, ['sign']);
}

const serial = (): string => Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');

export async function createCA(commonName = 'hahaha webhook CA', life: Lifetimes = {}): Promise<KeyPairPem> {
  const now = life.now ?? new Date();
  const keys = (await subtle.generateKey(ALG, true, ['sign', 'verify']));
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore: new Date(now.getTime() - BACKDATE),
    notAfter: new Date(now.getTime() + (life.caMs ?? (life.caDays ?? 3650) * DAY)),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await keyToPem(keys.privateKey) };
}

/** A serving certificate signed by `ca` for `hosts` (DNS names and IP addresses). */
export async function issueServing(ca: KeyPairPem, hosts: readonly string[], life: Lifetimes = {}): Promise<KeyPairPem> {
  if (hosts.length === 0) throw new Error('a serving certificate needs at least one host (DNS name or IP address)');
  return issueCert(ca, {
    commonName: hosts.find((h) => isIP(h) === 0) ?? (hosts[0] as string),
    hosts,
    usages: ['server'],
    lifetimeMs: life.servingMs ?? (life.servingDays ?? 365) * DAY,
    ...(life.now ? { now: life.now } : {}),
  });
}

export async function createBundle(hosts: readonly string[], life: Lifetimes = {}): Promise<Bundle> {
  const ca = await createCA(undefined, life);
  return { ca, serving: await issueServing(ca, hosts, life) };
}

/** File names in `dir`, as in a kubernetes.io/tls Secret (plus the CA's key, for renewal). */
export const FILES = { caCert: 'ca.crt', caKey: 'ca.key', cert: 'tls.crt', key: 'tls.key' } as const;

async function atomicWrite(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}

/** Write a bundle; each file appears whole (write then rename), keys readable by the owner only. */
export async function writeBundle(dir: string, b: Bundle): Promise<Record<keyof typeof FILES, string>> {
  await mkdir(dir, { recursive: true });
  const paths = {
    caCert: join(dir, FILES.caCert),
    caKey: join(dir, FILES.caKey),
    cert: join(dir, FILES.cert),
    key: join(dir, FILES.key),
  };
  await atomicWrite(paths.caCert, b.ca.cert, 0o644);
  await atomicWrite(paths.caKey, b.ca.key, 0o600);
  // Key first: a reader that sees the new certificate finds its key already there.
  await atomicWrite(paths.key, b.serving.key, 0o600);
  await atomicWrite(paths.cert, b.serving.cert, 0o644);
  return paths;
}

/** What a certificate from issueCert is for: TLS server, TLS client, or both. */
export type Usage = 'server' | 'client';

export interface IssueOptions {
  /** Subject CN; for a Kubernetes client certificate, the user name (e.g. system:kube-scheduler). */
  readonly commonName: string;
  /** Subject O values; for a Kubernetes client certificate, the groups (e.g. system:masters). */
  readonly organizations?: readonly string[];
  /** DNS names and IP addresses (subject alternative names); needed for a server certificate. */
  readonly hosts?: readonly string[];
  readonly usages: readonly Usage[];
  /** Default 365. */
  readonly days?: number;
  /** Overrides days. */
  readonly lifetimeMs?: number;
  readonly now?: Date;
}

/**
 * A general leaf certificate signed by `ca`: client, server or both, with the given subject CN and
 * O values. Used by the local cluster for its component identities (CN = user, O = groups).
 */
export async function issueCert(ca: KeyPairPem, o: IssueOptions): Promise<KeyPairPem> {
  const hosts = o.hosts ?? [];
  if (o.usages.length === 0) throw new Error('a certificate needs at least one usage (server or client)');
  if (o.usages.includes('server') && hosts.length === 0) throw new Error('a server certificate needs at least one host (DNS name or IP address)');
  const now = o.now ?? new Date();
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await pemToKey(ca.key);
  const keys = await subtle.generateKey(ALG, true, ['sign', 'verify']);
  const subject: Record<string, string[]>[] = [
    ...(o.organizations ?? []).map((org) => ({ O: [org] })),
    { CN: [o.commonName] },
  ];
  const ekus = o.usages.map((u) => (u === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - BACKDATE),
    notAfter: new Date(Math.min(now.getTime() + (o.lifetimeMs ?? (o.days ?? 365) * DAY), caCert.notAfter.getTime())),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(ekus),
      ...(hosts.length
        ? [new x509.SubjectAlternativeNameExtension(hosts.map((h) => ({ type: isIP(h) ? ('ip' as const) : ('dns' as const), value: h })))]
        : []),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { cert: cert.toString('pem'), key: await keyToPem(keys.privateKey) };
}

/** A bare ECDSA P-256 key pair (e.g. for signing service-account tokens): PKCS#8 and SPKI PEM. */
export async function createKeyPair(): Promise<{ readonly privateKey: string; readonly publicKey: string }> {
  const keys = await subtle.generateKey(ALG, true, ['sign', 'verify']);
  const spki = await subtle.exportKey('spki', keys.publicKey);
  return { privateKey: await keyToPem(keys.privateKey), publicKey: x509.PemConverter.encode(spki, 'PUBLIC KEY') };
}
