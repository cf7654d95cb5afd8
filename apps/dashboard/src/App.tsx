import { useEffect, useId, useState } from 'react';
import { describeError, forgetToken, gql, onUnauthenticated, storedToken, storeToken } from './api';
import { ErrorBox, Loading } from './components/ui';
import { useRoute } from './hooks';
import { DeadLetters } from './views/DeadLetters';
import { Overview } from './views/Overview';
import { SubscriptionDetail } from './views/SubscriptionDetail';
import { SubscriptionForm } from './views/SubscriptionForm';
import { Subscriptions } from './views/Subscriptions';

interface About {
  version: string;
  serviceName: string;
  instanceId: string;
  backend: string;
}

const ABOUT = '{ about { version serviceName instanceId backend } }';

export function App() {
  const [token, setToken] = useState(storedToken);
  const [about, setAbout] = useState<About>();
  const [checkError, setCheckError] = useState<unknown>();

  useEffect(() => onUnauthenticated(() => setToken(null)), []);

  useEffect(() => {
    if (!token) return;
    gql<{ about: About }>(ABOUT, undefined, token).then(
      (answer) => setAbout(answer.about),
      setCheckError,
    );
  }, [token]);

  if (!token) {
    return (
      <Login
        onLogin={(accepted, info) => {
          storeToken(accepted);
          setAbout(info);
          setCheckError(undefined);
          setToken(accepted);
        }}
      />
    );
  }
  const signOut = () => {
    forgetToken();
    setAbout(undefined);
    setToken(null);
  };
  return (
    <>
      <a
        className="skip"
        href="#main"
        onClick={(event) => {
          // The hash is the router's: move the focus without navigating to a "main" route.
          event.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <Nav about={about} onSignOut={signOut} />
      <main id="main" tabIndex={-1}>
        {checkError !== undefined && !about ? (
          <ErrorBox error={checkError} retry={() => window.location.reload()} />
        ) : (
          <Routes />
        )}
      </main>
    </>
  );
}

function Routes() {
  const [section, name, sub] = useRoute();
  switch (section) {
    case undefined:
    case 'overview':
      return <Overview />;
    case 'subscriptions':
      if (name === 'new') return <SubscriptionForm />;
      if (name && sub === 'edit') return <SubscriptionForm key={name} name={name} />;
      if (name) return <SubscriptionDetail key={name} name={name} />;
      return <Subscriptions />;
    case 'dead-letters':
      return <DeadLetters />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            There is no page here. <a href="#/">Back to the overview</a>
          </p>
        </section>
      );
  }
}

function Nav({ about, onSignOut }: { about?: About; onSignOut: () => void }) {
  const [section] = useRoute();
  const link = (href: string, label: string, active: boolean) => (
    <a href={href} aria-current={active ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <header className="topbar">
      <div className="brand">
        <img src="/favicon.svg" alt="" width="24" height="24" />
        <span>Change Relay</span>
      </div>
      <nav aria-label="Main">
        {link('#/', 'Overview', section === undefined || section === 'overview')}
        {link('#/subscriptions', 'Subscriptions', section === 'subscriptions')}
        {link('#/dead-letters', 'Dead letters', section === 'dead-letters')}
      </nav>
      <div className="topbar-end">
        {about ? (
          <span className="muted" title={`instance ${about.instanceId}, backend ${about.backend}`}>
            {about.serviceName} v{about.version}
          </span>
        ) : (
          <Loading what="" />
        )}
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}

function Login({ onLogin }: { onLogin: (token: string, about: About) => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await gql<{ about: About }>(ABOUT, undefined, value.trim());
      onLogin(value.trim(), answer.about);
    } catch (failure) {
      setError(describeError(failure));
      setBusy(false);
    }
  };

  return (
    <main className="login" id="main">
      <form
        className="card"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <h1>Change Relay</h1>
        <p className="muted">
          Sign in with an API token: <code>ADMIN_TOKEN</code>, the token printed at the first start,
          or one from <code>/api/v1/tokens</code>. Viewers read, operators also pause, resume, reset
          and replay.
        </p>
        <label htmlFor={id}>API token</label>
        <input
          id={id}
          type="password"
          autoComplete="off"
          value={value}
          onChange={(event) => setValue(event.target.value)}
          required
          autoFocus
          aria-invalid={error !== undefined}
        />
        {error && (
          <p className="field-errors" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy || value.trim() === ''}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
        <p className="muted small">The token stays in this browser tab only (session storage).</p>
      </form>
    </main>
  );
}
