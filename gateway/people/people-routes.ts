import type { Express, RequestHandler } from 'express';
import { postRecovery } from '../routes/post-recovery.js';
import { postRecoveryVerify } from '../routes/post-recovery-verify.js';
import { deleteHolderToken } from '../routes/delete-holder-token.js';
import { getSubjectRepresented } from '../routes/get-subject-represented.js';
import { getSignIn } from '../routes/get-sign-in.js';
import { postSignInCallback } from '../routes/post-sign-in-callback.js';
import type { RecoveryDeps } from './recovery.js';
import type { SignInDeps } from './oidc-sign-in.js';

/** The routes of issue 17 (people, not tokens), wired by app.ts on the public surface. */
export function peopleRoutes(app: Express, deps: RecoveryDeps & SignInDeps, json: RequestHandler | RequestHandler[]): void {
  app.post('/v1/recovery', json, postRecovery(deps));
  app.post('/v1/recovery/verify', json, postRecoveryVerify(deps));
  app.delete('/v1/holder-token', deleteHolderToken(deps));
  app.get('/v1/subjects/:subjectId/represented', getSubjectRepresented(deps));
  app.get('/v1/sign-in', getSignIn(deps));
  app.post('/v1/sign-in/callback', json, postSignInCallback(deps));
}
