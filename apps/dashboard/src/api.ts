// The dashboard's only way to the server: POST /graphql with the bearer token of the session.

const TOKEN_KEY = 'change-relay.token';

export interface FieldError {
  field: string;
  reason: string;
}

/** An error the API answered (or the network failure that kept it from answering). */
export class ApiError extends Error {
  constructor(
    message: string,
    /** GraphQL code (UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT, NOT_FOUND, …) or NETWORK. */
    readonly code: string,
    readonly details: FieldError[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Listeners told when the server refuses the token (expired, revoked): the app shows the login. */
const unauthenticatedListeners = new Set<() => void>();
export function onUnauthenticated(listener: () => void): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

interface GraphqlResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; details?: FieldError[] } }[];
}

export async function gql<T>(
  query: string,
  variables?: Record<string, unknown>,
  token: string | null = storedToken(),
): Promise<T> {
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError('The server cannot be reached. Is Change Relay running?', 'NETWORK');
  }
  let body: GraphqlResponse<T> & { message?: string };
  try {
    body = (await response.json()) as GraphqlResponse<T> & { message?: string };
  } catch {
    throw new ApiError(`The server answered ${response.status} without JSON`, 'NETWORK');
  }
  if (response.status === 401) {
    unauthenticatedListeners.forEach((listener) => listener());
    throw new ApiError(body.message ?? 'The token was not accepted', 'UNAUTHENTICATED');
  }
  const first = body.errors?.[0];
  if (first) {
    const code = first.extensions?.code ?? 'ERROR';
    throw new ApiError(first.message, code, first.extensions?.details ?? []);
  }
  if (!body.data) {
    throw new ApiError(`The server answered ${response.status} without data`, 'ERROR');
  }
  return body.data;
}

/** A sentence for an error, with what to do about the role-based ones. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    switch (error.code) {
      case 'FORBIDDEN':
        return `Not allowed: ${error.message}. Ask an admin for a token with that role.`;
      case 'UNAUTHENTICATED':
        return `Not signed in: ${error.message}`;
      default:
        return error.message;
    }
  }
  return error instanceof Error ? error.message : String(error);
}
