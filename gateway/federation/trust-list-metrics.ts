import { Counter, Gauge, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';
import { TRUST_LIST_OUTCOMES, type TrustListOutcome, type TrustListStatus } from './trust-list-holder.js';

/**
 * The trust list's health for operators (ops/prometheus/gateway-alerts.yaml, group
 * health-code-gateway-federation). Registered on every gateway, so the names exist for dashboards
 * and alerts; the gauges have a sample only when TRUST_LIST_URI is set (no sample, not 0, without it). Labels: the fixed
 * outcome set of trust-list-holder.ts only.
 */
export class TrustListMetrics {
  /** Set by the composition root when a trust list is configured. */
  status: () => TrustListStatus | null = () => null;

  readonly fetches: Counter<'outcome'>;

  constructor(registry: Registry, now: () => number) {
    this.fetches = new Counter({
      name: 'gateway_trust_list_fetches_total',
      help: 'Trust-list refreshes, by outcome: ok, unchanged, or why the list was refused or could not be fetched (bad_signature, unpinned_key, replayed, expired, timeout, …).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    // Every outcome at 0 from the start, so increase() sees the first refusal (as metrics.ts does).
    for (const outcome of TRUST_LIST_OUTCOMES) this.fetches.inc({ outcome }, 0);
    const gauge = (config: { name: string; help: string }, read: (s: TrustListStatus) => number | null): void => {
      let value: number | null = null;
      // prom-client exports an unlabelled gauge as 0 even when nothing was set: without a trust
      // list that 0 read as "no list in force" and paged (issue 20). No value, no sample.
      const g: Gauge = new (class extends Gauge {
        override async get(): Promise<MetricObjectWithValues<MetricValue<string>>> {
          const metric = await super.get();
          return value === null ? { ...metric, values: [] } : metric;
        }
      })({
        ...config,
        registers: [registry],
        // Every cluster worker holds the same list: one worker's value, not the sum.
        aggregator: 'max',
        collect: () => {
          const s = this.status();
          value = s ? read(s) : null;
          if (value !== null) g.set(value);
        },
      });
    };
    gauge({ name: 'gateway_trust_list_in_force', help: '1 while a trust list is held within its bounds and its members are recognised; 0 before the first good list and after it lapsed.' }, (s) => (s.inForce ? 1 : 0));
    gauge({ name: 'gateway_trust_list_sequence', help: 'Sequence of the trust list held.' }, (s) => s.sequence);
    gauge({ name: 'gateway_trust_list_members', help: 'Member cities recognised from the trust list (0 when none is in force).' }, (s) => s.members);
    gauge({ name: 'gateway_trust_list_age_seconds', help: 'Seconds since the trust list was last fetched and verified successfully.' }, (s) => (s.lastGoodAt === null ? null : Math.max(0, now() - s.lastGoodAt) / 1000));
    gauge({ name: 'gateway_trust_list_expires_in_seconds', help: "Seconds until the held trust list's expiresAt (negative once past)." }, (s) => (s.expiresAt === null ? null : (Date.parse(s.expiresAt) - now()) / 1000));
  }

  fetched(outcome: TrustListOutcome): void {
    this.fetches.inc({ outcome });
  }
}
