/**
 * Test certificates, made at test time with Debian's openssl into a temporary directory: a CA,
 * a broker certificate for 127.0.0.1 / localhost, and client certificates with chosen subjects.
 *
 *   const pki = makePki();            // pki.ca, pki.server.{cert,key,pem}, pki.client('CN=alice')
 *   pki.cleanup();
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertFiles {
  cert: string;
  key: string;
  /** Key and certificate in one PEM file (ssl.keystore.location with ssl.keystore.type=PEM). */
  pem: string;
}

export interface Pki {
  dir: string;
  /** The CA certificate (PEM file). */
  ca: string;
  server: CertFiles;
  /** A client certificate signed by the CA with this subject ("/CN=alice/O=samsa"). */
  client(subject: string, name?: string): CertFiles;
  /** A self-signed certificate the CA did not sign. */
  stranger(subject: string): CertFiles;
  cleanup(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-pki-'));
  const ca = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', ca, '-days', '2', '-subj', '/CN=Samsa Test CA'], dir);
  let serial = 1;
  const sign = (name: string, subject: string, ext: string | null, signed: boolean): CertFiles => {
    const key = join(dir, `${name}.key`);
    const cert = join(dir, `${name}.crt`);
    const csr = join(dir, `${name}.csr`);
    if (!signed) {
      openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', subject], dir);
    } else {
      openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', subject], dir);
      const args = ['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-set_serial', String(serial++), '-out', cert, '-days', '2'];
      if (ext) {
        const extFile = join(dir, `${name}.ext`);
        writeFileSync(extFile, ext);
        args.push('-extfile', extFile);
      }
      openssl(args, dir);
    }
    const pem = join(dir, `${name}.pem`);
    writeFileSync(pem, readFileSync(key, 'utf8') + readFileSync(cert, 'utf8'));
    return { cert, key, pem };
  };
  const server = sign('server', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n', true);
  let clients = 0;
  return {
    dir,
    ca,
    server,
    client: (subject, name) => sign(name ?? `client${clients++}`, subject, 'extendedKeyUsage=clientAuth\n', true),
    stranger: (subject) => sign(`stranger${clients++}`, subject, null, false),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
