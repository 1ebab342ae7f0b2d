import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { jsonBody } from './http/json-body.js';
import { errorHandler, notFound } from './http/error-handler.js';
import { requestLog } from './http/request-log.js';
import { JWKS_PATH, METADATA_PATH, STATUS_PATH } from './issuer/issuer-metadata.js';
import { getJwks } from './routes/get-jwks.js';
import { getIssuerMetadata } from './routes/get-issuer-metadata.js';
import { getCredentialStatus } from './routes/get-credential-status.js';
import { getTrustBundle } from './routes/get-trust-bundle.js';
import { TRUST_BUNDLE_PATH } from './trust/trust-bundle-typ.js';
import { postDeclarations } from './routes/post-declarations.js';
import { putSubjectDeclaration } from './routes/put-subject-declaration.js';
import { postSubjectCheckIns } from './routes/post-subject-check-ins.js';
import { getSubjectColor } from './routes/get-subject-color.js';
import { getSubjectDeclaration } from './routes/get-subject-declaration.js';
import { getSubjectCode } from './routes/get-subject-code.js';
import { getSubjectProxyRequests } from './routes/get-subject-proxy-requests.js';
import { postSubjectProxyRequestApprove } from './routes/post-subject-proxy-request-approve.js';
import { postSubjectProxyRequestDecline } from './routes/post-subject-proxy-request-decline.js';
import { getSubjectProxies } from './routes/get-subject-proxies.js';
import { deleteSubjectProxy } from './routes/delete-subject-proxy.js';
import { postRiskEvents } from './routes/post-risk-events.js';
import { postVerify } from './routes/post-verify.js';
import { postCheckpointScans } from './routes/post-checkpoint-scans.js';
import { decideByDocument } from './checkpoint/document-scan.js';
import { getCheckpointDevice } from './routes/get-checkpoint-device.js';
import { getPartners } from './routes/get-partners.js';
import { postAdminPartnersReload } from './routes/post-admin-partners-reload.js';
import { postAdminSubjectPasses } from './routes/post-admin-subject-passes.js';
import { getMetrics } from './routes/get-metrics.js';
import { getHealth } from './routes/get-health.js';
import { getHelp } from './routes/get-help.js';
import { getReady } from './routes/get-ready.js';
import { securityHeaders } from './http/security-headers.js';
import { rateLimit } from './http/rate-limit.js';
import { authFailureGuard } from './http/auth-failures.js';
import { perTokenLimit } from './http/token-limit.js';
import { policyEnd } from './http/policy-end.js';
import type { Limits } from './limits/limits.js';
import { deviceAuth } from './http/device-auth.js';
import type { BindingCheck } from './checkpoint/document-check.js';
import type { ReadinessState } from './lifecycle/readiness.js';
import { getOpenApi } from './routes/get-openapi.js';
import { getSchema } from './routes/get-schema.js';
import { SCHEMAS_PATH } from './schemas/published.js';
import { getPage } from './routes/get-page.js';
import { getAsset } from './routes/get-asset.js';
import { PASS_PAGE_PATH } from './web/pass-page.js';
import type { PageAssets } from './web/page-assets.js';
import type { IssuerDeps } from './declarations/code-issuer.js';
import type { KeySource } from './partners/key-source.js';
import type { SourceOf } from './federation/partner-sources.js';
import type { VerifyOutcome } from './verify/verify-code.js';
import type { IssuerMetadata, Partner } from './types/schemas.js';
import type { SmsSender } from './people/sms-sender.js';
import type { RecoveryLimits } from './people/recovery-limits.js';
import type { OidcSignIn } from './people/oidc-sign-in.js';
import { peopleRoutes } from './people/people-routes.js';
import type { HeldTrustBundle } from './trust/trust-bundle-holder.js';
import { TOKEN_STATUS_LIST_PATH, type SignedStatusList } from './status-list/own-status-list.js';
import { getTokenStatusList } from './routes/get-token-status-list.js';

export interface AppDeps extends IssuerDeps {
  logger: Logger;
  metadata: IssuerMetadata;
  registry: { list(): readonly Partner[] };
  keySource: KeySource;
  /** Where each partner came from (the gateway itself, a local file, the trust list). */
  sourceOf: (partnerId: string) => SourceOf;
  verify: (code: string) => Promise<VerifyOutcome>;
  reloadPartners: () => Promise<number>;
  /** The document check of checkpoint scans (checkpoint/document-check.ts). */
  checkBinding: BindingCheck;
  readiness: ReadinessState;
  /** The Prometheus text /metrics answers with; absent: this process's registry (cluster workers ask the primary). */
  scrapeMetrics?: () => Promise<string>;
  /** The text of openapi.yaml as served at GET /openapi.yaml (servers: ISSUER_URL). */
  openapiYaml: string;
  /** The schema files openapi.yaml references, served at GET /schemas/{file} (schemas/published.ts). */
  schemas: ReadonlyMap<string, Buffer>;
  /** The built pages (GET /, GET /checkpoint, GET /assets/:name); empty when not built. */
  pages: PageAssets;
  /** The signed trust bundle for offline verifiers, kept in memory (gateway/trust/trust-bundle-holder.ts). */
  trustBundle: () => Promise<HeldTrustBundle>;
  /** Xinji's signed Token Status List (gateway/status-list/own-status-list.ts). */
  tokenStatusList: () => Promise<SignedStatusList>;
  /** Sends recovery codes to the registered phone (issue 17); undefined: recovery by phone is off. */
  smsSender: SmsSender | undefined;
  recoveryLimits: RecoveryLimits;
  /** Real-name sign-in through the city's identity provider (issue 17); undefined: not configured. */
  oidcSignIn: OidcSignIn | undefined;
  /** Rate limits and the mismatch lock, shared across instances when Redis or PostgreSQL holds them. */
  limits: Limits;
}

/**
 * Which routes an app serves. Without ADMIN_PORT one app serves everything ('all'). With it, the
 * operators' routes (metrics, partners, admin) leave the public port for the admin listener, so
 * HOST=0.0.0.0 no longer exposes them; probes answer on both.
 */
export type Surface = 'all' | 'public' | 'admin';

/**
 * The HTTP surface, one route file per endpoint. Pure wiring: no I/O happens here or at import,
 * so tests build an app from their own dependencies and drive it with supertest.
 */
export function buildApp(deps: AppDeps, surface: Surface = 'all'): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(requestLog(deps.logger, deps.metrics));
  app.use(securityHeaders);
  // Behind a proxy the socket address is the proxy's; X-Forwarded-For is believed only from the
  // proxies TRUST_PROXY names (a hop count or addresses), never from anyone.
  const trustProxy = deps.config.http.trustProxy;
  if (trustProxy !== undefined) app.set('trust proxy', /^\d+$/.test(trustProxy) ? Number(trustProxy) : trustProxy);
  const json = jsonBody(deps.config.bodyLimitBytes);
  // Probes first: the orchestrator polls them on every instance, and express tries routes in order.
  app.get('/healthz', getHealth);
  app.get('/readyz', getReady(deps.readiness));
  if (surface !== 'admin') publicRoutes(app, deps, json);
  if (surface !== 'public') {
    app.get('/v1/partners', getPartners(deps));
    app.post('/v1/admin/partners/reload', authFailureGuard(deps.limits.authFailures), postAdminPartnersReload({ adminToken: deps.config.adminToken, reload: deps.reloadPartners }));
    // A pass is a credential: none after POLICY_END (410), and a failing admin token counts like any other.
    app.post('/v1/admin/subjects/:subjectId/passes', policyEnd(deps.config.policyEnd, deps.now), authFailureGuard(deps.limits.authFailures), postAdminSubjectPasses(deps));
    app.get('/metrics', getMetrics(deps.metrics, deps.scrapeMetrics));
  }
  if (surface !== 'admin') {
    // The resident's and the officer's pages (docs/pages.md), on the public port only.
    app.get('/', getPage(deps.pages, 'resident.html'));
    app.get('/checkpoint', getPage(deps.pages, 'checkpoint.html'));
    app.get(PASS_PAGE_PATH, getPage(deps.pages, 'pass.html'));
    app.get('/assets/:name', getAsset(deps.pages));
  }

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}

function publicRoutes(app: Express, deps: AppDeps, json: ReturnType<typeof jsonBody>): void {
  // Public endpoints (no token) are limited per client address (limits/limits.ts).
  const limited = deps.limits.public ? [rateLimit(deps.limits.public, 'address')] : [];
  // Declaring, modifying and fetching codes carry tokens but are open to anyone with a document
  // number or a token: a budget of their own per client address (issue 9, item 5; issue 19, item 1),
  // sized for carrier-grade NAT.
  const issuing = deps.limits.issue ? [rateLimit(deps.limits.issue, 'issue')] : [];
  // Routes that take a token: an address whose tokens keep failing is refused before any work.
  const authenticated = authFailureGuard(deps.limits.authFailures);
  const holder = [...issuing, ...authenticated];
  // After POLICY_END: 410 before anything else is looked at (http/policy-end.ts).
  const ended = policyEnd(deps.config.policyEnd, deps.now);

  app.get(JWKS_PATH, limited, getJwks(deps));
  app.get(METADATA_PATH, limited, getIssuerMetadata(deps.metadata));
  app.get(STATUS_PATH, limited, getCredentialStatus(deps));
  app.get(TRUST_BUNDLE_PATH, limited, getTrustBundle(deps.trustBundle));
  app.get('/v1/help', limited, getHelp(deps.config.helpHotlines));
  app.get(TOKEN_STATUS_LIST_PATH, limited, getTokenStatusList(deps.tokenStatusList));

  app.post('/v1/declarations', ended, holder, json, postDeclarations(deps));
  app.put('/v1/subjects/:subjectId/declaration', ended, holder, perTokenLimit(deps.limits.modify), json, putSubjectDeclaration(deps));
  app.get('/v1/subjects/:subjectId/declaration', authenticated, getSubjectDeclaration(deps));
  app.get('/v1/subjects/:subjectId/code', ended, holder, getSubjectCode(deps));
  app.post('/v1/subjects/:subjectId/check-ins', ended, authenticated, json, postSubjectCheckIns(deps));
  app.get('/v1/subjects/:subjectId/color', authenticated, getSubjectColor(deps));
  app.get('/v1/subjects/:subjectId/proxy-requests', authenticated, getSubjectProxyRequests(deps));
  app.post('/v1/subjects/:subjectId/proxy-requests/:requestId/approve', authenticated, postSubjectProxyRequestApprove(deps));
  app.post('/v1/subjects/:subjectId/proxy-requests/:requestId/decline', authenticated, postSubjectProxyRequestDecline(deps));
  app.get('/v1/subjects/:subjectId/proxies', authenticated, getSubjectProxies(deps));
  app.delete('/v1/subjects/:subjectId/proxies/:proxyId', authenticated, deleteSubjectProxy(deps));
  app.post('/v1/risk-events', authenticated, json, postRiskEvents(deps));
  peopleRoutes(app, deps, json, ended, limited);

  app.post('/v1/verify', limited, json, postVerify(deps.verify));
  // Scans come from registered devices only, limited per device (the same window as the public one).
  app.post(
    '/v1/checkpoint/scans',
    ended,
    authenticated,
    deviceAuth(deps.store, deps.limits.device),
    json,
    postCheckpointScans({
      verify: deps.verify,
      feverThresholdC: deps.config.checkpoint.feverThresholdC,
      checkBinding: deps.checkBinding,
      byDocument: (document, temperatureC) => decideByDocument(deps, document, temperatureC, deps.config.checkpoint.feverThresholdC),
      metrics: deps.metrics,
      now: deps.now,
    }),
  );
  // The device a token belongs to: the checkpoint page checks the token at sign-in (same bucket as its scans).
  app.get('/v1/checkpoint/device', authenticated, deviceAuth(deps.store, deps.limits.device), getCheckpointDevice(deps.store));
  app.get('/openapi.yaml', getOpenApi(deps.openapiYaml));
  app.get(`${SCHEMAS_PATH}:file`, getSchema(deps.schemas));
}
