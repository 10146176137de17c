import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';

/** A throw-away TLS identity: PEM certificate and private key, kept in memory only. */
export interface SelfSignedCertificate {
  certificatePem: string;
  privateKeyPem: string;
}

/**
 * A self-signed X.509 v3 certificate for `localhost` / 127.0.0.1 / ::1 with a fresh P-256 key, valid for one day.
 *
 * The driver only speaks HTTPS, and the workspace must not depend on an `openssl` binary or a committed key,
 * so the certificate is DER-encoded here (Node can sign but not build certificates). Clients either skip
 * verification (`checkServerCertificate: false`) or trust exactly this certificate (`customCaCert`).
 */
export function createSelfSignedCertificate(commonName = 'localhost', now = new Date()): SelfSignedCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ecdsaWithSha256 = sequence(oid('1.2.840.10045.4.3.2'));
  const name = sequence(set(sequence(oid('2.5.4.3'), tlv(0x0c, Buffer.from(commonName, 'utf8')))));
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now.getTime() + 24 * 3600_000);
  const serial = randomBytes(16);
  const subjectAltName = sequence(
    tlv(0x82, Buffer.from('localhost', 'ascii')),
    tlv(0x87, Buffer.from([127, 0, 0, 1])),
    tlv(0x87, Buffer.concat([Buffer.alloc(15), Buffer.from([1])])),
  );
  const extensions = tlv(
    0xa3,
    sequence(
      sequence(oid('2.5.29.19'), tlv(0x01, Buffer.from([0xff])), octetString(sequence(tlv(0x01, Buffer.from([0xff]))))),
      sequence(oid('2.5.29.17'), octetString(subjectAltName)),
    ),
  );
  const tbsCertificate = sequence(
    tlv(0xa0, integer(Buffer.from([2]))), // version 3
    integer(serial), // a positive INTEGER, however its random bytes begin
    ecdsaWithSha256,
    name,
    sequence(utcTime(notBefore), utcTime(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const signature = sign('sha256', tbsCertificate, privateKey);
  const certificate = sequence(
    tbsCertificate,
    ecdsaWithSha256,
    tlv(0x03, Buffer.concat([Buffer.from([0]), signature])),
  );
  return {
    certificatePem: pem('CERTIFICATE', certificate),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function tlv(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let header: Buffer;
  if (length < 0x80) header = Buffer.from([tag, length]);
  else if (length < 0x100) header = Buffer.from([tag, 0x81, length]);
  else header = Buffer.from([tag, 0x82, length >> 8, length & 0xff]);
  return Buffer.concat([header, content]);
}

const sequence = (...parts: Buffer[]): Buffer => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]): Buffer => tlv(0x31, Buffer.concat(parts));
const octetString = (content: Buffer): Buffer => tlv(0x04, content);
/**
 * A DER INTEGER of the unsigned big-endian number `bigEndian`, in its one valid form: no leading zero byte unless
 * the next byte's high bit would otherwise make it negative. (OpenSSL refuses any other as "illegal padding": a
 * random serial whose first byte was 0 and second below 0x80 did so about once in 256 certificates.)
 */
export function integer(bigEndian: Buffer): Buffer {
  let start = 0;
  while (start + 1 < bigEndian.length && bigEndian[start] === 0) start++;
  const digits = bigEndian.subarray(start);
  return tlv(0x02, digits.length > 0 && digits[0] & 0x80 ? Buffer.concat([Buffer.from([0]), digits]) : digits);
}

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let value = arc >> 7; value > 0; value >>= 7) base128.unshift((value & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z'; // YYMMDDHHMMSSZ
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
