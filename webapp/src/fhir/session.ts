import FHIR from 'fhirclient';
import type Client from 'fhirclient/lib/Client';
import { Api, type Role } from './api';

export const CLIENT_ID = 'va-app';
/** What the workspace asks for: the user's own data access, limited by their role, kept while they work. */
export const SCOPES = 'openid fhirUser offline_access user/*.cruds';

/** The FHIR server: the one that launched the app (iss), else the one serving it. */
export function defaultIss(): string {
  return `${window.location.origin}/fhir`;
}

/**
 * Starts or resumes the SMART session: completes a sign-in that just came back (code), resumes one
 * after a page reload, or starts the standalone launch (or the EHR launch when the URL carries
 * iss and launch). Resolves to null while the browser is redirected to sign in.
 */
export async function startSession(): Promise<Api | null> {
  const url = new URL(window.location.href);
  if (url.searchParams.get('reauth') === '1') {
    // A window opened to sign in again for a workspace whose session ended: start afresh (it
    // inherited the old session's storage), and hand the new tokens back when done.
    sessionStorage.clear();
    sessionStorage.setItem(REAUTH, '1');
    url.searchParams.delete('reauth');
    window.history.replaceState(null, '', url.pathname + url.search);
  }
  const client: Client = await FHIR.oauth2.init({
    clientId: CLIENT_ID,
    scope: SCOPES + (url.searchParams.has('launch') ? ' launch' : ''),
    iss: url.searchParams.get('iss') ?? defaultIss(),
    redirectUri: window.location.pathname,
    pkceMode: 'required',
    // The re-sign-in window finishes its own sign-in and hands the tokens back itself.
    completeInTarget: true,
  });
  if (!client) {
    return null;
  }
  if (sessionStorage.getItem(REAUTH) && window.opener) {
    sessionStorage.removeItem(REAUTH);
    (window.opener as Window).postMessage(
      { type: REAUTH, tokenResponse: client.state.tokenResponse, fhirUser: accessTokenClaims(client).fhirUser },
      window.location.origin,
    );
    window.close();
    return null;
  }
  const claims = accessTokenClaims(client);
  const roles = (Array.isArray(claims.roles) ? claims.roles : []).map((r: string) => r.toUpperCase()) as Role[];
  const fhirUser = (claims.fhirUser as string | undefined) ?? client.getFhirUser() ?? undefined;
  return new Api(client, roles, fhirUser);
}

const REAUTH = 'gt-reauth';

/** Opens a window to sign in again; the tokens come back to this page, which carries on. */
export function reauthenticate(api: Api, done: (ok: boolean, why?: string) => void): void {
  const listener = (event: MessageEvent) => {
    if (event.origin !== window.location.origin || event.data?.type !== REAUTH) {
      return;
    }
    window.removeEventListener('message', listener);
    if (api.fhirUser && event.data.fhirUser && event.data.fhirUser !== api.fhirUser) {
      done(false, 'You signed in as someone else: sign in as yourself to carry on.');
      return;
    }
    api.client.state.tokenResponse = event.data.tokenResponse;
    const key = sessionStorage.getItem('SMART_KEY');
    if (key) {
      sessionStorage.setItem(JSON.parse(key), JSON.stringify(api.client.state));
    }
    done(true);
  };
  window.addEventListener('message', listener);
  window.open(`${window.location.pathname}?reauth=1`, REAUTH, 'popup,width=560,height=700');
}

/** The access token's claims, read for display only (the server checks the token itself). */
export function accessTokenClaims(client: Client): Record<string, unknown> {
  const token = client.getState('tokenResponse.access_token') as string | undefined;
  if (!token) {
    return {};
  }
  try {
    const payload = token.split('.')[1].replaceAll('-', '+').replaceAll('_', '/');
    return JSON.parse(atob(payload.padEnd(payload.length + ((4 - (payload.length % 4)) % 4), '=')));
  } catch {
    return {};
  }
}

/** Signs out: revokes the refresh token (the whole sign-in) and forgets the session. */
export async function signOut(api: Api): Promise<void> {
  const refresh = api.client.getState('tokenResponse.refresh_token') as string | undefined;
  const revocation = `${new URL(api.client.state.serverUrl).origin}/oauth2/revoke`;
  if (refresh) {
    try {
      await fetch(revocation, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: refresh, client_id: CLIENT_ID }),
      });
    } catch {
      // Signing out still forgets the session here.
    }
  }
  sessionStorage.clear();
}
