/** Profiling a window of this process's own run through node:inspector (no start-up, no warm-up in it). */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T))));
}

/** Starts the profiler (100 us sampling); the returned function stops it and writes the profile to `file`. */
export async function startProfile(file: string): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: 100 });
  await post(session, 'Profiler.start');
  return async () => {
    const { profile } = await post<{ profile: object }>(session, 'Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}
