/** A throw-away self-signed certificate for `localhost`, made with the openssl CLI. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface TestCertificate {
  cert: Buffer;
  key: Buffer;
}

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function makeLocalhostCertificate(): TestCertificate {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmrpc-tls-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost', '-keyout', keyFile, '-out', certFile],
      { stdio: 'ignore', timeout: 20_000 },
    );
    return { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
