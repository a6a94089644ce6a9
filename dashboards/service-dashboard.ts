import * as common from "@grafana/grafana-foundation-sdk/common";
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as gauge from "@grafana/grafana-foundation-sdk/gauge";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import {
  BURN_RATE_WINDOWS,
  METRICS,
  SIGNALS,
  containerMatchers,
  resolveObservabilityProps,
  selector,
  serviceMatchers,
  sloDefinitions,
} from "../alerts/index.js";
import type { ObservabilityProps, ResolvedObservability, ServiceScope, SignalId } from "../alerts/index.js";
import { secondsToDuration } from "../config/duration.js";

/** Grafana's rate window variable: at least 4 scrape intervals, follows the zoom level. */
export const RATE_INTERVAL = "$__rate_interval";

/** Grafana visualisation of a panel: a graph over time, or the last value as a number or a gauge. */
export type PanelKind = "timeseries" | "stat" | "gauge";

/** One query of a panel. */
export interface PanelTarget {
  /** PromQL expression, scoped with the dashboard's template variables. */
  readonly expr: string;
  /** Grafana legend format, e.g. "{{pod}}"; label templates name the series. */
  readonly legend: string;
}

/** Threshold drawn on a panel: `above` = values above are bad (red), `below` = values below are bad. */
export interface PanelThreshold {
  /** Threshold value, in the panel's unit; the alert threshold of the signal. */
  readonly value: number;
  /** Side of `value` that is bad. */
  readonly bad: "above" | "below";
  /**
   * Intermediate warning steps (orange), in the panel's unit, for panels with more than one alert level.
   * @default - no warning steps: green, then red past `value`
   */
  readonly warnings?: readonly number[];
}

/** A panel as the bundle describes it, before the Grafana SDK builds it. */
export interface PanelSpec {
  /** Title of the collapsible row the panel sits in; consecutive panels with the same row share it. */
  readonly row: string;
  /** Panel title. */
  readonly title: string;
  /** Visualisation. */
  readonly kind: PanelKind;
  /** Grafana unit id of the values, e.g. "s", "percentunit" (0 to 1 shown as %), "reqps" or "bytes". */
  readonly unit: string;
  /** Panel description (the "i" tooltip): what the values mean and which alert fires on them. */
  readonly description: string;
  /** Catalog signals the panel shows: every alert's signal must appear on some panel. */
  readonly signals: readonly SignalId[];
  /** Queries; the legend tells their series apart. */
  readonly targets: readonly PanelTarget[];
  /**
   * Threshold line or colouring.
   * @default - no threshold: every value green
   */
  readonly threshold?: PanelThreshold;
  /**
   * Lower bound of the axis or gauge, in the panel's unit.
   * @default - Grafana's choice, from the data
   */
  readonly min?: number;
  /**
   * Upper bound of the axis or gauge, in the panel's unit.
   * @default - Grafana's choice, from the data
   */
  readonly max?: number;
  /** Width in grid columns (of 24). */
  readonly width: number;
}

/** Label values of the dashboard's template variables, so that one dashboard JSON fits every namespace. */
export function dashboardScope(o: ResolvedObservability): ServiceScope {
  return {
    namespace: "$namespace",
    job: "$job",
    container: o.containerName,
    ...(o.backup === undefined ? {} : { backupCronJob: o.backup.cronJobName }),
    ...(o.backup?.restoreCheck === undefined ? {} : { restoreCheckCronJob: o.backup.restoreCheck.cronJobName }),
  };
}

/** What every row's panels are built from: the resolved model, the dashboard's selectors, the thresholds. */
interface PanelContext {
  readonly o: ResolvedObservability;
  readonly s: ServiceScope;
  readonly t: ResolvedObservability["monitoring"]["thresholds"];
  readonly w: { readonly window: string };
  readonly perPod: string[];
}

/** Every panel of the service dashboard, in display order, one function per row. Thresholds are the alert thresholds. */
export function dashboardPanels(props: ObservabilityProps | ResolvedObservability): PanelSpec[] {
  const o = "scope" in props ? props : resolveObservabilityProps(props);
  const context: PanelContext = { o, s: dashboardScope(o), t: o.monitoring.thresholds, w: { window: RATE_INTERVAL }, perPod: ["pod"] };
  return [sloRow, trafficRow, runtimeRow, databaseRow, storageRow].flatMap((row) => row(context));
}

/** The SLOs' error budgets and burn rates, and the backups' recovery point. */
function sloRow({ o, s }: PanelContext): PanelSpec[] {
  const slos = sloDefinitions(o);
  const pageBurnRates = BURN_RATE_WINDOWS.filter((bw) => bw.severity === "critical");
  const panels: PanelSpec[] = [];
  const sloRow = "Service level objectives";
  for (const slo of slos) {
    panels.push({
      row: sloRow,
      title: `${slo.name === "availability" ? "Availability" : "Latency"} error budget remaining`,
      kind: "stat",
      unit: "percentunit",
      description: `Share of the ${o.monitoring.slo.window} error budget left. SLO: ${slo.objective}. Below 0 the SLO is missed.`,
      signals: ["sloBudgetRemaining"],
      targets: [{ expr: SIGNALS.sloBudgetRemaining(s, slo.name), legend: slo.name }],
      threshold: { value: 0.25, bad: "below", warnings: [0] },
      width: 4,
    });
  }
  panels.push({
    row: sloRow,
    title: "Error budget burn rate",
    kind: "timeseries",
    unit: "suffix:x",
    description:
      "How fast each SLO spends its error budget (1x = exactly the budget over the SLO window). " +
      `Pages when ${pageBurnRates.map((bw) => `${bw.burnRate}x over ${bw.longWindow}`).join(" or ")} (confirmed over a short window).`,
    signals: ["sloBurnRate"],
    targets: slos.flatMap((slo) =>
      ["1h", "6h"].map((window) => ({ expr: SIGNALS.sloBurnRate(s, slo.name, window, slo.errorBudget), legend: `${slo.name} over ${window}` })),
    ),
    threshold: {
      value: Math.max(...pageBurnRates.map((bw) => bw.burnRate)),
      bad: "above",
      warnings: pageBurnRates.map((bw) => bw.burnRate).filter((rate) => rate !== Math.max(...pageBurnRates.map((bw) => bw.burnRate))),
    },
    min: 0,
    width: o.backup === undefined ? 16 : o.backup.restoreCheck === undefined ? 12 : 8,
  });
  if (o.backup !== undefined) {
    const rpo = secondsToDuration(Math.round(o.backup.rpoSeconds));
    panels.push({
      row: sloRow,
      title: `Recovery point age (RPO ${rpo})`,
      kind: "stat",
      unit: "s",
      description:
        `How much data a restore now would lose: time since the newest successful run of CronJob ${o.backup.cronJobName} started ` +
        `(its snapshot). Red above the RPO of ${rpo}, where BackupOlderThanRpo fires (after 5 minutes).`,
      signals: ["backupRecoveryPointAge"],
      targets: [{ expr: SIGNALS.backupRecoveryPointAge(s), legend: "recovery point age" }],
      threshold: { value: o.backup.rpoSeconds, bad: "above" },
      min: 0,
      width: 4,
    });
    const drill = o.backup.restoreCheck;
    if (drill !== undefined) {
      const rto = secondsToDuration(drill.rtoSeconds);
      panels.push({
        row: sloRow,
        title: `Restore drill overdue (RTO ${rto})`,
        kind: "stat",
        unit: "s",
        description:
          `0 when the last scheduled full restore drill (CronJob ${drill.cronJobName}) succeeded, which proves a restore within the RTO of ${rto}; ` +
          `otherwise the time since it was scheduled. Red above the RTO, where RestoreDrillFailed fires.`,
        signals: ["restoreDrillOverdue"],
        targets: [{ expr: `${SIGNALS.restoreDrillOverdue(s)}\nor on () vector(0)`, legend: "overdue" }],
        threshold: { value: drill.rtoSeconds, bad: "above" },
        min: 0,
        width: 4,
      });
    }
  }
  return panels;
}

/** Requests: rate, errors, latency, in flight. */
function trafficRow({ s, t, w }: PanelContext): PanelSpec[] {
  const panels: PanelSpec[] = [];
  const traffic = "Traffic";
  panels.push(
    {
      row: traffic,
      title: "Request rate by method and status",
      kind: "timeseries",
      unit: "reqps",
      description: "HTTP requests per second, by method and status code.",
      signals: ["requestRate"],
      targets: [{ expr: SIGNALS.requestRate(s, { ...w, by: ["method", "status"] }), legend: "{{method}} {{status}}" }],
      min: 0,
      width: 12,
    },
    {
      row: traffic,
      title: "Traffic compared with the same time yesterday",
      kind: "timeseries",
      unit: "suffix:x",
      description: `ModerateTrafficIncrease (info) fires above ${t.trafficIncreaseFactor}x for 10 minutes, when traffic exceeds ${t.trafficIncreaseMinRequestsPerSecond} req/s.`,
      signals: ["trafficChange"],
      targets: [{ expr: SIGNALS.trafficChange(s, ["namespace", "job"]), legend: "now / yesterday" }],
      threshold: { value: t.trafficIncreaseFactor, bad: "above" },
      min: 0,
      width: 12,
    },
    {
      row: traffic,
      title: "Error rate (5xx)",
      kind: "timeseries",
      unit: "percentunit",
      description: `Share of requests answered with 5xx. HighErrorRate fires above ${t.errorRate * 100}% for 2 minutes.`,
      signals: ["errorRatio"],
      targets: [{ expr: SIGNALS.errorRatio(s, { ...w, by: ["namespace", "job"] }), legend: "5xx share" }],
      threshold: { value: t.errorRate, bad: "above" },
      min: 0,
      max: 1,
      width: 8,
    },
    {
      row: traffic,
      title: "P95 latency",
      kind: "timeseries",
      unit: "s",
      description: `95th percentile of request duration. HighLatency fires above ${t.latencyP95Seconds}s for 3 minutes.`,
      signals: ["latencyP95"],
      targets: [{ expr: SIGNALS.latencyP95(s, { ...w, by: ["namespace", "job"] }), legend: "P95" }],
      threshold: { value: t.latencyP95Seconds, bad: "above" },
      min: 0,
      width: 8,
    },
    {
      row: traffic,
      title: "In-flight requests",
      kind: "stat",
      unit: "short",
      description: "Requests being served right now, all pods together.",
      signals: ["requestsInFlight"],
      targets: [{ expr: SIGNALS.requestsInFlight(s, ["namespace", "job"]), legend: "in flight" }],
      width: 4,
    },
    {
      row: traffic,
      title: "Targets up",
      kind: "stat",
      unit: "short",
      description: "Pods answering Prometheus scrapes. ApplicationDown fires when none does for 1 minute.",
      signals: ["targetsUp"],
      targets: [{ expr: `${SIGNALS.targetsUp(s)}\nor vector(0)`, legend: "up" }],
      threshold: { value: 1, bad: "below" },
      width: 4,
    },
  );
  return panels;
}

/** The Go runtime and the container's memory. */
function runtimeRow({ o, s, t, perPod }: PanelContext): PanelSpec[] {
  const panels: PanelSpec[] = [];
  const runtime = "Go runtime and memory";
  panels.push(
    {
      row: runtime,
      title: "Memory",
      kind: "timeseries",
      unit: "bytes",
      description: "Container working set (what the OOM killer compares with the limit), Go heap in use and memory obtained from the OS, per pod.",
      signals: [],
      targets: [
        { expr: `max by (pod) (${selector(METRICS.containerMemoryWorkingSet.name, containerMatchers(s))})`, legend: "{{pod}} working set" },
        { expr: `sum by (pod) (${selector(METRICS.goMemstatsAllocBytes.name, serviceMatchers(s))})`, legend: "{{pod}} Go heap allocated" },
        { expr: `sum by (pod) (${selector(METRICS.goMemstatsSysBytes.name, serviceMatchers(s))})`, legend: "{{pod}} Go sys" },
      ],
      threshold: { value: Math.round(o.containerMemoryLimitBytes * t.memoryLimitFraction), bad: "above" },
      min: 0,
      width: 10,
    },
    {
      row: runtime,
      title: "Memory used / limit",
      kind: "gauge",
      unit: "percentunit",
      description: `Busiest container's working set over its memory limit. HighMemoryUsage fires above ${t.memoryLimitFraction * 100}% for 5 minutes.`,
      signals: ["memoryLimitUsage"],
      targets: [{ expr: SIGNALS.memoryLimitUsage(s, ["namespace", "container"], o.containerMemoryLimitBytes), legend: "used / limit" }],
      threshold: { value: t.memoryLimitFraction, bad: "above" },
      min: 0,
      max: 1,
      width: 4,
    },
    {
      row: runtime,
      title: "Goroutines",
      kind: "timeseries",
      unit: "short",
      description: `Goroutines per pod. HighGoroutineCount fires above ${t.goroutines} for 5 minutes.`,
      signals: ["goroutines"],
      targets: [{ expr: SIGNALS.goroutines(s, perPod), legend: "{{pod}}" }],
      threshold: { value: t.goroutines, bad: "above" },
      min: 0,
      width: 5,
    },
    {
      row: runtime,
      title: "GC duration",
      kind: "timeseries",
      unit: "s",
      description: "Average garbage collection pause per pod.",
      signals: [],
      targets: [
        {
          expr:
            `sum by (pod) (rate(${selector(`${METRICS.goGcDuration.name}_sum`, serviceMatchers(s))}[${RATE_INTERVAL}]))\n/\n` +
            `sum by (pod) (rate(${selector(`${METRICS.goGcDuration.name}_count`, serviceMatchers(s))}[${RATE_INTERVAL}]))`,
          legend: "{{pod}}",
        },
      ],
      min: 0,
      width: 5,
    },
  );
  return panels;
}

/** The database connection pool and query latency. */
function databaseRow({ s, t, w }: PanelContext): PanelSpec[] {
  const panels: PanelSpec[] = [];
  const database = "Database";
  panels.push(
    {
      row: database,
      title: "DB connections",
      kind: "timeseries",
      unit: "short",
      description: "Open and in-use connections of each pod's pool, and the pool limit.",
      signals: [],
      targets: [
        { expr: `sum by (pod) (${selector(METRICS.goSqlOpenConnections.name, serviceMatchers(s))})`, legend: "{{pod}} open" },
        { expr: `sum by (pod) (${selector(METRICS.goSqlInUseConnections.name, serviceMatchers(s))})`, legend: "{{pod}} in use" },
        { expr: `sum by (pod) (${selector(METRICS.goSqlMaxOpenConnections.name, serviceMatchers(s))})`, legend: "{{pod}} max open" },
      ],
      min: 0,
      width: 10,
    },
    {
      row: database,
      title: "DB connection pool usage",
      kind: "gauge",
      unit: "percentunit",
      description: `Open connections over the pool limit, worst pod. DatabaseConnectionsHigh fires above ${t.dbConnectionsUsage * 100}% for 3 minutes.`,
      signals: ["dbConnectionUsage"],
      targets: [{ expr: SIGNALS.dbConnectionUsage(s, ["namespace", "job"]), legend: "open / max" }],
      threshold: { value: t.dbConnectionsUsage, bad: "above" },
      min: 0,
      max: 1,
      width: 4,
    },
    {
      row: database,
      title: "DB query P95",
      kind: "timeseries",
      unit: "s",
      description: `95th percentile of DB query duration. SlowDatabaseQueries fires above ${t.slowQueryP95Seconds}s for 5 minutes.`,
      signals: ["dbQueryP95"],
      targets: [{ expr: SIGNALS.dbQueryP95(s, { ...w, by: ["namespace", "job"] }), legend: "P95" }],
      threshold: { value: t.slowQueryP95Seconds, bad: "above" },
      min: 0,
      width: 10,
    },
  );
  return panels;
}

/** Free space of the namespace's volumes. */
function storageRow({ s, t }: PanelContext): PanelSpec[] {
  const panels: PanelSpec[] = [];
  panels.push({
    row: "Storage",
    title: "Volume free space",
    kind: "timeseries",
    unit: "percentunit",
    description: `Free space of each persistent volume claim of the namespace. DiskSpaceLow fires below ${t.diskFreeFraction * 100}% for 15 minutes.`,
    signals: ["volumeFreeRatio"],
    targets: [{ expr: SIGNALS.volumeFreeRatio(s), legend: "{{persistentvolumeclaim}}" }],
    threshold: { value: t.diskFreeFraction, bad: "below" },
    min: 0,
    max: 1,
    width: 24,
  });
  return panels;
}

const DATASOURCE: common.DataSourceRef = { type: "prometheus", uid: "${datasource}" };

function thresholds(threshold: PanelThreshold | undefined): dashboard.ThresholdsConfigBuilder {
  const steps: dashboard.Threshold[] = [];
  if (threshold === undefined) {
    steps.push({ value: null, color: "green" });
  } else if (threshold.bad === "above") {
    steps.push({ value: null, color: "green" });
    for (const warning of threshold.warnings ?? []) steps.push({ value: warning, color: "orange" });
    steps.push({ value: threshold.value, color: "red" });
  } else {
    steps.push({ value: null, color: "red" });
    for (const warning of threshold.warnings ?? []) steps.push({ value: warning, color: "orange" });
    steps.push({ value: threshold.value, color: "green" });
  }
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps);
}

function queries(spec: PanelSpec, instant: boolean): prometheus.DataqueryBuilder[] {
  return spec.targets.map((target, index) => {
    const query = new prometheus.DataqueryBuilder()
      .datasource(DATASOURCE)
      .refId(String.fromCharCode(65 + index))
      .expr(target.expr)
      .legendFormat(target.legend);
    return instant ? query.instant() : query.range();
  });
}

function buildPanel(spec: PanelSpec, id: number): cog.Builder<dashboard.Panel> {
  const height = 8;
  if (spec.kind === "timeseries") {
    const panel = new timeseries.PanelBuilder()
      .id(id)
      .title(spec.title)
      .description(spec.description)
      .datasource(DATASOURCE)
      .unit(spec.unit)
      .span(spec.width)
      .height(height)
      .thresholds(thresholds(spec.threshold))
      .thresholdsStyle(
        new common.GraphThresholdsStyleConfigBuilder().mode(spec.threshold === undefined ? common.GraphThresholdsStyleMode.Off : common.GraphThresholdsStyleMode.Dashed),
      )
      .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
      .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
      .fillOpacity(10)
      .lineWidth(1);
    if (spec.min !== undefined) panel.min(spec.min);
    if (spec.max !== undefined) panel.max(spec.max);
    for (const q of queries(spec, false)) panel.withTarget(q);
    return panel;
  }
  const reduce = new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false);
  const panel =
    spec.kind === "stat"
      ? new stat.PanelBuilder().colorMode(common.BigValueColorMode.Value).graphMode(common.BigValueGraphMode.Area).reduceOptions(reduce)
      : new gauge.PanelBuilder().showThresholdMarkers(true).reduceOptions(reduce);
  panel.id(id).title(spec.title).description(spec.description).datasource(DATASOURCE).unit(spec.unit).span(spec.width).height(height).thresholds(thresholds(spec.threshold));
  if (spec.min !== undefined) panel.min(spec.min);
  if (spec.max !== undefined) panel.max(spec.max);
  for (const q of queries(spec, true)) panel.withTarget(q);
  return panel;
}

/** The Grafana dashboard model of the service (schema of the Grafana Foundation SDK). */
export function buildServiceDashboard(props: ObservabilityProps | ResolvedObservability): dashboard.Dashboard {
  const o = "scope" in props ? props : resolveObservabilityProps(props);
  const builder = new dashboard.DashboardBuilder(o.dashboardTitle)
    .uid(o.dashboardUid)
    .tags(["generated", "go-service", o.serviceName, o.environment])
    .description(`Production monitoring of ${o.serviceName} (${o.environment}). Generated from the observability bundle: thresholds match the alerts.`)
    .editable()
    .timezone("browser")
    .time({ from: "now-6h", to: "now" })
    .refresh(o.monitoring.dashboard.refresh)
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .withVariable(new dashboard.DatasourceVariableBuilder("datasource").label("Data source").type("prometheus"))
    .withVariable(
      new dashboard.QueryVariableBuilder("namespace")
        .label("Namespace")
        .datasource(DATASOURCE)
        .query(`label_values(${METRICS.httpRequestsTotal.name}, namespace)`)
        .definition(`label_values(${METRICS.httpRequestsTotal.name}, namespace)`)
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .sort(dashboard.VariableSort.AlphabeticalAsc)
        .current({ text: o.namespace, value: o.namespace }),
    )
    .withVariable(
      new dashboard.QueryVariableBuilder("job")
        .label("Job")
        .datasource(DATASOURCE)
        .query(`label_values(${METRICS.httpRequestsTotal.name}{namespace="$namespace"}, job)`)
        .definition(`label_values(${METRICS.httpRequestsTotal.name}{namespace="$namespace"}, job)`)
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .sort(dashboard.VariableSort.AlphabeticalAsc)
        .current({ text: o.jobLabel, value: o.jobLabel }),
    );

  let id = 1;
  let currentRow: string | undefined;
  for (const spec of dashboardPanels(o)) {
    if (spec.row !== currentRow) {
      builder.withRow(new dashboard.RowBuilder(spec.row).id(id++));
      currentRow = spec.row;
    }
    builder.withPanel(buildPanel(spec, id++));
  }
  return builder.build();
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * Dashboard JSON for Grafana's import (Dashboards → New → Import) or a sidecar ConfigMap:
 * 2-space indentation, keys sorted, trailing newline; identical bytes for identical props.
 */
export function renderServiceDashboardJson(props: ObservabilityProps | ResolvedObservability): string {
  return `${JSON.stringify(sortKeys(buildServiceDashboard(props)), null, 2)}\n`;
}

/** Every PromQL expression of the dashboard, for syntax checks. */
export function dashboardExpressions(model: dashboard.Dashboard): string[] {
  const out: string[] = [];
  for (const panel of model.panels ?? []) {
    const targets = (panel as { targets?: { expr?: unknown }[] }).targets ?? [];
    for (const target of targets) if (typeof target.expr === "string") out.push(target.expr);
  }
  return out;
}
