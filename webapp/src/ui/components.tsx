import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../fhir/api';
import type { Problem } from '../lib/errors';

/** Runs an async load, with loading, error and reload. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): {
  data: T | undefined;
  error: Problem | undefined;
  loading: boolean;
  reload: () => void;
} {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Problem>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(undefined);
    load()
      .then((d) => live && setData(d))
      .catch((e) => live && setError(problemFrom(e)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { data, error, loading, reload: useCallback(() => setTick((t) => t + 1), []) };
}

export function problemFrom(e: unknown): Problem {
  if (e instanceof ApiError) {
    return e.problem;
  }
  return { status: 0, messages: [String((e as Error)?.message ?? e)], byField: {}, title: 'Something went wrong' };
}

/**
 * An action that cannot be sent twice: while it runs its button is disabled and says so; its
 * refusal is kept for display.
 */
export function useAction<A extends unknown[], R>(run: (...args: A) => Promise<R>) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem>();
  const running = useRef(false);
  const go = useCallback(
    async (...args: A): Promise<R | undefined> => {
      if (running.current) {
        return undefined;
      }
      running.current = true;
      setBusy(true);
      setProblem(undefined);
      try {
        return await run(...args);
      } catch (e) {
        setProblem(problemFrom(e));
        return undefined;
      } finally {
        running.current = false;
        setBusy(false);
      }
    },
    [run],
  );
  return { go, busy, problem, clear: () => setProblem(undefined) };
}

export function Loading({ what }: { what: string }) {
  return (
    <p role="status" aria-live="polite" className="muted">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="muted">{children}</p>;
}

export function ProblemBox({ problem, onRetry }: { problem: Problem | undefined; onRetry?: () => void }) {
  if (!problem) return null;
  return (
    <div className="alert error" role="alert">
      <h3>{problem.title}</h3>
      {problem.messages.length === 1 ? <p style={{ margin: 0 }}>{problem.messages[0]}</p> : (
        <ul>
          {problem.messages.map((m, i) => (
            <li key={i}>{m}</li>
          ))}
        </ul>
      )}
      {onRetry && (
        <p style={{ marginBottom: 0 }}>
          <button className="secondary" onClick={onRetry}>
            Try again
          </button>
        </p>
      )}
    </div>
  );
}

export function Notice({ kind, title, items }: { kind: 'ok' | 'warn' | 'info'; title?: string; items: string[] }) {
  if (items.length === 0 && !title) return null;
  return (
    <div className={`alert ${kind}`} role={kind === 'ok' ? 'status' : undefined}>
      {title && <h3>{title}</h3>}
      {items.length > 0 && (
        <ul>
          {items.map((m, i) => (
            <li key={i}>{m}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

let fieldIds = 0;
export function Field({
  label,
  error,
  hint,
  children,
}: {
  label: string;
  error?: string;
  hint?: string;
  children: (props: { id: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string }) => ReactNode;
}) {
  const id = useRef(`f${++fieldIds}`).current;
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {hint && (
        <div id={`${id}-hint`} className="hint">
          {hint}
        </div>
      )}
      {error && (
        <div id={`${id}-error`} className="error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

export function BusyButton({
  busy,
  children,
  busyText,
  ...props
}: { busy: boolean; busyText?: string } & React.ButtonHTMLAttributes<HTMLButtonElement>) {
  return (
    <button {...props} disabled={busy || props.disabled} aria-busy={busy}>
      {busy ? busyText ?? 'Working…' : children}
    </button>
  );
}

/** Explains what the user's role does not allow, instead of a raw 403. */
export function NotForRole({ what, who }: { what: string; who: string }) {
  return (
    <div className="alert info" role="note">
      <h3>Not part of your role</h3>
      <p style={{ margin: 0 }}>
        {what} {who}
      </p>
    </div>
  );
}
