import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { RDS_CA_REGIONS, RDS_ROOT_CERTIFICATES } from '../src/aws/index.js';

// The Amazon RDS roots warmpool carries are what they claim to be, and the region list follows them.

const certificates = RDS_ROOT_CERTIFICATES.map((pem) => new X509Certificate(pem));
const commonName = (c: X509Certificate) => /CN=(.*)/.exec(c.subject)?.[1] ?? '';

describe('the Amazon RDS roots', () => {
  it('are self-signed certificate authorities of Amazon Web Services named "Amazon RDS … Root CA …"', () => {
    expect(certificates.length).toBeGreaterThan(0);
    for (const c of certificates) {
      expect(c.subject, commonName(c)).toBe(c.issuer);
      expect(c.ca, commonName(c)).toBe(true);
      expect(c.verify(c.publicKey), commonName(c)).toBe(true);
      expect(c.subject).toMatch(/^O=Amazon Web Services\\?, Inc\.$/m);
      expect(commonName(c)).toMatch(/^Amazon RDS .+ Root CA (RSA2048|RSA4096|ECC384) G1$/);
    }
  });

  it('are valid today and distinct, and none is already in Node\'s store', () => {
    const now = Date.now();
    const node = new Set(tls.rootCertificates.map((pem) => new X509Certificate(pem).fingerprint256));
    for (const c of certificates) {
      expect(Date.parse(c.validFrom) <= now && now < Date.parse(c.validTo), commonName(c)).toBe(true);
      expect(node.has(c.fingerprint256)).toBe(false);
    }
    expect(new Set(certificates.map((c) => c.fingerprint256)).size).toBe(certificates.length);
  });

  it('cover exactly RDS_CA_REGIONS, with the three roots (RSA2048, RSA4096, ECC384) of each', () => {
    const byRegion = new Map<string, string[]>();
    for (const c of certificates) {
      const match = /^Amazon RDS ([a-z]{2}(?:-[a-z]+)+-\d) Root CA (\S+) G1$/.exec(commonName(c));
      if (!match) continue; // the Beta and Preview endpoints' roots
      byRegion.set(match[1], [...(byRegion.get(match[1]) ?? []), match[2]].sort());
    }
    expect([...byRegion.keys()].sort()).toEqual([...RDS_CA_REGIONS].sort());
    for (const [region, kinds] of byRegion) expect(kinds, region).toEqual(['ECC384', 'RSA2048', 'RSA4096']);
  });
});
