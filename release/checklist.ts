/**
 * The seed's production checklist (section 10) for one stack, item by item, with what makes each item
 * true: **enforced** (a guardrail policy or a stack-schema rule refuses a stack without it), **verified**
 * (a test, an alert, a CI job or a job's last run proves it), or **manual** (what a person must confirm).
 *
 * Every piece of evidence names a real check: a policy by its id (`policies/rules.ts`), a config key of
 * the stack schema, a test by its file and title, an alert of the stack's rules, a job of a workflow.
 * `test/release/checklist.test.ts` resolves every one of them for every committed stack, and refuses an
 * item enforced or verified without the kind of evidence that makes it so.
 */
import type { ResolvedStack } from "../config/resolve-stack-config.js";
import type { LoadTestRecord } from "./loadtest.js";

/** How an item is made true. */
export type ChecklistStatus = "enforced" | "verified" | "manual";

/** What a job's last run did, where the stack (or the cluster) knows it. */
export interface LastRun {
  /** When it ran (ISO 8601), when known. */
  readonly at?: string;
  readonly ok: boolean;
  /** One line: what ran, where it was read from. */
  readonly detail: string;
}

/** The last results the checklist can show: read from the cluster and the stack with `--live`, from report files otherwise. */
export interface ChecklistResults {
  /** The backup CronJob's last successful run (`status.lastSuccessfulTime`) or its last failure. */
  readonly lastBackup?: LastRun;
  /** The restore drill CronJob's last run. */
  readonly lastRestoreDrill?: LastRun;
  /** The last load test, of this stack or of the pre-production stack that gates it. */
  readonly lastLoadTest?: { readonly stack: string; readonly source: string; readonly record: LoadTestRecord };
  /** The stack's last good (verified) release. */
  readonly lastGoodRelease?: { readonly id: string; readonly verifiedAt: string };
}

/** One piece of evidence: a check that exists in this repository or the stack. */
export type Evidence =
  | { readonly kind: "policy"; readonly rule: string }
  | { readonly kind: "config"; readonly key: string }
  | { readonly kind: "test"; readonly file: string; readonly title: string }
  | { readonly kind: "alert"; readonly name: string }
  | { readonly kind: "workflow"; readonly file: string; readonly job: string }
  | { readonly kind: "result"; readonly what: keyof ChecklistResults }
  | { readonly kind: "doc"; readonly file: string };

/** An item's assessment for one stack. */
export interface Assessment {
  readonly status: ChecklistStatus;
  /** What guarantees the item (enforced, verified), or what a person must confirm (manual). */
  readonly detail: string;
  readonly evidence: readonly Evidence[];
}

/** What an item's assessment reads. */
export interface ChecklistContext {
  readonly resolved: ResolvedStack;
  /** The alert names of the stack's rules. */
  readonly alerts: readonly string[];
  readonly results: ChecklistResults;
}

/** One item of the seed's checklist. */
export interface ChecklistItem {
  /** The seed's section, as it titles it. */
  readonly section: string;
  /** The item, as the seed writes it. */
  readonly text: string;
  readonly assess: (context: ChecklistContext) => Assessment;
}

const policy = (rule: string): Evidence => ({ kind: "policy", rule });
const config = (key: string): Evidence => ({ kind: "config", key });
const test = (file: string, title: string): Evidence => ({ kind: "test", file, title });
const alert = (name: string): Evidence => ({ kind: "alert", name });
const workflow = (file: string, job: string): Evidence => ({ kind: "workflow", file, job });
const result = (what: keyof ChecklistResults): Evidence => ({ kind: "result", what });
const doc = (file: string): Evidence => ({ kind: "doc", file });

const enforced = (detail: string, ...evidence: Evidence[]): Assessment => ({ status: "enforced", detail, evidence });
const verified = (detail: string, ...evidence: Evidence[]): Assessment => ({ status: "verified", detail, evidence });
const manual = (detail: string, ...evidence: Evidence[]): Assessment => ({ status: "manual", detail, evidence });
const always = (assessment: Assessment) => () => assessment;

const GO = "examples/go-service";
const DEPLOY_WORKFLOW = ".github/workflows/deploy.yml";
const E2E_RELEASE = "test/e2e/release/release.e2e.test.ts";
const E2E_BACKUP = "test/e2e/backup/backup.e2e.test.ts";
const GO_SERVICE_TEST = "test/charts/go-service.defaults.test.ts";
const PROMTOOL_TEST = "test/alerts/promtool.test.ts";
const PROMTOOL_FIRES = "`promtool test rules` passes on the stack's thresholds: every alert fires above its threshold and stays silent below";
const LOAD_TEST_E2E = "test/e2e/loadtest/loadtest.e2e.test.ts";

const production = (c: ChecklistContext): boolean => c.resolved.config.environment === "production";

/** The alerts about backups, by the names the rules have had: whichever the stack's rules hold are cited. */
const BACKUP_ALERTS = ["BackupJobFailed", "BackupTooOld", "BackupOlderThanRpo"] as const;
const alertsIn = (c: ChecklistContext, names: readonly string[]): Evidence[] => names.filter((name) => c.alerts.includes(name)).map(alert);

/** An item every stack gets from its alerts: verified by the alert (unit-tested with promtool against the stack's own rule file). */
const alerted = (detail: string, ...names: string[]) => (c: ChecklistContext): Assessment => {
  const present = names.filter((name) => c.alerts.includes(name));
  return present.length === 0
    ? manual(`the stack has none of the alerts ${names.join(", ")}: ${detail}`)
    : verified(`${detail}: ${present.join(", ")}, each tested firing and silent with promtool on this stack's thresholds`, ...present.map(alert), test(PROMTOOL_TEST, PROMTOOL_FIRES));
};

const S = {
  code: "Code et Architecture",
  security: "Sécurité",
  configuration: "Configuration",
  performance: "Performance",
  observability: "Observabilité",
  deployment: "Déploiement",
  infrastructure: "Infrastructure",
  backup: "Backup et Recovery",
  monitoring: "Monitoring et Alertes",
  documentation: "Documentation",
  legal: "Légal et Conformité",
  productionTests: "Tests de Production",
  team: "Équipe et Processus",
} as const;

/** The seed's checklist (section 10), in its order. */
export const CHECKLIST: readonly ChecklistItem[] = [
  // Code et Architecture
  { section: S.code, text: "Code reviewé par au moins 2 développeurs", assess: always(manual("a person confirms two approving reviews: a branch protection rule on main (required reviewers: 2) is a GitHub setting, not in this repository")) },
  { section: S.code, text: "Tests unitaires couvrent > 80% du code", assess: always(manual("no coverage is measured: run `npx vitest run --coverage` and `go test -cover ./...` and confirm the figure")) },
  {
    section: S.code,
    text: "Tests d'intégration passent",
    assess: always(
      verified(
        "the end-to-end suites run the real Pulumi engine and provider against a Kubernetes API server, and the backup jobs against PostgreSQL and an S3 server (`npm run test:all`)",
        test("test/e2e/stack/local-stack.e2e.test.ts", "up creates them all; the Deployment becomes Available in the API server; the Secret holds the secret config"),
        test(E2E_BACKUP, "a full restore into a fresh database gives identical data (row counts, checksums, large objects)"),
      ),
    ),
  },
  {
    section: S.code,
    text: "Tests de performance validés",
    assess: always(
      verified(
        "the load test gates every release: staging is load-tested after its deploy, and production waits for it",
        workflow(DEPLOY_WORKFLOW, "loadtest-staging"),
        test(LOAD_TEST_E2E, "the latency fault fails the P95 criterion, and the report says so with the measured value"),
        result("lastLoadTest"),
      ),
    ),
  },
  { section: S.code, text: "Documentation à jour", assess: always(manual("a person reviews README.md and docs/ against the change", doc("README.md"))) },
  {
    section: S.code,
    text: "Pas de TODO ou FIXME critiques",
    assess: always(verified("the unit suite fails on any TODO or FIXME in the sources (stack and service)", test("test/release/checklist.test.ts", "no TODO or FIXME in the sources"))),
  },
  {
    section: S.code,
    text: "Logs structurés implémentés",
    assess: (c) =>
      c.resolved.config.logging.format === "json"
        ? verified(
            "the service logs JSON (slog) in this stack (`logging.format: json`, passed as LOG_FORMAT)",
            config("logging.format"),
            test(`${GO}/internal/logging/logging_test.go`, "TestFormatAndLevel"),
            test(GO_SERVICE_TEST, "reads settings from the ConfigMap and secrets through secretKeyRef only"),
          )
        : manual(`this stack logs ${c.resolved.config.logging.format}: set logging.format: json for a log collector`, config("logging.format")),
  },
  {
    section: S.code,
    text: "Métriques Prometheus exposées",
    assess: always(
      verified(
        "the service serves the catalog's metrics on its metrics port, which the ServiceMonitor scrapes",
        test(`${GO}/internal/metrics/metrics_test.go`, "TestCatalogMetricsAreExposedWithTheirLabels"),
        test("test/charts/observability/service-monitor.test.ts", "follows the stack's labels, scrape interval and job label"),
      ),
    ),
  },

  // Sécurité
  { section: S.security, text: "Analyse de sécurité (gosec) sans problèmes critiques", assess: always(manual("gosec is not run by this repository: run `gosec ./...` in examples/go-service and review the findings")) },
  { section: S.security, text: "Scan de vulnérabilités (govulncheck) propre", assess: always(manual("govulncheck is not run by this repository: run `govulncheck ./...` in examples/go-service (and `npm audit`)")) },
  {
    section: S.security,
    text: "Secrets externalisés (variables d'environnement)",
    assess: always(
      enforced(
        "a secret written in plain text in a stack file is refused; the values reach the pods from a Kubernetes Secret (secretKeyRef), never through YAML",
        config("jwtSecret"),
        config("secrets.keys"),
        test("test/config/resolve-stack-config.errors.test.ts", "reports every problem of a file at once, in one error"),
        test(GO_SERVICE_TEST, "reads settings from the ConfigMap and secrets through secretKeyRef only"),
      ),
    ),
  },
  {
    section: S.security,
    text: "HTTPS configuré avec certificats valides",
    assess: (c) =>
      c.resolved.config.ingress.enabled
        ? enforced(`every Ingress host is served over TLS, with a certificate from the cert-manager issuer ${c.resolved.config.ingress.clusterIssuer}`, policy("ingress-tls"), config("ingress.clusterIssuer"))
        : manual("this stack has no Ingress: HTTPS is wherever its traffic enters", config("ingress.enabled")),
  },
  { section: S.security, text: "En-têtes de sécurité configurés", assess: always(manual("the stack sets no security headers (HSTS, CSP, X-Content-Type-Options): configure them on the ingress controller and confirm")) },
  {
    section: S.security,
    text: "Rate limiting implémenté",
    assess: (c) =>
      c.resolved.config.ingress.enabled
        ? enforced(
            `every Ingress limits each client to ${c.resolved.config.security.rateLimitPerMinute} requests/minute (ingress-nginx limit-rpm); the schema requires a positive limit`,
            config("security.rateLimitPerMinute"),
            test(GO_SERVICE_TEST, "serves every host over TLS through nginx, with rate limit and CORS from the config"),
          )
        : manual("this stack has no Ingress, so no rate limit: limit where its traffic enters", config("ingress.enabled")),
  },
  { section: S.security, text: "Validation des inputs utilisateur", assess: always(manual("the reference API takes no input; each new handler must validate its own")) },
  { section: S.security, text: "Protection CSRF activée", assess: always(manual("CSRF_SECRET is required configuration, but the reference service has no form or cookie session to protect: confirm for each handler that needs it")) },

  // Configuration
  {
    section: S.configuration,
    text: "Configuration par environnement validée",
    assess: always(
      enforced(
        "one schema validates every stack file, per environment (unknown keys, types, cross-key and production rules), before synthesis and before `pulumi up`; the service validates its environment again at start",
        config("environment"),
        test("test/config/resolve-stack-config.errors.test.ts", "reports every problem of a file at once, in one error"),
        test(`${GO}/internal/config/config_test.go`, "TestAllProblemsAtOnceWithoutSecrets"),
      ),
    ),
  },
  { section: S.configuration, text: "Variables d'environnement documentées", assess: always(manual("a person confirms the table of examples/go-service/README.md against internal/config", doc(`${GO}/README.md`))) },
  {
    section: S.configuration,
    text: "Valeurs par défaut sécurisées",
    assess: always(
      enforced(
        "defaults run pods non-root, read-only, without capabilities or privilege escalation (the restricted Pod Security Standard), and production refuses unencrypted database traffic and floating images",
        policy("pss-run-as-non-root"),
        policy("pss-privilege-escalation"),
        policy("pss-capabilities"),
        config("database.sslMode"),
        config("image"),
      ),
    ),
  },
  {
    section: S.configuration,
    text: "Validation de configuration implémentée",
    assess: always(
      enforced(
        "the stack schema (config/schema.ts) and the service's own validation (internal/config) refuse an invalid configuration, listing every problem",
        config("environment"),
        test("test/config/resolve-stack-config.errors.test.ts", "reports every problem of a file at once, in one error"),
        test(`${GO}/internal/config/config_test.go`, "TestProductionOnlyRules"),
      ),
    ),
  },
  { section: S.configuration, text: "Secrets rotationnés récemment", assess: always(manual("a person confirms when each secret (jwtSecret, encryptionKey, csrfSecret, dbPassword) was last rotated: `pulumi config set --secret`, then deploy")) },
  {
    section: S.configuration,
    text: "Base de données SSL activé",
    assess: (c) =>
      production(c)
        ? enforced(`production refuses database.sslMode disable; this stack uses ${c.resolved.config.database.sslMode}`, config("database.sslMode"))
        : manual(`this stack uses database.sslMode ${c.resolved.config.database.sslMode}; only production refuses "disable"`, config("database.sslMode")),
  },
  {
    section: S.configuration,
    text: "Timeouts appropriés configurés",
    assess: always(
      enforced(
        "read and write timeouts of at least 1 s and a shutdown timeout of at most 5 m are schema rules; the service adds read-header and idle timeouts",
        config("server.readTimeout"),
        config("server.writeTimeout"),
        config("server.shutdownTimeout"),
        test(`${GO}/internal/server/server_test.go`, "TestHTTPServerIsHardened"),
      ),
    ),
  },

  // Performance
  { section: S.performance, text: "Profiling mémoire et CPU effectué", assess: always(manual("a person profiles the service under the load test (pprof) and records the result")) },
  {
    section: S.performance,
    text: "Pool de connexions DB optimisé",
    assess: (c) =>
      manual(
        `pods × database.maxOpenConns (${c.resolved.config.database.maxOpenConns}) must stay under PostgreSQL's max_connections: a person checks the sizes; the schema only keeps idle ≤ open, and DatabaseConnectionsHigh watches the pool`,
        config("database.maxOpenConns"),
        ...(c.alerts.includes("DatabaseConnectionsHigh") ? [alert("DatabaseConnectionsHigh")] : []),
      ),
  },
  { section: S.performance, text: "Cache implémenté où approprié", assess: always(manual("no cache in the reference service: a person decides where one is needed")) },
  { section: S.performance, text: "Compression activée", assess: always(manual("the service does not compress (ingress-nginx does when its use-gzip option is on): confirm on the ingress controller")) },
  { section: S.performance, text: "Images Docker optimisées", assess: always(manual("the reference image is the static binary on scratch (examples/go-service/Dockerfile): confirm the released image is built that way", doc(`${GO}/Dockerfile`))) },
  {
    section: S.performance,
    text: "Garbage collector configuré",
    assess: always(
      enforced(
        "every service container gets GOMEMLIMIT at pod.goMemLimitFraction of its memory limit and GOMAXPROCS from its CPU limit",
        config("pod.goMemLimitFraction"),
        test(GO_SERVICE_TEST, "sizes the Go runtime from the limits: GOMAXPROCS from the CPU limit, GOMEMLIMIT at 90% of memory"),
      ),
    ),
  },
  {
    section: S.performance,
    text: "Tests de charge réussis",
    assess: always(
      verified(
        "the release pipeline load-tests staging on the stack's loadTest criteria and production waits for it",
        workflow(DEPLOY_WORKFLOW, "loadtest-staging"),
        config("loadTest.maxP95"),
        result("lastLoadTest"),
      ),
    ),
  },

  // Observabilité
  {
    section: S.observability,
    text: "Logs de production configurés",
    assess: (c) =>
      verified(
        `the ConfigMap sets LOG_LEVEL ${c.resolved.config.logging.level}, LOG_FORMAT ${c.resolved.config.logging.format}, LOG_OUTPUT ${c.resolved.config.logging.output}; the service refuses a file output on its read-only root`,
        config("logging.level"),
        test(`${GO}/internal/logging/logging_test.go`, "TestFormatAndLevel"),
      ),
  },
  {
    section: S.observability,
    text: "Métriques de base collectées",
    assess: always(
      verified(
        "a ServiceMonitor scrapes every pod's metrics port; the same configuration is written for a Prometheus without the operator",
        test("test/charts/observability/service-monitor.test.ts", "follows the stack's labels, scrape interval and job label"),
        test(`${GO}/internal/metrics/metrics_test.go`, "TestCatalogMetricsAreExposedWithTheirLabels"),
      ),
    ),
  },
  { section: S.observability, text: "Alertes critiques configurées", assess: alerted("critical alerts page", "ApplicationDown", "HighErrorRate", "AvailabilitySLOFastBurn") },
  {
    section: S.observability,
    text: "Dashboard Grafana opérationnel",
    assess: always(verified("the stack ships its dashboard as a ConfigMap for Grafana's sidecar, built from the same model as the alerts", test("test/dashboards/service-dashboard.test.ts", "has a panel for every alert's signal"))),
  },
  {
    section: S.observability,
    text: "Health checks implémentés",
    assess: always(
      enforced(
        "every long-running container has liveness and readiness probes; the service's /ready checks its dependencies",
        policy("probes-liveness-readiness"),
        test(`${GO}/internal/health/health_test.go`, "TestReadiness"),
      ),
    ),
  },
  { section: S.observability, text: "Tracing distribué configuré (optionnel)", assess: always(manual("no tracing in the stack or the service (optional in the seed)")) },
  { section: S.observability, text: "Retention des logs configurée", assess: always(manual("log retention is the cluster's log pipeline's, outside this stack: confirm it there")) },

  // Déploiement
  {
    section: S.deployment,
    text: "Pipeline CI/CD validé",
    assess: always(verified("the workflows are checked for structure and with actionlint", test("test/release/workflows.test.ts", "finds no problem in any workflow (shellcheck included when it is installed)"), workflow(DEPLOY_WORKFLOW, "production"))),
  },
  {
    section: S.deployment,
    text: "Déploiement automatisé testé",
    assess: always(verified("deploys run on the real engine and cluster in the end-to-end suite", test(E2E_RELEASE, "a deploy of a good release succeeds, is verified through the API server, and is recorded"), result("lastGoodRelease"))),
  },
  {
    section: S.deployment,
    text: "Rollback automatique configuré",
    assess: always(
      verified(
        "a failed update or verification re-applies the last good release and verifies it",
        test(E2E_RELEASE, "a deploy of a broken release fails verification and is rolled back to the last good release, Ready again"),
        result("lastGoodRelease"),
      ),
    ),
  },
  {
    section: S.deployment,
    text: "Blue-green ou canary deployment",
    assess: (c) =>
      c.resolved.config.release.strategy === "canary"
        ? verified(
            "releases run as canary steps judged against the SLOs before promotion (release.strategy: canary)",
            config("release.strategy"),
            test("test/charts/go-service.canary.test.ts", "is a second Deployment, <name>-canary, of the release's image, with its own pod count and no HPA"),
            test("test/release/canary-analysis.test.ts", "measures what the data says: requests, ratios and P95 of each track"),
          )
        : manual("this stack replaces pods by a rolling update (release.strategy: rolling), without a canary", config("release.strategy")),
  },
  {
    section: S.deployment,
    text: "Migrations de DB testées",
    assess: (c) =>
      c.resolved.config.migrations.enabled
        ? verified(
            "the schema migrations run as a Job before the Deployment, which depends on it (a failed migration changes no pod); new migrations are expand-only against the last good release's code",
            config("migrations.enabled"),
            policy("migration-expand-only"),
            test("test/infra/program.migrations.test.ts", "gates the Deployment: the Deployment depends on it, so a failed migration changes no pod"),
            test("test/e2e/migrations/migrations.e2e.test.ts", "a failing migration leaves the schema unchanged, and the old binary keeps serving"),
          )
        : manual("this stack runs no migration Job (migrations.enabled: false): a person applies and tests schema changes", config("migrations.enabled")),
  },
  { section: S.deployment, text: "Scripts de déploiement documentés", assess: always(manual("a person confirms docs/releases.md matches the commands (`npm run <command> -- --help`)", doc("docs/releases.md"))) },
  { section: S.deployment, text: "Environnement de staging identique", assess: always(manual("staging keeps production's shape and resources by default (environment-defaults.ts), but its stack file may differ: a person compares Pulumi.staging.yaml with Pulumi.production.yaml", doc("Pulumi.staging.yaml"))) },

  // Infrastructure
  {
    section: S.infrastructure,
    text: "Haute disponibilité configurée (>= 2 instances)",
    assess: (c) => {
      const { autoscaling, replicas } = c.resolved.config;
      const pods = autoscaling.enabled ? autoscaling.minReplicas : replicas;
      return production(c)
        ? enforced(`production refuses fewer than 2 pods (this stack: at least ${pods}), and every workload that can run more than one pod has a PodDisruptionBudget`, config(autoscaling.enabled ? "autoscaling.minReplicas" : "replicas"), policy("pdb-required"))
        : manual(`this stack runs at least ${pods} pod(s); only production requires 2`, config(autoscaling.enabled ? "autoscaling.minReplicas" : "replicas"));
    },
  },
  {
    section: S.infrastructure,
    text: "Auto-scaling configuré",
    assess: (c) =>
      c.resolved.config.autoscaling.enabled
        ? verified(
            `a HorizontalPodAutoscaler scales ${c.resolved.config.autoscaling.minReplicas}–${c.resolved.config.autoscaling.maxReplicas} pods on CPU and memory, and an update waits until it reads its metrics`,
            config("autoscaling.enabled"),
            test(GO_SERVICE_TEST, "autoscales 3-10 on CPU and memory at 80%, with no fixed replica count"),
          )
        : manual(`autoscaling is off in this stack (${c.resolved.config.replicas} fixed replica(s))`, config("autoscaling.enabled")),
  },
  {
    section: S.infrastructure,
    text: "Load balancer configuré",
    assess: always(verified("a ClusterIP Service behind the ingress controller; an update waits for ready endpoints and the Ingress's address", test(GO_SERVICE_TEST, "exposes port 80 to the http port on a ClusterIP Service"), test(E2E_RELEASE, "a deploy of a good release succeeds, is verified through the API server, and is recorded"))),
  },
  { section: S.infrastructure, text: "CDN configuré (si applicable)", assess: always(manual("no CDN in the stack: a person decides whether one applies")) },
  { section: S.infrastructure, text: "DNS configuré avec TTL approprié", assess: always(manual("DNS records of the ingress hosts are outside the stack: confirm them and their TTL")) },
  {
    section: S.infrastructure,
    text: "Firewall et sécurité réseau",
    assess: (c) =>
      c.resolved.config.networkPolicy.enabled
        ? enforced("every workload's pods are selected by a NetworkPolicy: the service takes traffic only from the ingress controller and Prometheus, and reaches only DNS, PostgreSQL and Redis", policy("network-policy-coverage"), config("networkPolicy.databaseCidrs"))
        : manual("this stack turns its NetworkPolicies off (networkPolicy.enabled: false)", config("networkPolicy.enabled")),
  },
  {
    section: S.infrastructure,
    text: "Certificats SSL valides et auto-renouvelés",
    assess: (c) =>
      c.resolved.config.ingress.enabled
        ? enforced(`every Ingress host has TLS with a certificate cert-manager issues and renews (issuer ${c.resolved.config.ingress.clusterIssuer}); that cert-manager runs is the cluster's`, policy("ingress-tls"), config("ingress.clusterIssuer"))
        : manual("no Ingress in this stack", config("ingress.enabled")),
  },

  // Backup et Recovery
  {
    section: S.backup,
    text: "Sauvegardes automatiques configurées",
    assess: (c) =>
      !c.resolved.config.backup.enabled
        ? manual("backups are off in this stack (backup.enabled: false); only production requires them", config("backup.enabled"))
        : production(c)
          ? enforced(`production refuses a stack without backups; the db-backup CronJob runs on ${c.resolved.config.backup.schedule} to meet the RPO of ${c.resolved.config.backup.rpo}`, config("backup.enabled"), ...alertsIn(c, BACKUP_ALERTS), result("lastBackup"))
          : verified(`the db-backup CronJob runs on ${c.resolved.config.backup.schedule}, and an alert fires when backups stop`, config("backup.enabled"), ...alertsIn(c, BACKUP_ALERTS), test(E2E_BACKUP, "backs up to backups/frequent/YYYY/MM/DD/db_backup_<timestamp>.dump with server-side encryption, and copies the day's first to daily/"), result("lastBackup")),
  },
  {
    section: S.backup,
    text: "Restauration testée récemment",
    assess: (c) =>
      c.resolved.config.backup.enabled
        ? verified(
            `the db-restore-check CronJob restores the newest backup on ${c.resolved.config.backup.restoreCheckSchedule} within the RTO of ${c.resolved.config.backup.rto}; an alert fires when the drill fails`,
            config("backup.restoreCheckSchedule"),
            test(E2E_BACKUP, "restore-check RESTORE_FULL=true restores into a scratch database and matches the manifest's row counts"),
            result("lastRestoreDrill"),
          )
        : manual("backups are off in this stack", config("backup.enabled")),
  },
  {
    section: S.backup,
    text: "Chiffrement des sauvegardes",
    assess: (c) =>
      c.resolved.config.backup.enabled
        ? enforced(`every backup bucket is encrypted (${c.resolved.config.backup.encryption === "kms" ? "SSE-KMS with its own key" : "SSE-S3"}), and the uploads are refused unencrypted`, policy("s3-bucket-encrypted"), config("backup.encryption"))
        : manual("backups are off in this stack", config("backup.enabled")),
  },
  {
    section: S.backup,
    text: "Rétention appropriée (30 jours minimum)",
    assess: (c) =>
      c.resolved.config.backup.enabled && c.resolved.config.backup.retentionDays >= 30
        ? verified(`one backup a day is kept ${c.resolved.config.backup.retentionDays} days by the bucket's lifecycle`, config("backup.retentionDays"), test("test/infra/backup/backup-bucket.test.ts", "keeps every backup 2 days and one a day 30 days (noncurrent versions 1 and 7 more), and aborts uploads after a day"))
        : manual(c.resolved.config.backup.enabled ? `this stack keeps backups ${c.resolved.config.backup.retentionDays} days, under the seed's 30: no rule requires 30` : "backups are off in this stack", config("backup.retentionDays")),
  },
  { section: S.backup, text: "Plan de disaster recovery documenté", assess: always(manual("a person confirms the runbook is current", doc("docs/disaster-recovery.md"))) },
  {
    section: S.backup,
    text: "RTO/RPO définis et validés",
    assess: (c) =>
      c.resolved.config.backup.enabled
        ? verified(
            `RPO ${c.resolved.config.backup.rpo} and RTO ${c.resolved.config.backup.rto} are stack settings; the backup schedule follows from the RPO, the restore drill's deadline from the RTO, and alerts watch both`,
            config("backup.rpo"),
            config("backup.rto"),
            test("test/alerts/rules.test.ts", "RestoreDrillFailed: the last scheduled drill has not succeeded within the RTO"),
            result("lastRestoreDrill"),
          )
        : manual("backups are off in this stack: no RPO or RTO applies", config("backup.enabled")),
  },
  {
    section: S.backup,
    text: "Procédures de rollback testées",
    assess: always(verified("the rollback to an older program revision runs for real in the end-to-end suite", test(E2E_RELEASE, "a rollback to an older program revision re-applies that revision's program, config and image: the cluster is back on its objects"))),
  },

  // Monitoring et Alertes
  {
    section: S.monitoring,
    text: "Métriques applicatives collectées",
    assess: always(verified("request, latency, database and runtime metrics, named as the alerts read them", test(`${GO}/internal/metrics/metrics_test.go`, "TestCatalogMetricsAreExposedWithTheirLabels"))),
  },
  { section: S.monitoring, text: "Alertes pour erreurs critiques", assess: alerted("errors alert", "HighErrorRate", "ApplicationDown") },
  { section: S.monitoring, text: "Alertes pour performance dégradée", assess: alerted("latency alerts", "HighLatency", "SlowDatabaseQueries", "LatencySLOFastBurn") },
  { section: S.monitoring, text: "Alertes pour ressources système", assess: alerted("resource alerts", "HighMemoryUsage", "HighGoroutineCount", "DiskSpaceLow", "DatabaseConnectionsHigh") },
  { section: S.monitoring, text: "Page de statut publique (si applicable)", assess: always(manual("no status page in the stack: a person decides whether one applies")) },
  { section: S.monitoring, text: "Escalation des alertes configurée", assess: always(manual("alerts carry severity and team labels; routing and escalation are Alertmanager's configuration, outside this stack")) },
  {
    section: S.monitoring,
    text: "Runbooks documentés",
    assess: (c) =>
      manual(
        `every alert links to ${c.resolved.config.monitoring.runbookBaseUrl ?? "a runbook URL"}#<alert>: a person confirms each page exists`,
        config("monitoring.runbookBaseUrl"),
        test("test/alerts/rules.test.ts", "%s has a summary, a 3 a.m. description and a runbook anchor"),
      ),
  },

  // Documentation
  { section: S.documentation, text: "README complet et à jour", assess: always(manual("a person reviews it", doc("README.md"))) },
  { section: S.documentation, text: "Documentation API (OpenAPI/Swagger)", assess: always(manual("the reference service has no OpenAPI document; its endpoints are listed in its README", doc(`${GO}/README.md`))) },
  { section: S.documentation, text: "Guide de déploiement", assess: always(manual("a person confirms it is current", doc("docs/releases.md"))) },
  { section: S.documentation, text: "Runbooks pour les incidents", assess: always(manual("a person confirms the incident runbooks (the alerts' runbook URLs, the DR runbook)", doc("docs/disaster-recovery.md"))) },
  { section: S.documentation, text: "Architecture documentée", assess: always(manual("a person confirms the README's Layout and what a stack deploys are current", doc("README.md"))) },
  { section: S.documentation, text: "Procédures de maintenance", assess: always(manual("a person confirms them (secret rotation, backups, upgrades)")) },
  { section: S.documentation, text: "Guide de troubleshooting", assess: always(manual("a person confirms it exists")) },

  // Légal et Conformité
  { section: S.legal, text: "RGPD/GDPR conformité vérifiée", assess: always(manual("a person (the DPO) confirms")) },
  { section: S.legal, text: "Licences des dépendances vérifiées", assess: always(manual("a person reviews the licences of package-lock.json and go.sum")) },
  { section: S.legal, text: "Audit de sécurité effectué", assess: always(manual("a person confirms the audit")) },
  { section: S.legal, text: "Conditions d'utilisation mises à jour", assess: always(manual("a person confirms")) },
  { section: S.legal, text: "Politique de confidentialité à jour", assess: always(manual("a person confirms")) },
  { section: S.legal, text: "Conformité réglementaire validée", assess: always(manual("a person confirms")) },

  // Tests de Production
  {
    section: S.productionTests,
    text: "Smoke tests automatisés",
    assess: (c) =>
      production(c)
        ? verified("every deploy runs GET /health and /ready; production refuses to deploy without a smoke URL or a recorded reason", test("test/cli/deploy-smoke.test.ts", "npm run deploy: smoke-test options"), workflow(".github/workflows/deploy-stack.yml", "deploy"))
        : verified("every deploy runs GET /health and /ready when the service's URL is reachable", test("test/release/verify.test.ts", "passes when GET /health and GET /ready answer 2xx"), workflow(".github/workflows/deploy-stack.yml", "deploy")),
  },
  {
    section: S.productionTests,
    text: "Tests de sanité post-déploiement",
    assess: always(
      verified(
        "a release is verified (rollouts, ready endpoints, smoke tests) before it is recorded; a verification that checked nothing fails",
        test(E2E_RELEASE, "a deploy of a good release succeeds, is verified through the API server, and is recorded"),
        result("lastGoodRelease"),
      ),
    ),
  },
  {
    section: S.productionTests,
    text: "Tests de charge en pré-production",
    assess: always(verified("staging is load-tested after every deploy; production waits for it and for its approval", workflow(DEPLOY_WORKFLOW, "loadtest-staging"), workflow(DEPLOY_WORKFLOW, "production"), result("lastLoadTest"))),
  },
  { section: S.productionTests, text: "Tests de failover", assess: always(manual("pod and zone failures are spread and budgeted (anti-affinity, PDB), but no failover is exercised: a person runs one")) },
  {
    section: S.productionTests,
    text: "Tests de récupération après incident",
    assess: (c) =>
      c.resolved.config.backup.enabled
        ? verified("the weekly restore drill restores the newest backup in full; the end-to-end suite restores a backup into a fresh database", test(E2E_BACKUP, "a full restore into a fresh database gives identical data (row counts, checksums, large objects)"), result("lastRestoreDrill"))
        : manual("backups are off in this stack: nothing to recover from"),
  },
  { section: S.productionTests, text: "Tests utilisateur acceptation", assess: always(manual("a person runs the acceptance tests")) },

  // Équipe et Processus
  { section: S.team, text: "Équipe formée sur la nouvelle application", assess: always(manual("a person confirms")) },
  { section: S.team, text: "Procédures d'astreinte définies", assess: always(manual("a person confirms the on-call rota that receives the `severity: critical` alerts")) },
  { section: S.team, text: "Contacts d'urgence à jour", assess: always(manual("a person confirms")) },
  { section: S.team, text: "Post-mortem template préparé", assess: always(manual("a person confirms")) },
  { section: S.team, text: "Métriques de succès définies", assess: always(manual("the SLOs are defined (monitoring.slo); a person confirms the business metrics", config("monitoring.slo"))) },
  { section: S.team, text: "Plan de communication préparé", assess: always(manual("a person confirms")) },
];

/** One assessed item. */
export interface AssessedItem extends Assessment {
  readonly section: string;
  readonly text: string;
}

/** Counts per status. */
export interface ChecklistSummary {
  readonly enforced: number;
  readonly verified: number;
  readonly manual: number;
  /** Verified items whose last known result failed. */
  readonly failing: number;
}

/** Every item assessed for the stack. */
export function assessChecklist(context: ChecklistContext): AssessedItem[] {
  return CHECKLIST.map((item) => ({ section: item.section, text: item.text, ...item.assess(context) }));
}

/** Whether an item's known results failed (a failed last backup, drill or load test). */
function failingResults(item: AssessedItem, results: ChecklistResults): boolean {
  return item.evidence.some((e) => {
    if (e.kind !== "result") return false;
    if (e.what === "lastLoadTest") return results.lastLoadTest?.record.ok === false;
    if (e.what === "lastBackup") return results.lastBackup?.ok === false;
    if (e.what === "lastRestoreDrill") return results.lastRestoreDrill?.ok === false;
    return false;
  });
}

/** The counts of the assessed items. */
export function summarize(items: readonly AssessedItem[], results: ChecklistResults): ChecklistSummary {
  return {
    enforced: items.filter((i) => i.status === "enforced").length,
    verified: items.filter((i) => i.status === "verified").length,
    manual: items.filter((i) => i.status === "manual").length,
    failing: items.filter((i) => i.status === "verified" && failingResults(i, results)).length,
  };
}

/** The one line the pull-request comment shows: `N enforced, N verified, N manual`. */
export function summaryLine(summary: ChecklistSummary): string {
  return `${summary.enforced} enforced, ${summary.verified} verified, ${summary.manual} manual${summary.failing > 0 ? ` (${summary.failing} verified item(s) whose last result failed)` : ""}`;
}

function describeResult(what: keyof ChecklistResults, results: ChecklistResults): string {
  switch (what) {
    case "lastLoadTest": {
      const last = results.lastLoadTest;
      if (last === undefined) return "last load test: not known here (run `npm run loadtest`, or `--live` to read the stack's record)";
      const r = last.record;
      return `last load test (${last.stack}, ${r.at}, from ${last.source}): ${r.ok ? "✅ passed" : `❌ failed (${r.failed.join(", ")})`}, P95 ${r.p95Ms} ms, ${(r.errorRatio * 100).toFixed(2)} % errors, ${r.throughput} req/s`;
    }
    case "lastBackup":
    case "lastRestoreDrill": {
      const run = results[what];
      const name = what === "lastBackup" ? "last backup" : "last restore drill";
      return run === undefined ? `${name}: not known here (\`--live\` reads it from the cluster)` : `${name}: ${run.ok ? "✅" : "❌"} ${run.detail}`;
    }
    case "lastGoodRelease": {
      const release = results.lastGoodRelease;
      return release === undefined ? "last good release: not known here (`--live` reads the stack's record)" : `last good release: ${release.id}, verified ${release.verifiedAt}`;
    }
  }
}

/** One piece of evidence, as the report writes it. */
export function describeEvidence(evidence: Evidence, results: ChecklistResults): string {
  switch (evidence.kind) {
    case "policy":
      return `policy \`${evidence.rule}\``;
    case "config":
      return `config \`${evidence.key}\``;
    case "test":
      return `test \`${evidence.file}\` › ${evidence.title}`;
    case "alert":
      return `alert \`${evidence.name}\``;
    case "workflow":
      return `CI \`${evidence.file}\` job \`${evidence.job}\``;
    case "result":
      return describeResult(evidence.what, results);
    case "doc":
      return `\`${evidence.file}\``;
  }
}

const ICON: Record<ChecklistStatus, string> = { enforced: "🔒 enforced", verified: "✅ verified", manual: "✋ manual" };
const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The checklist as Markdown: the summary, then one table per section of the seed. */
export function renderChecklistMarkdown(stack: string, items: readonly AssessedItem[], results: ChecklistResults): string {
  const summary = summarize(items, results);
  const lines = [
    `# Production checklist: ${stack}`,
    "",
    `**${summaryLine(summary)}** (the ${items.length} items of the seed's section 10).`,
    "",
    "🔒 enforced: a guardrail policy or a stack-schema rule refuses the stack without it. ✅ verified: a test, an alert, a CI job or a job's last run proves it. ✋ manual: a person confirms it.",
  ];
  for (const section of [...new Set(items.map((i) => i.section))]) {
    lines.push("", `## ${section}`, "", "| item | status | how | evidence |", "|---|---|---|---|");
    for (const item of items.filter((i) => i.section === section)) {
      const evidence = item.evidence.map((e) => describeEvidence(e, results)).join("<br>");
      lines.push(`| ${cell(item.text)} | ${ICON[item.status]} | ${cell(item.detail)} | ${cell(evidence) || "—"} |`);
    }
  }
  lines.push("");
  return lines.join("\n");
}
