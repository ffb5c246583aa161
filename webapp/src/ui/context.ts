import { createContext, useContext } from 'react';
import type { Api } from '../fhir/api';
import type { Practice } from '../fhir/practice';

export const ApiContext = createContext<Api | null>(null);
export const PracticeContext = createContext<Practice | null>(null);

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error('No session');
  return api;
}

export function usePractice(): Practice {
  const practice = useContext(PracticeContext);
  if (!practice) throw new Error('No practice');
  return practice;
}

/** What one screen asks another to open (kept in memory only, never in the URL or storage). */
const focus: { session?: string; group?: string } = {};

export function focusOn(screen: string, what: { session?: string; group?: string }): void {
  Object.assign(focus, what);
  window.location.hash = `#/${screen}`;
}

export function takeFocus(key: 'session' | 'group'): string | undefined {
  const value = focus[key];
  focus[key] = undefined;
  return value;
}
