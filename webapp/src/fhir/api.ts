import type Client from 'fhirclient/lib/Client';
import { problemOf, type Problem } from '../lib/errors';

/** A refusal or failure of a FHIR call, with the server's OperationOutcome in words. */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.messages.join(' '));
  }
}

export type Role = 'VA' | 'THERAPIST' | 'BILLER' | 'ADMIN' | 'PATIENT' | 'SYSTEM';

type Listener = () => void;

/**
 * Every FHIR call of the app, through fhirclient (which adds the token and refreshes it when it
 * expires). Errors become ApiError with the OperationOutcome's text; a session that can no longer
 * be refreshed is announced to the app (it offers to sign in again, keeping the page).
 */
export class Api {
  private sessionEndedListeners: Listener[] = [];

  constructor(
    readonly client: Client,
    readonly roles: Role[],
    readonly fhirUser: string | undefined,
  ) {}

  get role(): Role {
    for (const r of ['ADMIN', 'VA', 'BILLER', 'THERAPIST', 'PATIENT'] as Role[]) {
      if (this.roles.includes(r)) return r;
    }
    return 'SYSTEM';
  }

  onSessionEnded(listener: Listener): () => void {
    this.sessionEndedListeners.push(listener);
    return () => {
      this.sessionEndedListeners = this.sessionEndedListeners.filter((l) => l !== listener);
    };
  }

  async get<T>(path: string): Promise<T> {
    return this.call<T>(path, { method: 'GET' });
  }

  async post<T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    return this.call<T>(path, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/fhir+json', ...headers },
    });
  }

  async put<T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    return this.call<T>(path, {
      method: 'PUT',
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/fhir+json', ...headers },
    });
  }

  /** Every resource of a search, following next links (at most `pages` pages). */
  async search<T extends fhir4.Resource>(path: string, pages = 20): Promise<T[]> {
    const found: T[] = [];
    let next: string | undefined = path;
    for (let i = 0; next && i < pages; i++) {
      const bundle: fhir4.Bundle = await this.get<fhir4.Bundle>(next);
      for (const entry of bundle.entry ?? []) {
        if (entry.resource && (entry.search?.mode ?? 'match') === 'match') {
          found.push(entry.resource as T);
        }
      }
      next = bundle.link?.find((l) => l.relation === 'next')?.url;
    }
    return found;
  }

  /** A search's matches and what it included, by reference. */
  async searchWithIncludes(path: string): Promise<{ matches: fhir4.Resource[]; included: Map<string, fhir4.Resource> }> {
    const bundle = await this.get<fhir4.Bundle>(path);
    const matches: fhir4.Resource[] = [];
    const included = new Map<string, fhir4.Resource>();
    for (const entry of bundle.entry ?? []) {
      if (!entry.resource) continue;
      if ((entry.search?.mode ?? 'match') === 'match') {
        matches.push(entry.resource);
      } else {
        included.set(`${entry.resource.resourceType}/${entry.resource.id}`, entry.resource);
      }
    }
    return { matches, included };
  }

  private async call<T>(path: string, init: RequestInit): Promise<T> {
    try {
      return (await this.client.request<T>({ url: path, ...init, headers: { Accept: 'application/fhir+json', ...(init.headers as Record<string, string>) } } as never)) as T;
    } catch (e) {
      const error = await asApiError(e, this.role);
      if (error.problem.status === 401) {
        this.sessionEndedListeners.forEach((l) => l());
      }
      throw error;
    }
  }
}

async function asApiError(e: unknown, role: Role): Promise<ApiError> {
  const error = e as { status?: number; statusCode?: number; message?: string };
  const status = error.status ?? error.statusCode ?? (String(error.message).includes('refresh') ? 401 : 0);
  let body: unknown;
  const message = String(error.message ?? '');
  const json = message.indexOf('\n\n');
  if (json >= 0) {
    try {
      body = JSON.parse(message.slice(json + 2));
    } catch {
      body = undefined;
    }
  }
  return new ApiError(problemOf(status, body, role));
}
