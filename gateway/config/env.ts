/**
 * The only module that reads process.env. Each variable maps onto one path of the configuration
 * (schemas/config.schema.json); docs/configuration.md's table is this list.
 */
export interface EnvVar {
  name: string;
  path: string;
  kind: 'string' | 'integer' | 'number' | 'boolean';
  default?: string | number | boolean;
  description: string;
}

export const ENV_VARS: readonly EnvVar[] = [
  { name: 'GATEWAY_ENV', path: 'environment', kind: 'string', default: 'development', description: 'development or production. Production refuses to start rather than generate a signing key or pepper, without RISK_FEED_TOKEN or ADMIN_TOKEN, with a placeholder token, without ISSUER_URL (https) or ADMIN_PORT, with TRUST_PROXY a hop count, or with ALLOW_INSECURE_LOOPBACK_JWKS.' },
  { name: 'PORT', path: 'port', kind: 'integer', default: 8080, description: 'HTTP port.' },
  { name: 'HOST', path: 'host', kind: 'string', default: '0.0.0.0', description: 'Address to listen on.' },
  { name: 'ADMIN_PORT', path: 'adminPort', kind: 'integer', description: 'Port of a separate admin listener for /metrics, /v1/partners and /v1/admin/* (which then answer 404 on PORT); /healthz and /readyz answer on both. Unset: PORT serves everything.' },
  { name: 'ADMIN_HOST', path: 'adminHost', kind: 'string', description: 'Address the admin listener binds (e.g. 127.0.0.1 or a cluster-internal interface). Unset: HOST.' },
  { name: 'DATABASE_URL', path: 'databaseUrl', kind: 'string', description: 'PostgreSQL URL (postgres://…). Unset: embedded SQLite in DATA_DIR.' },
  { name: 'DATABASE_SCHEMA', path: 'databaseSchema', kind: 'string', description: 'PostgreSQL schema of the tables, created if missing. Unset: the connection\'s search_path (public).' },
  { name: 'DATA_DIR', path: 'dataDir', kind: 'string', default: 'data', description: 'Directory of the SQLite database.' },
  { name: 'CERTS_DIR', path: 'certsDir', kind: 'string', default: 'certs/dev', description: 'Directory of the signing keys and the document pepper; a development key is generated here on first start.' },
  { name: 'PARTNERS_DIR', path: 'partnersDir', kind: 'string', default: 'partners', description: 'Directory of partner files (<id>.json).' },
  { name: 'RULES_FILE', path: 'rulesFile', kind: 'string', description: 'Colour rules file. Unset: gateway/color/default-rules.json.' },
  { name: 'ISSUER_URL', path: 'issuer.url', kind: 'string', description: 'Public base URL of this gateway: the iss of Xinji codes and the base of jwks_uri. Unset: http://localhost:<PORT>.' },
  { name: 'ISSUER_ID', path: 'issuer.id', kind: 'string', default: 'xinji', description: 'Partner id of this issuer in its own registry.' },
  { name: 'ISSUER_NAME', path: 'issuer.name', kind: 'string', default: '辛集市', description: 'Display name of the issuer.' },
  { name: 'ISSUER_REGION', path: 'issuer.region', kind: 'string', default: '130181', description: 'GB/T 2260 region code of the issuer.' },
  { name: 'CODE_LAYOUT', path: 'issuer.codeLayout', kind: 'integer', default: 3, description: 'Layout of the codes signed: 3 (the smallest; new declarations get binding s2), or 2 (binding s1) while partners that read only layout 2 move (docs/credential.md).' },
  { name: 'SIGNING_ALG', path: 'issuer.signingAlg', kind: 'string', default: 'ES256', description: 'Algorithm of generated keys: ES256 or EdDSA.' },
  { name: 'RISK_FEED_TOKEN', path: 'riskFeedToken', kind: 'string', description: 'Bearer token of the epidemic data feed (≥16 chars). Unset: /v1/risk-events refuses everything.' },
  { name: 'ADMIN_TOKEN', path: 'adminToken', kind: 'string', description: 'Bearer token for /v1/admin/* (partner reload). Unset: refused.' },
  { name: 'CREDENTIAL_TTL_SECONDS', path: 'credentialTtlSeconds', kind: 'integer', default: 900, description: 'Lifetime of an issued code (exp − iat).' },
  { name: 'PASS_TTL_SECONDS', path: 'passTtlSeconds', kind: 'integer', default: 2592000, description: 'Lifetime of a printed 通行证 (exp − iat), 30 days by default; it carries no colour, so a checkpoint decides with the person\'s colour now.' },
  { name: 'HELP_HOTLINES', path: 'helpHotlines', kind: 'string', default: '0311-83283507,83283500', description: 'Hotline numbers the resident\'s help (帮助) shows, comma-separated (the notice\'s by default).' },
  { name: 'CLOCK_TOLERANCE_SECONDS', path: 'clockToleranceSeconds', kind: 'integer', default: 60, description: 'Allowed clock skew when checking exp, nbf, iat.' },
  { name: 'CHECKPOINT_FEVER_C', path: 'checkpoint.feverThresholdC', kind: 'number', default: 37.3, description: 'Temperature at or above which a checkpoint denies.' },
  { name: 'CHECKPOINT_MATCH_CACHE_MAX_ENTRIES', path: 'checkpoint.matchCacheMaxEntries', kind: 'integer', default: 100000, description: 'Partner-code binding matches remembered until the code expires (a person scanned again costs no scrypt); 0: off.' },
  { name: 'BINDING_POOL_CONCURRENCY', path: 'admission.bindingConcurrency', kind: 'integer', default: 0, description: 'Partner-code binding checks (scrypt) at checkpoints running at once; 0: the number of cores.' },
  { name: 'BINDING_POOL_QUEUE', path: 'admission.bindingQueue', kind: 'integer', default: 64, description: 'Partner-code binding checks waiting; beyond, the scan answers 503 ERR_OVERLOADED at once.' },
  { name: 'ISSUE_POOL_CONCURRENCY', path: 'admission.issueConcurrency', kind: 'integer', default: 0, description: 'Declarations and modifications computing their binding (scrypt) at once; 0: the number of cores.' },
  { name: 'ISSUE_POOL_QUEUE', path: 'admission.issueQueue', kind: 'integer', default: 32, description: 'Declarations and modifications waiting; beyond, 503 ERR_OVERLOADED at once.' },
  { name: 'DECLARATION_QUEUE_ENABLED', path: 'declarationQueue.enabled', kind: 'boolean', default: true, description: 'A declaration that finds the issue pool busy is stored at once and answered 202 with its place in the queue (the code follows when a worker has computed its binding); false: 503 ERR_OVERLOADED as before.' },
  { name: 'DECLARATION_QUEUE_WORKER', path: 'declarationQueue.worker', kind: 'boolean', default: true, description: 'This process computes the bindings of queued declarations (through the issue pool). false: serve only, and let other processes (npm run declaration-worker) work the queue.' },
  { name: 'DECLARATION_QUEUE_POLL_MS', path: 'declarationQueue.pollMs', kind: 'integer', default: 250, description: 'How often an idle queue worker looks for declarations queued by other processes.' },
  { name: 'JWKS_TIMEOUT_MS', path: 'jwks.timeoutMs', kind: 'integer', default: 5000, description: 'Connect, header and body timeouts of partner key fetches.' },
  { name: 'JWKS_MAX_BYTES', path: 'jwks.maxBytes', kind: 'integer', default: 65536, description: 'Largest JWKS body accepted.' },
  { name: 'JWKS_MAX_KEYS', path: 'jwks.maxKeys', kind: 'integer', default: 20, description: 'Most keys accepted in one JWKS.' },
  { name: 'JWKS_REFRESH_SECONDS', path: 'jwks.refreshSeconds', kind: 'integer', default: 3600, description: 'Background refresh period of partner keys.' },
  { name: 'JWKS_KID_COOLDOWN_SECONDS', path: 'jwks.kidCooldownSeconds', kind: 'integer', default: 30, description: 'At most one refetch per partner in this period when a kid is unknown.' },
  { name: 'JWKS_STALE_MAX_SECONDS', path: 'jwks.staleMaxSeconds', kind: 'integer', default: 86400, description: 'How long the last good keys keep working while a partner is unreachable.' },
  { name: 'BINDING_SCRYPT_LOG_N', path: 'binding.scryptLogN', kind: 'integer', default: 15, description: 'scrypt cost (log2 N) of the document binding in issued codes.' },
  { name: 'BODY_LIMIT_BYTES', path: 'bodyLimitBytes', kind: 'integer', default: 16384, description: 'Largest request body accepted.' },
  { name: 'LOG_LEVEL', path: 'logLevel', kind: 'string', default: 'info', description: 'pino level.' },
  { name: 'ALLOW_INSECURE_LOOPBACK_JWKS', path: 'allowInsecureLoopbackJwks', kind: 'boolean', default: false, description: 'Tests and demos only: accept http:// partner JWKS on loopback addresses.' },
  { name: 'SHUTDOWN_TIMEOUT_MS', path: 'shutdownTimeoutMs', kind: 'integer', default: 10000, description: 'On SIGTERM/SIGINT, how long requests in flight may take to finish; past it connections are cut and the exit code is 1.' },
  { name: 'WORKERS', path: 'workers', kind: 'integer', default: 1, description: 'Worker processes serving one port (node:cluster); 1 serves in the main process.' },
  { name: 'REQUEST_TIMEOUT_MS', path: 'http.requestTimeoutMs', kind: 'integer', default: 10000, description: 'Longest time a client may take to send a whole request.' },
  { name: 'HEADERS_TIMEOUT_MS', path: 'http.headersTimeoutMs', kind: 'integer', default: 5000, description: 'Longest time a client may take to send the request headers (≤ REQUEST_TIMEOUT_MS).' },
  { name: 'KEEP_ALIVE_TIMEOUT_MS', path: 'http.keepAliveTimeoutMs', kind: 'integer', default: 5000, description: 'How long an idle keep-alive connection stays open.' },
  { name: 'TRUST_PROXY', path: 'http.trustProxy', kind: 'string', description: 'Whose X-Forwarded-For is believed: a hop count or addresses/CIDRs (express trust proxy). Unset: none; the socket address is the client.' },
  { name: 'RATE_LIMIT_ENABLED', path: 'rateLimit.enabled', kind: 'boolean', default: true, description: 'Per-client rate limit on the public endpoints (verify, checkpoint scans, JWKS, metadata, status list) and, with its own bucket (ISSUE_RATE_LIMIT_*), on declarations and code requests.' },
  { name: 'RATE_LIMIT_PER_SECOND', path: 'rateLimit.perSecond', kind: 'number', default: 20, description: 'Sustained requests per second of one client address: the budget is RATE_LIMIT_BURST requests per window of ceil(burst / per second) seconds.' },
  { name: 'RATE_LIMIT_BURST', path: 'rateLimit.burst', kind: 'integer', default: 40, description: 'Requests one client address may send at once.' },
  { name: 'RATE_LIMIT_MAX_CLIENTS', path: 'rateLimit.maxClients', kind: 'integer', default: 10000, description: 'No longer used: limits live in Redis, PostgreSQL or memory (REDIS_URL), where a key ends with its window. Kept so existing settings still start.' },
  { name: 'ISSUE_RATE_LIMIT_PER_SECOND', path: 'issueRateLimit.perSecond', kind: 'number', default: 10, description: 'Sustained declarations and code requests per second of one client address (POST /v1/declarations, GET /v1/subjects/{id}/code; one bucket for both), when RATE_LIMIT_ENABLED. Sized for thousands of phones behind one carrier-grade NAT address.' },
  { name: 'ISSUE_RATE_LIMIT_BURST', path: 'issueRateLimit.burst', kind: 'integer', default: 100, description: 'Declarations and code requests one client address may send at once.' },
  { name: 'MODIFY_RATE_LIMIT_POINTS', path: 'modifyRateLimit.points', kind: 'integer', default: 10, description: 'Declaration modifications (PUT /v1/subjects/{id}/declaration) one holder token may attempt per window, when RATE_LIMIT_ENABLED; beyond, 429 before any work.' },
  { name: 'MODIFY_RATE_LIMIT_WINDOW_SECONDS', path: 'modifyRateLimit.windowSeconds', kind: 'integer', default: 3600, description: 'The window of MODIFY_RATE_LIMIT_POINTS.' },
  { name: 'AUTH_FAILURE_LIMIT', path: 'authFailureLimit.points', kind: 'integer', default: 30, description: 'Failed authentications (401) one client address may cause per window on the routes that take a token (holder, device, feed, admin), when RATE_LIMIT_ENABLED; beyond, those routes answer it 429 before any work.' },
  { name: 'AUTH_FAILURE_WINDOW_SECONDS', path: 'authFailureLimit.windowSeconds', kind: 'integer', default: 600, description: 'The window of AUTH_FAILURE_LIMIT.' },
  { name: 'REDIS_URL', path: 'redisUrl', kind: 'string', description: 'Redis (redis:// or rediss://) shared by every instance for the rate limits and the checkpoint mismatch lock. Unset: the PostgreSQL of DATABASE_URL when set, else each process counts alone.' },
  { name: 'REDIS_KEY_PREFIX', path: 'redisKeyPrefix', kind: 'string', default: 'hcg', description: 'Prefix of the gateway\'s Redis keys (several gateways on one Redis use different prefixes).' },
  { name: 'PRODUCTION_OPT_OUT', path: 'productionOptOut', kind: 'string', description: 'Production refusals accepted knowingly, comma-separated: ADMIN_PORT, TRUST_PROXY, ISSUER_URL (docs/deployment.md). Unset: none.' },
  { name: 'RETENTION_DAYS', path: 'retentionDays', kind: 'integer', description: 'A subject with no declaration, code request or scan for this many days is deleted by a daily job (its codes listed as revoked first). Unset: kept until purged by hand.' },
  { name: 'POLICY_END', path: 'policyEnd', kind: 'string', description: 'ISO time the health-code policy ends: from then on declarations, code requests, check-ins, recovery, sign-in and scans answer 410 ERR_POLICY_ENDED (docs/privacy.md). Unset: no end.' },
  { name: 'VERIFY_CACHE_MAX_ENTRIES', path: 'verifyCacheMaxEntries', kind: 'integer', default: 10000, description: 'Most verified results kept so a code scanned again skips the signature check (exp, key and status re-checked on every hit); 0: off.' },
  { name: 'TRUST_LIST_URI', path: 'trustList.uri', kind: 'string', description: "URL of the federation's signed trust list of member cities (docs/federation.md); needs TRUST_LIST_KEYS. Unset: partners come from PARTNERS_DIR only." },
  { name: 'TRUST_LIST_KEYS', path: 'trustList.keysFile', kind: 'string', description: "JWK Set file of the federation's pinned public keys; a list signed by any other key is refused." },
  { name: 'TRUST_LIST_STALE_MAX_SECONDS', path: 'trustList.staleMaxSeconds', kind: 'integer', default: 86400, description: 'How long the last good trust list keeps working while it cannot be refreshed (never past its expiresAt); then its members are refused.' },
  { name: 'TRUST_LIST_MAX_BYTES', path: 'trustList.maxBytes', kind: 'integer', default: 1048576, description: 'Largest trust-list body accepted.' },
  { name: 'HOLDER_TOKEN_IDLE_SECONDS', path: 'holderTokenIdleSeconds', kind: 'integer', default: 2592000, description: 'A holder token unused for this long stops working (401 ERR_HOLDER_TOKEN_EXPIRED); the resident recovers its code (找回健康码). Default 30 days.' },
  { name: 'SMS_WEBHOOK_URL', path: 'sms.webhookUrl', kind: 'string', description: "The city's SMS gateway: one-time recovery codes are POSTed there as JSON {\"to\", \"text\"} (docs/security.md). Unset in production: recovery by phone answers 503 ERR_RECOVERY_UNAVAILABLE." },
  { name: 'SMS_WEBHOOK_TOKEN', path: 'sms.webhookToken', kind: 'string', description: 'Bearer token sent to SMS_WEBHOOK_URL (≥16 chars).' },
  { name: 'SMS_OUTBOX_FILE', path: 'sms.outboxFile', kind: 'string', description: 'Development only, when SMS_WEBHOOK_URL is unset: recovery codes are appended to this file, one JSON line {"to", "text"} per message. Unset: <DATA_DIR>/sms-outbox.jsonl. Production refuses it.' },
  { name: 'RECOVERY_DOCUMENT_PER_HOUR', path: 'recovery.perDocumentPerHour', kind: 'integer', default: 5, description: 'Recovery requests and code checks (POST /v1/recovery, /v1/recovery/verify) per document per hour; beyond, 429 ERR_RATE_LIMITED. Always on.' },
  { name: 'RECOVERY_ADDRESS_PER_HOUR', path: 'recovery.perAddressPerHour', kind: 'integer', default: 60, description: 'Recovery requests and code checks per client address per hour. Always on.' },
  { name: 'OIDC_ISSUER', path: 'oidc.issuer', kind: 'string', description: "The city's OpenID Connect provider (real-name sign-in, 实名认证): its issuer URL, https in production. Unset: sign-in is off (404 ERR_SIGN_IN_UNAVAILABLE)." },
  { name: 'OIDC_CLIENT_ID', path: 'oidc.clientId', kind: 'string', description: 'The gateway\'s client id at the provider.' },
  { name: 'OIDC_CLIENT_SECRET', path: 'oidc.clientSecret', kind: 'string', description: 'Client secret (client_secret_basic). Exactly one of this and OIDC_PRIVATE_KEY_FILE with OIDC_ISSUER.' },
  { name: 'OIDC_PRIVATE_KEY_FILE', path: 'oidc.privateKeyFile', kind: 'string', description: 'PEM (PKCS#8) private key (EC P-256, Ed25519 or RSA) for private_key_jwt client authentication, instead of OIDC_CLIENT_SECRET; read once at start.' },
  { name: 'OIDC_REDIRECT_URI', path: 'oidc.redirectUri', kind: 'string', description: 'Where the provider sends the person back: the resident page (e.g. https://gateway.xinji.example/).' },
  { name: 'OIDC_NAME_CLAIM', path: 'oidc.nameClaim', kind: 'string', default: 'name', description: 'ID token claim with the verified full name.' },
  { name: 'OIDC_DOCUMENT_CLAIM', path: 'oidc.documentClaim', kind: 'string', default: 'id_card_number', description: 'ID token claim with the verified resident ID number.' },
  { name: 'OIDC_SCOPE', path: 'oidc.scope', kind: 'string', default: 'openid profile', description: 'Scopes asked for: openid and those that release the two claims.' },
];

/** A copy of the variables the gateway knows, taken once. */
export function readEnv(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of ENV_VARS) {
    const value = source[v.name];
    if (value !== undefined && value !== '') out[v.name] = value;
  }
  return out;
}
