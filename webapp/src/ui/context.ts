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
