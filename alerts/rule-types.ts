import type { SignalId } from "./metrics-catalog.js";

/** Severities and their paging policy, fixed by the production practices. */
export type Severity = "critical" | "warning" | "info";
/** Teams that receive alerts, fixed by the production practices. */
export type Team = "backend" | "ops";

/** An alerting rule as the bundle defines it, before rendering. */
export interface AlertRule {
  readonly kind: "alert";
  /** Alert name, UpperCamelCase; also the runbook anchor (lower-cased). */
  readonly alert: string;
  readonly expr: string;
  /** Prometheus duration the condition must hold before the alert fires; absent = fires at once. */
  readonly for?: string;
  readonly severity: Severity;
  readonly team: Team;
  /** One line, shown in notifications; may use Prometheus templates ($value, $labels). */
  readonly summary: string;
  /** What is wrong, what it means for users and where to look first. */
  readonly description: string;
  readonly runbookUrl: string;
  /** Signal (from the metrics catalog) whose threshold this alert watches; the dashboard shows it. */
  readonly signal: SignalId;
  /** Labels besides severity and team, e.g. `slo`. */
  readonly extraLabels?: Readonly<Record<string, string>>;
}

/** A recording rule. */
export interface RecordingRule {
  readonly kind: "record";
  readonly record: string;
  readonly expr: string;
}

export type Rule = AlertRule | RecordingRule;

export interface RuleGroup {
  readonly name: string;
  /** Evaluation interval; absent = Prometheus' global evaluation_interval. */
  readonly interval?: string;
  readonly rules: readonly Rule[];
}

export const isAlertRule = (rule: Rule): rule is AlertRule => rule.kind === "alert";
export const isRecordingRule = (rule: Rule): rule is RecordingRule => rule.kind === "record";
