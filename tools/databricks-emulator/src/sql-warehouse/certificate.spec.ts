import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createSelfSignedCertificate, integer } from './certificate.js';

describe('the warehouse certificate', () => {
  it('encodes an unsigned number as the one valid DER INTEGER', () => {
    const hex = (bytes: number[]) => integer(Buffer.from(bytes)).toString('hex');
    expect(hex([2])).toBe('020102');
    expect(hex([0])).toBe('020100');
    expect(hex([0, 0, 5])).toBe('020105'); // leading zeros dropped
    expect(hex([0x80])).toBe('02020080'); // a zero byte keeps a high first bit positive
    expect(hex([0, 0x80, 1])).toBe('0203008001');
    expect(hex([0, 0, 0x7f, 0xff])).toBe('02027fff');
  });

  it('makes certificates OpenSSL reads, whatever the random serial and key (300 of them)', () => {
    // With the serial's bytes taken as they came, about one certificate in 256 was refused ("illegal padding").
    for (let i = 0; i < 300; i++) {
      const { certificatePem, privateKeyPem } = createSelfSignedCertificate();
      const certificate = new X509Certificate(certificatePem);
      expect(certificate.subject).toBe('CN=localhost');
      expect(certificate.checkPrivateKey(createPrivateKey(privateKeyPem))).toBe(true);
      expect(certificate.checkIP('127.0.0.1')).toBe('127.0.0.1');
    }
  });
});
