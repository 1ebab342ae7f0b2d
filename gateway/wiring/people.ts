import type { AppDeps } from '../app.js';
import { createSmsSender } from '../people/sms-sender.js';
import { recoveryLimits } from '../people/recovery-limits.js';
import { createOidcSignIn } from '../people/oidc-sign-in.js';
import type { Limits } from '../limits/limits.js';
import type { WiringContext } from './context.js';

/**
 * People, not tokens (issue 17): the sender of recovery codes (the SMS gateway, or the development
 * file), the recovery limits (shared, gateway/limits/), and the city's identity provider when one is configured.
 */
export function wirePeople({ config, now }: WiringContext, limits: Limits): Pick<AppDeps, 'smsSender' | 'recoveryLimits' | 'oidcSignIn'> {
  return { smsSender: createSmsSender(config), recoveryLimits: recoveryLimits(limits), oidcSignIn: createOidcSignIn(config, now) };
}
