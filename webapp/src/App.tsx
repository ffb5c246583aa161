import { lazy, Suspense, useEffect, useState } from 'react';
import type { Api } from './fhir/api';
import { loadPractice, humanName, type Practice } from './fhir/practice';
import { reauthenticate, startSession, signOut } from './fhir/session';
import { Loading, ProblemBox, problemFrom, useAsync } from './ui/components';
import { PracticeContext, ApiContext } from './ui/context';
import { SchedulingHub } from './features/hub/SchedulingHub';
import { TherapistCalendar } from './features/calendar/TherapistCalendar';
import { GroupRoster } from './features/roster/GroupRoster';
import { IntakeBoard } from './features/intake/IntakeBoard';
import { Attendance } from './features/attendance/Attendance';
import { Billing } from './features/billing/Billing';
import { Messages } from './features/messages/Messages';
// Reports (and ECharts) load when first opened: the hub does not wait for them.
const Reports = lazy(() => import('./features/reports/Reports'));
import type { Problem } from './lib/errors';

export const SCREENS = [
  { path: 'hub', title: 'Scheduling hub', view: SchedulingHub },
  { path: 'calendar', title: 'Therapist calendar', view: TherapistCalendar },
  { path: 'roster', title: 'Group roster', view: GroupRoster },
  { path: 'intake', title: 'Intake board', view: IntakeBoard },
  { path: 'attendance', title: 'Attendance', view: Attendance },
  { path: 'billing', title: 'Billing', view: Billing },
  { path: 'messages', title: 'Messages', view: Messages },
  { path: 'reports', title: 'Reports', view: Reports },
] as const;

function currentScreen(): string {
  const path = window.location.hash.replace(/^#\/?/, '');
  return SCREENS.some((s) => s.path === path) ? path : 'hub';
}

/** The workspace: sign-in, then one screen at a time beside the navigation. */
export function App() {
  const [api, setApi] = useState<Api | null>();
  const [startProblem, setStartProblem] = useState<Problem>();
  const [signedOut, setSignedOut] = useState(false);

  useEffect(() => {
    startSession()
      .then(setApi)
      .catch((e) => setStartProblem(problemFrom(e)));
  }, []);

  if (signedOut) {
    return (
      <main>
        <h2>You have signed out</h2>
        <p>Your session has been ended on the server too.</p>
        <button onClick={() => window.location.assign(window.location.pathname)}>Sign in again</button>
      </main>
    );
  }
  if (startProblem) {
    return (
      <main>
        <h2>Could not start the workspace</h2>
        <ProblemBox problem={startProblem} />
        <button onClick={() => { sessionStorage.clear(); window.location.assign(window.location.pathname); }}>Sign in again</button>
      </main>
    );
  }
  if (!api) {
    return (
      <main>
        <Loading what="your workspace" />
      </main>
    );
  }
  return <Workspace api={api} onSignedOut={() => setSignedOut(true)} />;
}

function Workspace({ api, onSignedOut }: { api: Api; onSignedOut: () => void }) {
  const [screen, setScreen] = useState(currentScreen());
  const [sessionEnded, setSessionEnded] = useState(false);
  const [reauthProblem, setReauthProblem] = useState<string>();
  const practice = useAsync<Practice>(() => loadPractice(api), [api]);
  const me = useAsync(
    () => (api.fhirUser ? api.get<fhir4.Practitioner>(api.fhirUser).catch(() => undefined) : Promise.resolve(undefined)),
    [api],
  );

  useEffect(() => {
    const onHash = () => setScreen(currentScreen());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => api.onSessionEnded(() => setSessionEnded(true)), [api]);

  const Current = SCREENS.find((s) => s.path === screen)!;
  useEffect(() => {
    document.title = `${Current.title} · VA workspace`;
  }, [Current]);

  return (
    <ApiContext.Provider value={api}>
      <a className="skip" href="#content">
        Skip to content
      </a>
      <div className="shell">
        <nav className="side" aria-label="Workspace">
          <h1>Riverbend VA workspace</h1>
          <ul>
            {SCREENS.map((s) => (
              <li key={s.path}>
                <a href={`#/${s.path}`} aria-current={s.path === screen ? 'page' : undefined}>
                  {s.title}
                </a>
              </li>
            ))}
          </ul>
          <div className="who">
            Signed in as {me.data ? humanName(me.data.name) : api.fhirUser ?? 'a user'} ({api.role.toLowerCase()})
            <br />
            <button
              className="secondary"
              onClick={async () => {
                await signOut(api);
                onSignedOut();
              }}
            >
              Sign out
            </button>
          </div>
        </nav>
        <main id="content" tabIndex={-1}>
          {sessionEnded && (
            <div className="alert warn" role="alert">
              <h3>Your session has ended</h3>
              <p>
                Sign in again in the window that opens, then carry on: what you entered here stays on this
                page.{' '}
                <button
                  className="secondary"
                  onClick={() =>
                    reauthenticate(api, (ok, why) => {
                      if (ok) setSessionEnded(false);
                      else setReauthProblem(why);
                    })
                  }
                >
                  Sign in again
                </button>
              </p>
              {reauthProblem && <p className="error-text">{reauthProblem}</p>}
            </div>
          )}
          <h2>{Current.title}</h2>
          {practice.loading && <Loading what="the practice" />}
          <ProblemBox problem={practice.error} onRetry={practice.reload} />
          {practice.data && (
            <PracticeContext.Provider value={practice.data}>
              <Suspense fallback={<Loading what="the screen" />}>
                <Current.view />
              </Suspense>
            </PracticeContext.Provider>
          )}
        </main>
      </div>
    </ApiContext.Provider>
  );
}
