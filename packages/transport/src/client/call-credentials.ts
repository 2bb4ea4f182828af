/**
 * Call credentials of a call (its own composed with the channel's): the metadata they generate
 * for the call's service URL and method, merged into a copy of the call's metadata.
 */
import { Metadata, status as Status, type CallCredentials, type StatusObject } from '@grpc/grpc-js';

/**
 * Resolves with the call's metadata plus what `credentials` generate; rejects with the status the
 * call ends with when they fail (their error's numeric `code`, else UNAVAILABLE), as grpc-js does.
 */
export async function withCallCredentials(metadata: Metadata, credentials: CallCredentials, secure: boolean, authority: string, method: string): Promise<Metadata> {
  const merged = metadata.clone();
  const [, service = '', name = ''] = method.split('/');
  try {
    merged.merge(await credentials.generateMetadata({ service_url: `${secure ? 'https' : 'http'}://${authority}/${service}`, method_name: name }));
  } catch (error) {
    const code = typeof (error as { code?: unknown }).code === 'number' ? (error as { code: Status }).code : Status.UNAVAILABLE;
    const status: Pick<StatusObject, 'code' | 'details'> = { code, details: `Getting metadata from plugin failed with error: ${(error as Error).message}` };
    throw status;
  }
  return merged;
}
