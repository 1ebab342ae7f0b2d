/**
 * The few parts of oidc-provider (a test-only dependency: the real OpenID provider the sign-in
 * tests run on loopback) that the tests use; the package ships no types.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface KoaContext {
    path: string;
    /** The answer's body, set by the provider's route (the token endpoint's JSON). */
    body?: unknown;
    req: IncomingMessage;
    res: ServerResponse;
  }

  interface InteractionDetails {
    uid: string;
    prompt: { name: string };
    params: Record<string, unknown>;
    session?: { accountId: string };
  }

  class Grant {
    constructor(options: { accountId: string; clientId: string });
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    Grant: typeof Grant;
    on(event: string, listener: (...args: any[]) => void): this;
    use(middleware: (ctx: KoaContext, next: () => Promise<unknown>) => unknown): void;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
  }
}
