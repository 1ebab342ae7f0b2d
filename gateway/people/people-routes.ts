import type { Express, RequestHandler } from 'express';
import { postRecovery } from '../routes/post-recovery.js';
import { postRecoveryVerify } from '../routes/post-recovery-verify.js';
import { deleteHolderToken } from '../routes/delete-holder-token.js';
import { getSubjectRepresented } from '../routes/get-subject-represented.js';
import { getSignIn } from '../routes/get-sign-in.js';
import { postSignInCallback } from '../routes/post-sign-in-callback.js';
import type { RecoveryDeps } from './recovery.js';
import type { SignInDeps } from './oidc-sign-in.js';

/**
 * The routes of issue 17 (people, not tokens), wired by app.ts on the public surface. `ended`
 * (POLICY_END, issue 19 item 6): recovery and sign-in handle a phone number and a verified identity
 * only to get a code back, so once codes are no longer issued they answer 410 like the rest.
 */
export function peopleRoutes(app: Express, deps: RecoveryDeps & SignInDeps, json: RequestHandler | RequestHandler[], ended: RequestHandler[], limited: RequestHandler[]): void {
  app.post('/v1/recovery', ended, json, postRecovery(deps));
  app.post('/v1/recovery/verify', ended, json, postRecoveryVerify(deps));
  app.delete('/v1/holder-token', deleteHolderToken(deps));
  app.get('/v1/subjects/:subjectId/represented', getSubjectRepresented(deps));
  // Each start and each callback makes the gateway call the identity provider (discovery, the
  // token endpoint): the public budget per address keeps anyone from driving those calls without
  // end and getting the city's client throttled at its provider.
  app.get('/v1/sign-in', ended, limited, getSignIn(deps));
  app.post('/v1/sign-in/callback', ended, limited, json, postSignInCallback(deps));
}
