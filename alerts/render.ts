import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { Document } from "yaml";
import type { Rule, RuleGroup } from "./rule-types.js";

/** A rule exactly as Prometheus' rule file format (and PrometheusRule's spec) spells it. */
export interface PlainRule {
  /**
   * Alert name; set on alerting rules only.
   * @default - none: a recording rule
   */
  alert?: string;
  /**
   * Name of the series the rule records; set on recording rules only.
   * @default - none: an alerting rule
   */
  record?: string;
  /** PromQL expression. */
  expr: string;
  /**
   * Prometheus duration the condition must hold before the alert fires.
   * @default - fires at the first evaluation where the condition holds
   */
  for?: string;
  /**
   * Labels of the alert (severity, team and extra labels), keys sorted.
   * @default - none (recording rules)
   */
  labels?: Record<string, string>;
  /**
   * Annotations of the alert (summary, description, runbook_url), keys sorted.
   * @default - none (recording rules)
   */
  annotations?: Record<string, string>;
}

/** A rule group exactly as Prometheus' rule file format (and PrometheusRule's spec) spells it. */
export interface PlainRuleGroup {
  /** Group name, unique within the rule file. */
  name: string;
  /**
   * Evaluation interval as a Prometheus duration.
   * @default - Prometheus' global evaluation_interval
   */
  interval?: string;
  /** Rules, evaluated in this order. */
  rules: PlainRule[];
}

const sortedRecord = (record: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

function plainRule(rule: Rule): PlainRule {
  if (rule.kind === "record") return { record: rule.record, expr: rule.expr };
  return {
    alert: rule.alert,
    expr: rule.expr,
    ...(rule.for === undefined ? {} : { for: rule.for }),
    labels: sortedRecord({ ...rule.extraLabels, severity: rule.severity, team: rule.team }),
    annotations: sortedRecord({ description: rule.description, runbook_url: rule.runbookUrl, summary: rule.summary }),
  };
}

/** Rule groups in the key order of Prometheus' documentation (name, interval, rules; alert/record, expr, for, labels, annotations). */
export function toPlainRuleGroups(groups: readonly RuleGroup[]): PlainRuleGroup[] {
  return groups.map((group) => ({
    name: group.name,
    ...(group.interval === undefined ? {} : { interval: group.interval }),
    rules: group.rules.map(plainRule),
  }));
}

/**
 * Prometheus rule file (`promtool check rules`, `rule_files:`) as YAML. Same groups, same bytes:
 * no timestamps, fixed key order, no line folding.
 */
export function renderRuleGroups(groups: readonly RuleGroup[]): string {
  const doc = new Document({ groups: toPlainRuleGroups(groups) });
  doc.commentBefore = " Generated from alerts/ (observability bundle). Do not edit: change the stack's monitoring config instead.";
  return doc.toString({ lineWidth: 0, indentSeq: true });
}

/** Object metadata of a generated PrometheusRule. */
export interface PrometheusRuleMetadata {
  /** Name of the PrometheusRule object. */
  readonly name: string;
  /** Namespace of the PrometheusRule object, normally the service's. */
  readonly namespace: string;
  /** Labels on the object; must include what the Prometheus' ruleSelector matches (e.g. release). */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * The same groups as a prometheus-operator `PrometheusRule` (monitoring.coreos.com/v1), validated
 * against the CRD schema; throws with the schema's message when invalid.
 */
export function buildPrometheusRule(groups: readonly RuleGroup[], metadata: PrometheusRuleMetadata): PrometheusRule {
  const rule = new PrometheusRule({
    metadata: { name: metadata.name, namespace: metadata.namespace, labels: sortedRecord(metadata.labels) },
    spec: { groups: toPlainRuleGroups(groups) },
  });
  rule.validate();
  return rule;
}
