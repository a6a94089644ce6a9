import type { SignalId } from "./metrics-catalog.js";

/** Severities and their paging policy, fixed by the production practices. */
export type Severity = "critical" | "warning" | "info";
/** Teams that receive alerts, fixed by the production practices. */
export type Team = "backend" | "ops";

/** An alerting rule as the bundle defines it, before rendering. */
export interface AlertRule {
  /** Discriminant: always "alert". */
  readonly kind: "alert";
  /** Alert name, UpperCamelCase; also the runbook anchor (lower-cased). */
  readonly alert: string;
  /** PromQL condition; the alert is pending while it returns series, and fires once that has lasted `for`. */
  readonly expr: string;
  /**
   * Prometheus duration the condition must hold before the alert fires.
   * @default - fires at the first evaluation where the condition holds
   */
  readonly for?: string;
  /** Severity label, which decides paging: critical pages, warning and info do not. */
  readonly severity: Severity;
  /** Team label, which routes the notification. */
  readonly team: Team;
  /** One line, shown in notifications; may use Prometheus templates ($value, $labels). */
  readonly summary: string;
  /** What is wrong, what it means for users and where to look first. */
  readonly description: string;
  /** Link to the alert's runbook section (`runbook_url` annotation). */
  readonly runbookUrl: string;
  /** Signal (from the metrics catalog) whose threshold this alert watches; the dashboard shows it. */
  readonly signal: SignalId;
  /**
   * Labels besides severity and team, e.g. `slo`.
   * @default - no extra labels
   */
  readonly extraLabels?: Readonly<Record<string, string>>;
}

/** A recording rule. */
export interface RecordingRule {
  /** Discriminant: always "record". */
  readonly kind: "record";
  /** Name of the series the rule writes, in the `level:metric:operations` convention. */
  readonly record: string;
  /** PromQL expression whose result is recorded at every evaluation. */
  readonly expr: string;
}

/** An alerting or a recording rule; `kind` tells which. */
export type Rule = AlertRule | RecordingRule;

/** A named group of rules, evaluated one after the other at the same interval. */
export interface RuleGroup {
  /** Group name, unique within the rule file or PrometheusRule. */
  readonly name: string;
  /**
   * Evaluation interval, a Prometheus duration.
   * @default - Prometheus' global evaluation_interval
   */
  readonly interval?: string;
  /** Rules of the group, in evaluation order. */
  readonly rules: readonly Rule[];
}

/** Type guard for alerting rules. */
export const isAlertRule = (rule: Rule): rule is AlertRule => rule.kind === "alert";
/** Type guard for recording rules. */
export const isRecordingRule = (rule: Rule): rule is RecordingRule => rule.kind === "record";
