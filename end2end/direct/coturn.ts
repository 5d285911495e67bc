import { spawn, type ChildProcess } from 'node:child_process';

// A coturn for this run's network namespace (TURN, SPEC §14), with a
// secret only it and the relay know.

export const SECRET = `turn-secret-${Math.random().toString(36).slice(2)}`;

/** coturn on 198.18.0.1:3478 (UDP); resolves once it listens, with its log. */
export async function startCoturn(): Promise<{ child: ChildProcess; log: string[] }> {
  const child = spawn('turnserver', [
    '-n', '-v', '--listening-ip=198.18.0.1', '--relay-ip=198.18.0.1', '--use-auth-secret',
    `--static-auth-secret=${SECRET}`, '--realm=test', '--no-tls', '--no-dtls', '-p', '3478',
    '--no-cli', '--log-file=stdout', '--allowed-peer-ip=198.18.0.0-198.19.255.255',
  ]);
  const log: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`coturn did not start:\n${log.join('')}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      log.push(chunk.toString());
      if (/UDP listener opened on\s*:\s*198\.18\.0\.1:3478/.test(log.join(''))) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`coturn exited with ${code}:\n${log.join('')}`)));
  });
  return { child, log };
}
