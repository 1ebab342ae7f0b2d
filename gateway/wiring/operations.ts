import type { Server } from 'node:http';
import type { Express } from 'express';
import { buildApp, type AppDeps } from '../app.js';
import type { WorkPool } from '../admission/work-pool.js';
import type { Keystore } from '../issuer/keystore.js';
import { createGatewayServer, type GatewayServer } from '../lifecycle/http-server.js';
import { ReadinessState } from '../lifecycle/readiness.js';
import type { Store } from '../store/store.js';
import type { WiringContext } from './context.js';

export interface OperationsParts {
  store: Store;
  keystore: Keystore;
  registry: { list(): readonly unknown[] };
  pools: { binding: WorkPool; issue: WorkPool };
}

/** What operators and orchestrators read: readiness, /metrics (a cluster worker's from the primary), the pools' load. */
export function wireOperations({ options, logger, metrics }: WiringContext, { store, keystore, registry, pools }: OperationsParts): Pick<AppDeps, 'logger' | 'readiness' | 'scrapeMetrics'> {
  metrics.workPoolJobs = () => [['binding', pools.binding.running, pools.binding.queued], ['issue', pools.issue.running, pools.issue.queued]];
  const readiness = new ReadinessState({
    pingStore: () => store.ping(),
    hasSigningKey: () => keystore.activeKey() !== undefined,
    partnersLoaded: () => registry.list().length > 0,
  });
  return { logger, readiness, ...(options.scrapeMetrics ? { scrapeMetrics: options.scrapeMetrics } : {}) };
}

export interface Serving {
  app: Express;
  adminApp: Express | undefined;
  adminServer(): Server | undefined;
  listen(): Promise<Server>;
  shutdown(): Promise<'drained' | 'forced'>;
}

export interface ServingParts {
  deps: AppDeps;
  /** Stopped as draining begins (timers, watchers), in order. */
  stopBackground: ReadonlyArray<() => void>;
  /** Closed once the servers have drained, in order: the store last. */
  closeAfterDrain: ReadonlyArray<() => Promise<void>>;
}

/**
 * The HTTP listeners: one app on PORT, or the public routes on PORT and the operators' on
 * ADMIN_PORT. Graceful stop: /readyz turns 503, the servers stop accepting, requests in flight
 * finish (idle keep-alive connections are closed at once), then background work and the store close.
 */
export function wireServing({ config, now, logger }: WiringContext, { deps, stopBackground, closeAfterDrain }: ServingParts): Serving {
  const separateAdmin = config.adminPort !== undefined;
  const app = buildApp(deps, separateAdmin ? 'public' : 'all');
  const adminApp = separateAdmin ? buildApp(deps, 'admin') : undefined;

  let served: GatewayServer | undefined;
  let adminServed: GatewayServer | undefined;
  let stopping: Promise<'drained' | 'forced'> | undefined;
  const shutdown = (): Promise<'drained' | 'forced'> =>
    (stopping ??= (async () => {
      deps.readiness.startDraining(now());
      for (const stop of stopBackground) stop();
      const outcomes = await Promise.all([served, adminServed].map((s) => (s ? s.drain(config.shutdownTimeoutMs, logger) : 'drained')));
      const outcome = outcomes.includes('forced') ? 'forced' : 'drained';
      for (const close of closeAfterDrain) await close();
      return outcome;
    })());
  // Slow clients cannot hold a connection forever: the timeouts are configuration (http.*).
  const listenOn = (server: GatewayServer, port: number, host: string): Promise<Server> =>
    new Promise((resolve, reject) => {
      server.server.once('error', reject);
      server.server.listen(port, host, () => {
        server.server.off('error', reject);
        resolve(server.server);
      });
    });
  return {
    app,
    adminApp,
    adminServer: () => adminServed?.server,
    async listen() {
      if (adminApp) {
        adminServed = createGatewayServer(adminApp, config.http);
        await listenOn(adminServed, config.adminPort!, config.adminHost ?? config.host);
      }
      served = createGatewayServer(app, config.http);
      return listenOn(served, config.port, config.host);
    },
    shutdown,
  };
}
